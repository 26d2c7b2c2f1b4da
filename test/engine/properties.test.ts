/**
 * Engine laws over generated valid cases (schema + tuples + checks from test/support/generators):
 * cached ≡ uncached, a tuple written at revision r is invisible at r-1, and check agrees with a
 * three-valued evaluation of the expand tree (an independent reading of the same semantics).
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  type CheckRequest,
  createEngine,
  type Engine,
  type EvalContext,
  type ExpandNode,
  evaluateCaveat,
} from '../../src/engine/index.ts';
import { isAppError } from '../../src/errors.ts';
import { ELLIPSIS, type SubjectRef, type Tuple, WILDCARD } from '../../src/model/index.ts';
import { compileSchema, type SchemaIR } from '../../src/schema/index.ts';
import { createMemoryStore, type TupleQuery } from '../../src/store/index.ts';
import { type DiffCase, diffCaseArb, formatCase } from '../support/generators/index.ts';

type Tri = 'T' | 'F' | 'C';

/** allowed / denied / conditional[missing] or the error code: comparable across runs. */
async function answer(engine: Engine, ctx: EvalContext, req: CheckRequest): Promise<string> {
  try {
    const r = await engine.check(ctx, req);
    return r.permissionship + (r.missingParams ? `[${r.missingParams.join(',')}]` : '');
  } catch (err) {
    if (isAppError(err)) return `error:${err.code}`;
    throw err;
  }
}

async function load(c: DiffCase, tuples: readonly Tuple[] = c.tuples) {
  const schema = compileSchema(c.schemaText);
  const store = createMemoryStore();
  let rev = await store.headRevision();
  const revs: number[] = [];
  for (const t of tuples) {
    rev = await store.write([{ op: 'touch', tuple: t }]);
    revs.push(rev);
  }
  return { schema, store, rev, revs };
}

const requests = (c: DiffCase): CheckRequest[] =>
  c.checks.map((q) => ({ ...q, ...(q.context ? { context: q.context } : {}) }));

const OPTS = {
  numRuns: Number(process.env.ENGINE_PROP_RUNS ?? 25),
  seed: Number(process.env.ENGINE_PROP_SEED ?? 4242),
};

describe('engine laws', () => {
  test.prop([diffCaseArb({ maxTuples: 30, checks: 15 })], OPTS)(
    'cached ≡ uncached (cold and warm)',
    async (c) => {
      const { schema, store, rev } = await load(c);
      const ctx = { schema, reader: store.snapshot(rev) };
      const cached = createEngine();
      const uncached = createEngine({ cache: false });
      for (const req of requests(c)) {
        const want = await answer(uncached, ctx, req);
        expect(await answer(cached, ctx, req), formatCase(c)).toBe(want);
        expect(await answer(cached, ctx, req), formatCase(c)).toBe(want);
      }
    },
  );

  // Small depth budgets too: a memoised, cached or joined result is reused only where its depth
  // fits the budget left (Outcome.depth), so `max_depth_exceeded` does not depend on the order in
  // which paths reach a node (bulk items share one memo).
  test.prop(
    [diffCaseArb({ maxTuples: 30, checks: 15 }), fc.option(fc.integer({ min: 1, max: 6 }))],
    OPTS,
  )('synchronous path ≡ async path (check and bulk)', async (c, depth) => {
    const { schema, store, rev } = await load(c);
    const sync = { schema, reader: store.snapshot(rev) };
    // The same snapshot without `querySync`: the engine falls back to its async evaluation.
    const { querySync: _hidden, ...asyncReader } = store.snapshot(rev);
    const viaAsync = { schema, reader: asyncReader };
    // Round-trip savers as the SQL stores offer them (queryMany, and queryClosure which the memory
    // reader already has), and a reader with neither: concurrent evaluation must not depend on them.
    const { queryClosure: _noClosure, ...plainReader } = asyncReader;
    const viaPlain = { schema, reader: plainReader };
    const viaMulti = {
      schema,
      reader: {
        ...asyncReader,
        queryMany: (qs: readonly TupleQuery[]) => Promise.all(qs.map((q) => asyncReader.query(q))),
      },
    };
    const reqs = requests(c);
    const maxDepth = depth ?? undefined;
    for (const cache of [undefined, false] as const) {
      const opts = { ...(cache === false ? { cache } : {}), ...(maxDepth ? { maxDepth } : {}) };
      const syncEngine = createEngine(opts);
      const sequential = createEngine({ ...opts, operands: 'sequential' });
      const concurrent = createEngine({ ...opts, operands: 'concurrent' });
      for (const req of reqs) {
        const want = await answer(sequential, viaAsync, req);
        expect(await answer(syncEngine, sync, req), formatCase(c)).toBe(want);
        for (const via of [viaAsync, viaPlain, viaMulti])
          expect(await answer(concurrent, via, req), formatCase(c)).toBe(want);
      }
      const bulk = (items: Awaited<ReturnType<Engine['bulkCheck']>>) =>
        items.map((b) =>
          b.ok
            ? b.result.permissionship + (b.result.missingParams?.join(',') ?? '')
            : `error:${b.error.code}`,
        );
      expect(bulk(await syncEngine.bulkCheck(sync, reqs)), formatCase(c)).toEqual(
        bulk(await sequential.bulkCheck(viaAsync, reqs)),
      );
    }
  });

  test.prop([diffCaseArb({ maxTuples: 20, checks: 10 }), fc.nat()], OPTS)(
    'a tuple written at revision r is invisible at r-1',
    async (c, pick) => {
      const { schema, store, revs } = await load(c);
      const k = pick % (revs.length + 1);
      // The snapshot just before tuple k was written must answer like a store that never had it.
      const before = k === 0 ? 0 : (revs[k - 1] as number);
      const fresh = await load(c, c.tuples.slice(0, k));
      const engine = createEngine();
      for (const req of requests(c)) {
        const atOld = await answer(engine, { schema, reader: store.snapshot(before) }, req);
        const alone = await answer(
          engine,
          { schema: fresh.schema, reader: fresh.store.snapshot(fresh.rev) },
          req,
        );
        expect(atOld, formatCase(c)).toBe(alone);
      }
    },
  );

  test.prop([diffCaseArb({ maxTuples: 30, checks: 15 })], OPTS)(
    'check agrees with expand',
    async (c) => {
      const { schema, store, rev } = await load(c);
      const ctx = { schema, reader: store.snapshot(rev) };
      const engine = createEngine({ cache: false });
      for (const req of requests(c)) {
        if (req.subject.id === WILDCARD) continue;
        const checked = await answer(engine, ctx, req);
        if (checked.startsWith('error')) continue;
        let tree: ExpandNode;
        try {
          tree = await engine.expand(ctx, { resource: req.resource, permission: req.permission });
        } catch (err) {
          if (isAppError(err, 'max_depth_exceeded')) continue;
          throw err;
        }
        const t = evalTree(tree, req.subject, schema, req.context);
        const want = t === 'T' ? 'allowed' : t === 'F' ? 'denied' : 'conditional';
        expect(checked.replace(/\[.*\]$/, ''), formatCase(c)).toBe(want);
      }
    },
  );
});

