import { describe, expect, it } from 'vitest';
import { arrayReader, withOrderedQuery } from '../../../test/lookup/support/array-reader.ts';
import { isAppError } from '../../errors.ts';
import { parseTuple } from '../../model/index.ts';
import { compileSchema } from '../../schema/index.ts';
import { createEngine } from '../engine.ts';
import { lookupResources, streamLookupResources } from './lookup-resources.ts';
import type { LookupEngine } from './types.ts';

const schema = compileSchema(`definition user {}
definition group {
  relation member: user | group#member
}
definition document {
  relation viewer: user | group#member | user:*
  relation banned: user
  permission view = viewer
  permission read = viewer - banned
}`);
const tuples = [
  'group:eng#member@user:ann',
  ...Array.from(
    { length: 30 },
    (_, i) => `document:d${String(i).padStart(2, '0')}#viewer@group:eng#member`,
  ),
  'document:x1#viewer@user:ann',
  'document:x2#viewer@user:*',
  'document:x2#banned@user:ann',
].map(parseTuple);
const ctx = { reader: arrayReader(tuples), schema };
const ann = { type: 'user', id: 'ann', relation: '...' };
const viewReq = { resourceType: 'document', permission: 'view', subject: ann };

/** An engine that counts checks, to prove which answers needed none. */
function countingEngine(): LookupEngine & { checks: number } {
  const inner = createEngine({ cache: false });
  const e = {
    checks: 0,
    check: (c: Parameters<LookupEngine['check']>[0], r: Parameters<LookupEngine['check']>[1]) => {
      e.checks++;
      return inner.check(c, r);
    },
  };
  return e;
}

