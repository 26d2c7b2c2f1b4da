/**
 * Engine behaviour beyond yes/no: missing parameters, errors, depth, explain, caching, bulk.
 */
import { describe, expect, it } from 'vitest';
import { createEngine, formatProof, proofTuples } from '../../src/engine/index.ts';
import { isAppError } from '../../src/errors.ts';
import { parseObject, parseSubject, parseTuple } from '../../src/model/index.ts';
import { compileSchema } from '../../src/schema/index.ts';
import { createMemoryStore } from '../../src/store/index.ts';
import { arrayReader } from './support.ts';

const SCHEMA = compileSchema(`
use expiration
definition user {}
caveat first_condition(first int) { first == 1 }
caveat second_condition(second int) { second == 2 }
caveat pair(a int, b int) { a == 1 && b == 2 }
definition group {
  relation member: user | group#member | user with expiration
}
definition document {
  relation parent: document
  relation reader: user | user with first_condition | user:*
  relation writer: user | user with second_condition | user with pair
  relation banned: user | user with second_condition | user with expiration
  relation member: group#member
  permission both = reader & writer
  permission either = reader + writer
  permission view = reader - banned
  permission chain = member + parent->chain
}
`);

function req(text: string, context?: Record<string, unknown>) {
  const t = parseTuple(text);
  return {
    resource: t.resource,
    permission: t.relation,
    subject: t.subject,
    ...(context ? { context } : {}),
  };
}

describe('missing parameters', () => {
  const ctx = {
    schema: SCHEMA,
    reader: arrayReader([
      'document:d#reader@user:a[first_condition]',
      'document:d#writer@user:a[second_condition]',
      'document:d#reader@user:b',
      'document:d#banned@user:b[second_condition]',
      'document:d#writer@user:c[pair:{"a":1}]',
      'document:d#reader@user:c[first_condition]',
    ]),
  };
  const engine = createEngine();
  it.each([
    ['document:d#both@user:a', undefined, 'conditional', ['first', 'second']],
    ['document:d#both@user:a', { first: 1 }, 'conditional', ['second']],
    ['document:d#either@user:a', undefined, 'conditional', ['first', 'second']],
    ['document:d#either@user:a', { second: 2 }, 'allowed', undefined],
    ['document:d#view@user:b', undefined, 'conditional', ['second']],
    ['document:d#view@user:b', { second: 2 }, 'denied', undefined],
    ['document:d#both@user:c', undefined, 'conditional', ['b', 'first']],
    ['document:d#both@user:c', { a: 5 }, 'conditional', ['b', 'first']],
    ['document:d#both@user:c', { b: 3 }, 'denied', undefined],
  ])('%s with %j is %s %j', async (text, context, permissionship, missing) => {
    const r = await engine.check(ctx, req(text, context));
    expect(r.permissionship).toBe(permissionship);
    expect(r.missingParams).toEqual(missing);
  });
});