// ---- an independent three-valued reading of an expand tree -------------------------------------

const or = (a: Tri, b: Tri): Tri =>
  a === 'T' || b === 'T' ? 'T' : a === 'C' || b === 'C' ? 'C' : 'F';
const and = (a: Tri, b: Tri): Tri =>
  a === 'F' || b === 'F' ? 'F' : a === 'C' || b === 'C' ? 'C' : 'T';
const not = (a: Tri): Tri => (a === 'T' ? 'F' : a === 'F' ? 'T' : 'C');

function caveatOf(
  t: Pick<Tuple, 'caveat'>,
  schema: SchemaIR,
  context: CheckRequest['context'],
): Tri {
  if (!t.caveat) return 'T';
  const r = evaluateCaveat(schema, t.caveat.name, t.caveat.context, context).result;
  return r === 'true' ? 'T' : r === 'false' ? 'F' : 'C';
}

function evalTree(
  n: ExpandNode,
  s: SubjectRef,
  schema: SchemaIR,
  ctx: CheckRequest['context'],
): Tri {
  if (n.resource.type === s.type && n.resource.id === s.id && n.name === s.relation) return 'T';
  switch (n.kind) {
    case 'leaf': {
      let acc: Tri = 'F';
      for (const x of n.subjects) {
        const direct =
          x.subject.type === s.type &&
          x.subject.relation === s.relation &&
          (x.subject.id === s.id || (x.subject.id === WILDCARD && s.relation === ELLIPSIS));
        if (direct) acc = or(acc, caveatOf(x, schema, ctx));
        if (x.subject.relation === ELLIPSIS) continue;
        const child = n.children.find(
          (c) =>
            c.resource.type === x.subject.type &&
            c.resource.id === x.subject.id &&
            c.name === x.subject.relation,
        );
        if (child) acc = or(acc, and(caveatOf(x, schema, ctx), evalTree(child, s, schema, ctx)));
      }
      return acc;
    }
    case 'union':
      return n.children.reduce<Tri>((a, c) => or(a, evalTree(c, s, schema, ctx)), 'F');
    case 'intersection':
      return n.children.reduce<Tri>((a, c) => and(a, evalTree(c, s, schema, ctx)), 'T');
    case 'exclusion':
      return and(evalTree(n.base, s, schema, ctx), not(evalTree(n.subtract, s, schema, ctx)));
    case 'arrow': {
      const parts = n.children.map((c) =>
        c.tree
          ? and(caveatOf(c.tuple, schema, ctx), evalTree(c.tree, s, schema, ctx))
          : ('F' as Tri),
      );
      if (n.mode === 'any') return parts.reduce<Tri>(or, 'F');
      return parts.length === 0 ? 'F' : parts.reduce<Tri>(and, 'T');
    }
    case 'nil':
      return 'F';
    case 'self':
      return n.resource.type === s.type && n.resource.id === s.id && s.relation === ELLIPSIS
        ? 'T'
        : 'F';
  }
}