describe('lookupResources', () => {
  it('returns every resource in ascending id order without checking a pure union', async () => {
    const engine = countingEngine();
    const res = await lookupResources(engine, ctx, viewReq);
    const ids = res.results.map((r) => r.resourceId);
    expect(ids).toHaveLength(32);
    expect(ids).toEqual([...ids].sort());
    expect(res.truncated).toBeUndefined();
    expect(res.cursor).toBeUndefined();
    expect(engine.checks).toBe(0);
  });

  it('decides an exclusion by set difference when the subtracted side is exact', async () => {
    const engine = countingEngine();
    const res = await lookupResources(engine, ctx, { ...viewReq, permission: 'read' });
    expect(res.results.map((r) => r.resourceId)).not.toContain('x2');
    expect(res.results).toHaveLength(31);
    expect(engine.checks).toBe(0);
  });

  it('pages with a cursor; truncated says limit only when more results exist', async () => {
    const engine = createEngine();
    const all: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await lookupResources(engine, ctx, {
        ...viewReq,
        limit: 8,
        ...(cursor ? { cursor } : {}),
      });
      all.push(...page.results.map((r) => r.resourceId));
      cursor = page.cursor;
      pages++;
      if (page.truncated) expect(page.truncated.reason).toBe('limit');
      else expect(page.cursor).toBeUndefined();
    } while (cursor);
    expect(pages).toBe(4);
    expect(all).toEqual(
      (await lookupResources(engine, ctx, viewReq)).results.map((r) => r.resourceId),
    );
    // Exactly `limit` results and nothing after: not truncated.
    const exact = await lookupResources(engine, ctx, { ...viewReq, limit: 32 });
    expect(exact.truncated).toBeUndefined();
  });

  it('reports a passed deadline as truncation with a cursor that resumes', async () => {
    const engine = createEngine();
    const late = await lookupResources(engine, { ...ctx, deadline: Date.now() - 1 }, viewReq);
    expect(late.results).toEqual([]);
    expect(late.truncated).toEqual({ reason: 'deadline' });
    expect(late.cursor).toBeTypeOf('string');
    const resumed = await lookupResources(engine, ctx, {
      ...viewReq,
      cursor: late.cursor as string,
    });
    expect(resumed.results).toHaveLength(32);
  });

  it('cut by a deadline between windows, returns a sorted prefix whose cursor resumes exactly', async () => {
    // Caveated grants are candidates, each confirmed by check. The request is aborted during the
    // first window of checks (which completes), so the cut falls between windows.
    const caveated = compileSchema(`definition user {}
caveat flag(on bool) {
  on
}
definition document {
  relation viewer: user:* with flag
  permission view = viewer
}`);
    const grants = Array.from({ length: 600 }, (_, i) =>
      parseTuple(`document:p${String(i).padStart(4, '0')}#viewer@user:*[flag]`),
    );
    const base = { reader: arrayReader(grants), schema: caveated };
    const inner = createEngine({ cache: false });
    const abort = new AbortController();
    let calls = 0;
    const aborting: LookupEngine = {
      check(_c, r) {
        if (++calls === 100) abort.abort();
        return inner.check(base, r);
      },
    };
    const req = {
      resourceType: 'document',
      permission: 'view',
      subject: ann,
      context: { on: true },
    };
    const full = await lookupResources(inner, base, req);
    expect(full.results).toHaveLength(600);
    const first = await lookupResources(aborting, { ...base, signal: abort.signal }, req);
    expect(first.truncated).toEqual({ reason: 'deadline' });
    expect(first.results.length).toBeGreaterThan(0);
    expect(first.results.length).toBeLessThan(600);
    const rest = await lookupResources(inner, base, { ...req, cursor: first.cursor as string });
    expect([...first.results, ...rest.results]).toEqual(full.results);
  });

  it('treats an aborted signal like a deadline', async () => {
    const signal = AbortSignal.abort();
    const res = await lookupResources(createEngine(), { ...ctx, signal }, viewReq);
    expect(res.truncated).toEqual({ reason: 'deadline' });
  });

  it('streams the same results and returns the summary', async () => {
    const engine = createEngine();
    const it = streamLookupResources(engine, ctx, { ...viewReq, limit: 5 });
    const got: string[] = [];
    let step = await it.next();
    while (!step.done) {
      got.push(step.value.resourceId);
      step = await it.next();
    }
    expect(got).toHaveLength(5);
    expect(step.value.truncated).toEqual({ reason: 'limit' });
    expect(step.value.cursor).toBeTypeOf('string');
  });

  it('streams every result of every window, then the summary on each later call', async () => {
    const engine = createEngine();
    // 1,200 results come in windows of at most 512: the stream crosses window reads.
    const many = {
      reader: arrayReader([
        parseTuple('group:eng#member@user:ann'),
        ...Array.from({ length: 1200 }, (_, i) =>
          parseTuple(`document:m${String(i).padStart(4, '0')}#viewer@group:eng#member`),
        ),
      ]),
      schema,
    };
    for (const [c, req] of [
      [many, viewReq],
      [many, { ...viewReq, limit: 700 }],
      [ctx, { ...viewReq, limit: 10 }],
    ] as const) {
      const page = await lookupResources(engine, c, req);
      const it = streamLookupResources(engine, c, req);
      const got = [];
      for (let step = await it.next(); ; step = await it.next()) {
        if (step.done) {
          expect(step.value).toEqual({
            ...(page.truncated ? { truncated: page.truncated } : {}),
            ...(page.cursor ? { cursor: page.cursor } : {}),
          });
          break;
        }
        got.push(step.value);
      }
      expect(got).toEqual(page.results);
      expect(got.length).toBe('limit' in req ? req.limit : 1200);
      expect(await it.next()).toEqual({ done: true, value: expect.any(Object) });
    }
  });

  it('serves next() calls made at once in call order, like a generator', async () => {
    const engine = createEngine();
    const page = await lookupResources(engine, ctx, viewReq);
    const it = streamLookupResources(engine, ctx, viewReq);
    const steps = await Promise.all(Array.from({ length: 40 }, () => it.next()));
    expect(steps.slice(0, 32).map((s) => s.value)).toEqual(page.results);
    expect(steps.slice(32).every((s) => s.done)).toBe(true);
  });

  it('ends early on return(), and a failed read ends the stream', async () => {
    const engine = createEngine();
    const it = streamLookupResources(engine, ctx, viewReq);
    expect((await it.next()).done).toBe(false);
    expect(await it.return({})).toEqual({ done: true, value: {} });
    expect((await it.next()).done).toBe(true);
    const bad = streamLookupResources(engine, ctx, { ...viewReq, permission: 'nope' });
    await expect(bad.next()).rejects.toMatchObject({ code: 'unknown_relation' });
    expect((await bad.next()).done).toBe(true);
  });

  it.each([
    ['unknown_definition', { ...viewReq, resourceType: 'nope' }],
    ['unknown_relation', { ...viewReq, permission: 'nope' }],
    ['unknown_definition', { ...viewReq, subject: { type: 'robot', id: 'r', relation: '...' } }],
    ['unknown_relation', { ...viewReq, subject: { type: 'group', id: 'g', relation: 'nope' } }],
    [
      'wildcard_subject_not_allowed',
      { ...viewReq, subject: { type: 'user', id: '*', relation: '...' } },
    ],
    ['invalid_request', { ...viewReq, limit: -1 }],
    ['invalid_cursor', { ...viewReq, cursor: 'not-a-cursor' }],
  ])('rejects a bad request with %s', async (code, req) => {
    const err = await lookupResources(createEngine(), ctx, req).catch((e: unknown) => e);
    expect(isAppError(err, code as never)).toBe(true);
  });

  it('refuses a cursor issued for another query', async () => {
    const page = await lookupResources(createEngine(), ctx, { ...viewReq, limit: 1 });
    const err = await lookupResources(createEngine(), ctx, {
      ...viewReq,
      subject: { type: 'user', id: 'bob', relation: '...' },
      cursor: page.cursor as string,
    }).catch((e: unknown) => e);
    expect(isAppError(err, 'invalid_cursor')).toBe(true);
  });
});