describe('errors', () => {
  const engine = createEngine({ maxDepth: 5 });
  const chain = Array.from({ length: 8 }, (_, i) => `group:g${i}#member@group:g${i + 1}#member`);
  const ctx = {
    schema: SCHEMA,
    reader: arrayReader([...chain, 'group:g8#member@user:deep', 'group:g2#member@user:shallow']),
  };

  it.each([
    ['a wildcard subject', 'document:d#view@user:*', 'wildcard_subject_not_allowed'],
    ['an unknown definition', 'nothing:d#view@user:a', 'unknown_definition'],
    ['an unknown permission', 'document:d#nope@user:a', 'unknown_relation'],
    ['a graph deeper than the limit', 'group:g0#member@user:deep', 'max_depth_exceeded'],
  ])('rejects %s', async (_what, text, code) => {
    const err = await engine.check(ctx, req(text)).catch((e: unknown) => e);
    expect(isAppError(err, code as never)).toBe(true);
  });

  it('still rejects invalid requests once the cache is warm (validation follows the warm lookup)', async () => {
    const warm = createEngine();
    const sync = {
      schema: SCHEMA,
      reader: arrayReader(['document:d#reader@user:*'], { sync: true }),
    };
    expect((await warm.check(sync, req('document:d#view@user:a'))).permissionship).toBe('allowed');
    expect((await warm.check(sync, req('document:d#view@user:a'))).permissionship).toBe('allowed');
    for (const [text, code] of [
      ['document:d#view@user:*', 'wildcard_subject_not_allowed'],
      ['document:d#nope@user:a', 'unknown_relation'],
      ['nothing:d#view@user:a', 'unknown_definition'],
    ] as const) {
      const err = await warm.check(sync, req(text)).catch((e: unknown) => e);
      expect(isAppError(err, code), text).toBe(true);
    }
  });

  it('answers a shallow grant even when a deeper branch would exceed the limit', async () => {
    expect((await engine.check(ctx, req('group:g0#member@user:shallow'))).permissionship).toBe(
      'allowed',
    );
  });

  it('reports a caveat evaluation error instead of denying', async () => {
    const bad = {
      schema: SCHEMA,
      reader: arrayReader(['document:d#reader@user:x[first_condition]']),
    };
    const err = await engine
      .check(bad, req('document:d#reader@user:x', { first: 'one' }))
      .catch((e: unknown) => e);
    expect(isAppError(err, 'invalid_caveat_context')).toBe(true);
  });

  it('honours an expired deadline and an aborted signal', async () => {
    const past = await engine
      .check({ ...ctx, deadline: Date.now() - 1 }, req('group:g2#member@user:shallow'))
      .catch((e) => e);
    expect(isAppError(past, 'deadline_exceeded')).toBe(true);
    const signal = AbortSignal.abort();
    const aborted = await engine
      .check({ ...ctx, signal }, req('group:g2#member@user:shallow'))
      .catch((e) => e);
    expect(isAppError(aborted, 'deadline_exceeded')).toBe(true);
  });
});