describe('lookupResources limit pushdown', () => {
  // 40 caveated grants, only every fifth of which the context allows: a page of 2 must run several
  // rounds (each asks the walk for more candidates after the largest id it held) and still return
  // exactly the next slice of the full answer.
  const caveated = compileSchema(`caveat is_ok(ok bool) { ok }
definition user {}
definition document {
  relation viewer: user | user with is_ok
  permission view = viewer
}`);
  const grants = Array.from({ length: 40 }, (_, i) => {
    const id = `d${String(i).padStart(2, '0')}`;
    return parseTuple(`document:${id}#viewer@user:ann[is_ok:{"ok":${i % 5 === 0}}]`);
  });
  const cctx = {
    reader: arrayReader([...grants, parseTuple('document:d07#viewer@user:ann')]),
    schema: caveated,
  };
  const want = ['d00', 'd05', 'd07', 'd10', 'd15', 'd20', 'd25', 'd30', 'd35'];

  it.each([
    ['a plain store', cctx],
    // Ordered reads cut each round after `capacity` tuples: a round must not take its (mostly
    // denied) first tuples for the whole answer.
    ['ordered reads', { ...cctx, reader: withOrderedQuery(cctx.reader) }],
  ])('pages through mostly denied candidates one slice at a time (%s)', async (_name, pctx) => {
    const engine = createEngine();
    const full = await lookupResources(engine, pctx, viewReq);
    expect(full.results.map((r) => r.resourceId)).toEqual(want);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 10; guard++) {
      const page = await lookupResources(engine, pctx, {
        ...viewReq,
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.results.map((r) => r.resourceId));
      cursor = page.cursor;
      if (!page.truncated) break;
      expect(page.results).toHaveLength(2);
    }
    expect(seen).toEqual(want);
  });

  it('reads no more than the one walk a page of proven results needs', async () => {
    const reader = arrayReader(tuples);
    const pctx = { reader, schema };
    await lookupResources(createEngine(), pctx, { ...viewReq, limit: 3 });
    const onePage = reader.reads;
    reader.reads = 0;
    await lookupResources(createEngine(), pctx, viewReq);
    expect(onePage).toBe(reader.reads);
  });
});

describe('lookupResources with an ordered store', () => {
  it('reads only a page worth of tuples on the last hop, then resumes exactly', async () => {
    const base = withOrderedQuery(arrayReader(tuples));
    let returned = 0;
    const reader = {
      ...base,
      queryOrdered: async (...args: Parameters<typeof base.queryOrdered>) => {
        const out = await base.queryOrdered(...args);
        returned += out.length;
        return out;
      },
    };
    const octx = { reader, schema };
    const engine = countingEngine();
    const full = await lookupResources(engine, ctx, viewReq);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 20; guard++) {
      returned = 0;
      const page = await lookupResources(engine, octx, {
        ...viewReq,
        limit: 3,
        ...(cursor ? { cursor } : {}),
      });
      // Each ordered query is asked for limit + 1 tuples: the group's 30 grants are never all read.
      expect(returned).toBeLessThanOrEqual(3 * 4);
      seen.push(...page.results.map((r) => r.resourceId));
      cursor = page.cursor;
      if (!page.truncated) break;
    }
    expect(seen).toEqual(full.results.map((r) => r.resourceId));
    expect(engine.checks).toBe(0);
  });
});

describe('lookupResources over a union that reaches an intersection', () => {
  // The agents shape, reversed: a session's user views 30 documents, one of which links the
  // workflow the session runs. Intersecting the parts decides it; one walk would send all 30
  // documents (the intersection's first part) to check.
  const agents = compileSchema(`definition user {
  relation delegate: session
  permission agent = delegate
}
definition session {}
definition workflow {
  relation session: session
}
definition document {
  relation viewer: user
  relation workflow: workflow
  permission delegated = viewer->agent
  permission agent_view = delegated & workflow->session
  permission view = viewer + agent_view
}`);
  const actx = {
    reader: arrayReader(
      [
        'user:u#delegate@session:s',
        ...Array.from({ length: 30 }, (_, i) => `document:d${i}#viewer@user:u`),
        'document:d7#workflow@workflow:w',
        'document:x#workflow@workflow:w',
        'workflow:w#session@session:s',
      ].map(parseTuple),
    ),
    schema: agents,
  };

  it('lists only documents in both parts, without a check, and pages them', async () => {
    const engine = countingEngine();
    const req = {
      resourceType: 'document',
      permission: 'view',
      subject: { type: 'session', id: 's', relation: '...' },
    };
    const r = await lookupResources(engine, actx, req);
    expect(r.results.map((x) => x.resourceId)).toEqual(['d7']);
    expect(engine.checks).toBe(0);
    const page = await lookupResources(engine, actx, { ...req, limit: 1 });
    expect(page.results.map((x) => x.resourceId)).toEqual(['d7']);
    expect(page.truncated).toBeUndefined();
  });
});