describe('explain', () => {
  it('returns the agent-delegation chain', async () => {
    const agents = compileSchema(`
definition user {}
definition workflow {
  relation owner: user
  permission owner_of = owner
}
definition agent_session {
  relation workflow: workflow
  permission acting_for = workflow->owner_of
}
definition document {
  relation delegate: agent_session
  permission edit = delegate->acting_for
}
`);
    const ctx = {
      schema: agents,
      reader: arrayReader([
        'document:d1#delegate@agent_session:s1',
        'agent_session:s1#workflow@workflow:w1',
        'workflow:w1#owner@user:alice',
      ]),
    };
    const r = await createEngine().check(ctx, {
      ...req('document:d1#edit@user:alice'),
      explain: true,
    });
    expect(r.permissionship).toBe('allowed');
    expect(formatProof(r.proof!)).toBe(
      'document:d1#edit <- document:d1#delegate <- agent_session:s1#workflow <- workflow:w1#owner <- user:alice',
    );
    expect(proofTuples(r.proof!)).toEqual([
      'document:d1#delegate@agent_session:s1',
      'agent_session:s1#workflow@workflow:w1',
      'workflow:w1#owner@user:alice',
    ]);
  });

  it('summarises what a denial tried, and is never served from cache', async () => {
    const engine = createEngine();
    const ctx = { schema: SCHEMA, reader: arrayReader(['document:d#reader@user:a']) };
    await engine.check(ctx, req('document:d#view@user:z'));
    const before = engine.stats().hits;
    const r = await engine.check(ctx, { ...req('document:d#view@user:z'), explain: true });
    expect(engine.stats().hits).toBe(before);
    expect(r.permissionship).toBe('denied');
    expect(r.proof).toMatchObject({ kind: 'denied', truncated: false });
    const tried = r.proof?.kind === 'denied' ? r.proof.tried : [];
    expect(tried[0]).toBe('document:d#view');
    expect(tried).toContain('document:d#reader');
    expect(formatProof(r.proof!)).toMatch(/^denied \(tried: document:d#view/);
  });

  it('explains identity, intersections and caveated grants', async () => {
    const ctx = {
      schema: SCHEMA,
      reader: arrayReader([
        'document:d#reader@user:a[first_condition]',
        'document:d#writer@user:a',
      ]),
    };
    const engine = createEngine();
    const both = await engine.check(ctx, {
      ...req('document:d#both@user:a', { first: 1 }),
      explain: true,
    });
    expect(both.proof?.kind === 'step' && both.proof.children[0]?.children.length).toBe(2);
    const cond = await engine.check(ctx, { ...req('document:d#both@user:a'), explain: true });
    expect(cond.permissionship).toBe('conditional');
    expect(proofTuples(cond.proof!)).toContain('document:d#reader@user:a[first_condition]');
    const id = await engine.check(ctx, { ...req('group:g#member@group:g#member'), explain: true });
    expect(id.proof).toMatchObject({ kind: 'step', via: 'identity' });
  });
});

describe('cache', () => {
  it('hits on a repeated check and counts entries', async () => {
    const engine = createEngine();
    const ctx = { schema: SCHEMA, reader: arrayReader(['document:d#reader@user:a']) };
    await engine.check(ctx, req('document:d#view@user:a'));
    const first = engine.stats();
    await engine.check(ctx, req('document:d#view@user:a'));
    expect(engine.stats().hits).toBeGreaterThan(first.hits);
    expect(engine.stats().entries).toBeGreaterThan(0);
    expect(engine.stats().bytes).toBeGreaterThan(0);
    expect(createEngine({ cache: false }).stats()).toEqual({
      hits: 0,
      misses: 0,
      entries: 0,
      bytes: 0,
    });
  });

  it.each([
    ['synchronous walk', { sync: true }, 'auto'],
    ['async walk, concurrent operands', { sync: false }, 'concurrent'],
  ] as const)(
    'a byte bound below the working set evicts, stays bounded and answers right (%s)',
    async (_, readerOpts, operands) => {
      const tuples: string[] = [];
      for (let d = 0; d < 40; d++) {
        tuples.push(`document:d${d}#reader@user:u${d % 7}`);
        if (d % 3 === 0) tuples.push(`document:d${d}#writer@user:u${d % 5}`);
        if (d % 4 === 0) tuples.push(`document:d${d}#banned@user:u${d % 7}`);
      }
      const ctx = { schema: SCHEMA, reader: arrayReader(tuples, readerOpts) };
      const maxBytes = 4096; // ~13 entries of this key length: far below the working set
      const bounded = createEngine({ operands, cache: { maxBytes } });
      const reference = createEngine({ operands, cache: false });
      for (let round = 0; round < 2; round++)
        for (let d = 0; d < 40; d++)
          for (let u = 0; u < 7; u++)
            for (const p of ['view', 'both', 'either']) {
              const r = req(`document:d${d}#${p}@user:u${u}`);
              expect((await bounded.check(ctx, r)).permissionship).toBe(
                (await reference.check(ctx, r)).permissionship,
              );
              expect(bounded.stats().bytes).toBeLessThanOrEqual(maxBytes);
            }
      const s = bounded.stats();
      expect(s.entries).toBeGreaterThan(0);
      expect(s.entries).toBeLessThan(40 * 7 * 3);
      expect(s.misses).toBeGreaterThan(40 * 7 * 3); // the second round missed too: evicted
    },
  );

  it("counts a large request context in an entry's bytes", async () => {
    const engine = createEngine();
    const ctx = {
      schema: SCHEMA,
      reader: arrayReader(['document:d#reader@user:a[first_condition]']),
    };
    await engine.check(ctx, req('document:d#reader@user:a', { first: 1 }));
    const small = engine.stats().bytes;
    const other = createEngine();
    await other.check(ctx, req('document:d#reader@user:a', { first: 1, note: 'x'.repeat(10_000) }));
    expect(other.stats().entries).toBe(engine.stats().entries);
    expect(other.stats().bytes - small).toBeGreaterThanOrEqual(10_000 * engine.stats().entries);
  });

  it('keys by request context', async () => {
    const engine = createEngine();
    const ctx = {
      schema: SCHEMA,
      reader: arrayReader(['document:d#reader@user:a[first_condition]']),
    };
    expect(
      (await engine.check(ctx, req('document:d#reader@user:a', { first: 1 }))).permissionship,
    ).toBe('allowed');
    expect(
      (await engine.check(ctx, req('document:d#reader@user:a', { first: 2 }))).permissionship,
    ).toBe('denied');
    expect((await engine.check(ctx, req('document:d#reader@user:a'))).permissionship).toBe(
      'conditional',
    );
  });

  it('never serves a result past the expiry of a tuple it depended on', async () => {
    const store = createMemoryStore();
    const rev = await store.write([
      { op: 'touch', tuple: parseTuple('group:g#member@user:a[expiration:2100-01-01T00:00:00Z]') },
      { op: 'touch', tuple: parseTuple('document:d#reader@user:b') },
      {
        op: 'touch',
        tuple: parseTuple('document:d#banned@user:b[expiration:2100-01-01T00:00:00Z]'),
      },
    ]);
    const engine = createEngine();
    const before = Date.parse('2099-12-31T23:59:59Z');
    const after = Date.parse('2100-01-01T00:00:00Z');
    const at = (now: number) => ({ schema: SCHEMA, reader: store.snapshot(rev, { now }) });
    expect((await engine.check(at(before), req('group:g#member@user:a'))).permissionship).toBe(
      'allowed',
    );
    expect((await engine.check(at(before), req('document:d#view@user:b'))).permissionship).toBe(
      'denied',
    );
    expect((await engine.check(at(after), req('group:g#member@user:a'))).permissionship).toBe(
      'denied',
    );
    expect((await engine.check(at(after), req('document:d#view@user:b'))).permissionship).toBe(
      'allowed',
    );
  });

  it('does not cache results cut off by a data cycle as final', async () => {
    const engine = createEngine();
    const ctx = {
      schema: SCHEMA,
      reader: arrayReader([
        'group:a#member@group:b#member',
        'group:b#member@group:a#member',
        'group:a#member@user:x',
      ]),
    };
    // Checking b first computes a's membership with b on the lineage; a later check of a must still find x.
    expect((await engine.check(ctx, req('group:b#member@user:x'))).permissionship).toBe('allowed');
    expect((await engine.check(ctx, req('group:a#member@user:x'))).permissionship).toBe('allowed');
    expect((await engine.check(ctx, req('group:b#member@user:y'))).permissionship).toBe('denied');
    expect((await engine.check(ctx, req('group:a#member@user:y'))).permissionship).toBe('denied');
  });
});

describe('bulkCheck', () => {
  it('answers every item and isolates per-item errors', async () => {
    const engine = createEngine();
    const reader = arrayReader(['document:d#reader@user:a', 'document:e#reader@user:b']);
    const items = await engine.bulkCheck({ schema: SCHEMA, reader }, [
      req('document:d#view@user:a'),
      req('document:d#view@user:*'),
      req('document:e#view@user:a'),
      req('document:e#view@user:b'),
      req('nothing:x#view@user:b'),
    ]);
    expect(items.map((i) => (i.ok ? i.result.permissionship : i.error.code))).toEqual([
      'allowed',
      'wildcard_subject_not_allowed',
      'denied',
      'allowed',
      'unknown_definition',
    ]);
  });

  it('batches reads across items', async () => {
    const tuples = Array.from({ length: 50 }, (_, i) => `document:d${i}#reader@user:u${i}`);
    const reader = arrayReader(tuples);
    const reqs = Array.from({ length: 50 }, (_, i) => req(`document:d${i}#reader@user:u${i}`));
    const items = await createEngine({ cache: false }).bulkCheck({ schema: SCHEMA, reader }, reqs);
    expect(items.every((i) => i.ok && i.result.permissionship === 'allowed')).toBe(true);
    expect(reader.queries).toBeLessThan(10);
  });

  it.each([
    ['asynchronous', false],
    ['synchronous', true],
  ])(
    'answers a repeated batch from the cache, errors and explained items as before (%s reader)',
    async (_kind, sync) => {
      const engine = createEngine();
      const reader = arrayReader(['document:d#reader@user:a', 'document:e#reader@user:b'], {
        sync,
      });
      const ctx = { schema: SCHEMA, reader };
      const reqs = [
        req('document:d#view@user:a'),
        req('document:d#view@user:*'),
        req('document:e#view@user:a'),
        { ...req('document:e#view@user:b'), explain: true },
        req('nothing:x#view@user:b'),
      ];
      const shape = (items: Awaited<ReturnType<typeof engine.bulkCheck>>) =>
        items.map((i) =>
          i.ok ? [i.result.permissionship, i.result.proof !== undefined] : i.error.code,
        );
      const cold = shape(await engine.bulkCheck(ctx, reqs));
      const before = engine.stats();
      const warm = shape(await engine.bulkCheck(ctx, reqs));
      expect(warm).toEqual(cold);
      expect(cold).toEqual([
        ['allowed', false],
        'wildcard_subject_not_allowed',
        ['denied', false],
        ['allowed', true],
        'unknown_definition',
      ]);
      // The two plain valid items answer from their cached roots.
      expect(engine.stats().hits - before.hits).toBeGreaterThanOrEqual(2);
      expect(engine.stats().misses).toBe(before.misses);
      // Past the deadline, cached items still fail with deadline_exceeded, invalid ones as invalid.
      const late = await engine.bulkCheck({ ...ctx, deadline: Date.now() - 1 }, reqs);
      expect(late.map((i) => (i.ok ? 'ok' : i.error.code))).toEqual([
        'deadline_exceeded',
        'wildcard_subject_not_allowed',
        'deadline_exceeded',
        'deadline_exceeded',
        'unknown_definition',
      ]);
    },
  );

  it('rejects more than 10,000 items', async () => {
    const reqs = Array.from({ length: 10_001 }, () => req('document:d#view@user:a'));
    const err = await createEngine()
      .bulkCheck({ schema: SCHEMA, reader: arrayReader([]) }, reqs)
      .catch((e) => e);
    expect(isAppError(err, 'batch_too_large')).toBe(true);
  });
});

describe('identical concurrent checks', () => {
  it('are computed once', async () => {
    const reader = arrayReader(['document:d#reader@user:a']);
    const engine = createEngine();
    const ctx = { schema: SCHEMA, reader };
    const results = await Promise.all(
      Array.from({ length: 20 }, () => engine.check(ctx, req('document:d#view@user:a'))),
    );
    expect(results.every((r) => r.permissionship === 'allowed')).toBe(true);
    expect(reader.queries).toBeLessThanOrEqual(3);
  });
});

describe('subject and object parsing helpers', () => {
  it('accepts subject sets as check subjects', async () => {
    const ctx = { schema: SCHEMA, reader: arrayReader(['document:d#member@group:g#member']) };
    const r = await createEngine().check(ctx, {
      resource: parseObject('document:d'),
      permission: 'chain',
      subject: parseSubject('group:g#member'),
    });
    expect(r.permissionship).toBe('allowed');
  });
});

describe('errors inside operands', () => {
  const schema = compileSchema(`
definition user {}
definition group {
  relation member: user | group#member
}
definition document {
  relation deep: group#member
  relation direct: user
  permission either = deep + direct
  permission both = deep & direct
  permission minus = direct - deep
}
`);
  const chain = Array.from({ length: 8 }, (_, i) => `group:g${i}#member@group:g${i + 1}#member`);
  const rows = [
    ...chain,
    'group:g8#member@user:far',
    'document:d#deep@group:g0#member',
    'document:d#direct@user:near',
  ];
  const reader = arrayReader(rows);
  const syncReader = arrayReader(rows, { sync: true });
  it.each([
    ['sequential', false],
    ['concurrent', false],
    ['auto', true],
  ] as const)(
    'decide only when no other operand could (%s, querySync %s)',
    async (operands, sync) => {
      const engine = createEngine({ maxDepth: 5, cache: false, operands });
      const ctx = { schema, reader: sync ? syncReader : reader };
      // `near` is granted by `direct` although `deep` runs out of depth looking for them.
      expect((await engine.check(ctx, req('document:d#either@user:near'))).permissionship).toBe(
        'allowed',
      );
      // `both` needs `deep`, which cannot be decided within the limit: the error stands.
      const err = await engine
        .check(ctx, req('document:d#both@user:near'))
        .catch((e: unknown) => e);
      expect(isAppError(err, 'max_depth_exceeded')).toBe(true);
      // Not in `direct`: the exclusion is denied whatever `deep` says.
      expect((await engine.check(ctx, req('document:d#minus@user:far'))).permissionship).toBe(
        'denied',
      );
    },
  );
});

describe('depth budget and reuse', () => {
  // group:g1 ∋ g2 ∋ g3 ∋ user:u needs three dispatch levels from g1; doc:d#read reaches g1 two
  // levels down. With a budget of 3, g1#member alone fits, doc:d#read does not: a fresh walk raises
  // max_depth_exceeded. A g1 result memoised (bulk) or cached (an earlier check) with more budget
  // left must not answer the deeper path.
  const schema = compileSchema(`
definition user {}
definition group {
  relation member: user | group#member
}
definition doc {
  relation reader: group#member
  permission read = reader
}
`);
  const tuples = [
    'group:g1#member@group:g2#member',
    'group:g2#member@group:g3#member',
    'group:g3#member@user:u',
    'doc:d#reader@group:g1#member',
  ];
  const u = parseSubject('user:u');
  const g1 = { resource: parseObject('group:g1'), permission: 'member', subject: u };
  const deep = { resource: parseObject('doc:d'), permission: 'read', subject: u };
  const code = async (p: Promise<{ permissionship: string }>) =>
    p.then(
      (r) => r.permissionship,
      (e: unknown) => (isAppError(e) ? e.code : String(e)),
    );

  for (const operands of ['sequential', 'concurrent'] as const)
    for (const sync of [true, false])
      it(`answers like a fresh walk (${operands}, ${sync ? 'sync' : 'async'} reader)`, async () => {
        const ctx = { schema, reader: arrayReader(tuples, { sync }) };
        const fresh = createEngine({ maxDepth: 3, cache: false, operands });
        expect(await code(fresh.check(ctx, g1))).toBe('allowed');
        expect(await code(fresh.check(ctx, deep))).toBe('max_depth_exceeded');
        // Bulk: one memo shared by both items.
        const bulk = await createEngine({ maxDepth: 3, cache: false, operands }).bulkCheck(ctx, [
          g1,
          deep,
        ]);
        expect(bulk.map((b) => (b.ok ? b.result.permissionship : b.error.code))).toEqual([
          'allowed',
          'max_depth_exceeded',
        ]);
        // Cache: g1 checked first, then the deeper path.
        const cached = createEngine({ maxDepth: 3, operands });
        expect(await code(cached.check(ctx, g1))).toBe('allowed');
        expect(await code(cached.check(ctx, deep))).toBe('max_depth_exceeded');
        expect(await code(cached.check(ctx, g1))).toBe('allowed');
      });
});
