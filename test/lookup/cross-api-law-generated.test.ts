/**
 * The cross-API laws on the shared differential generators (test/support/generators): SpiceDB-valid
 * schema text compiled by the real compiler (real CEL caveats, `with expiration`, `self`, `.all`,
 * nested arrows), tuples on the memory store, the real engine, and the contexts of the generated
 * check queries.
 */
import { fc, test } from '@fast-check/vitest';
import { describe } from 'vitest';
import { createEngine } from '../../src/engine/index.ts';
import { compileSchema } from '../../src/schema/index.ts';
import { createMemoryStore, type TupleQuery } from '../../src/store/index.ts';
import { diffCaseArb } from '../support/generators/index.ts';
import { withOrderedQuery } from './support/array-reader.ts';
import { assertLaws, PAGE_SIZE, tupleDomain } from './support/laws.ts';

/** Per-property budget (ms) for all runs together. */
const LAW_TIMEOUT_MS = 300_000;

describe('cross-API law (shared generators, memory store)', () => {
  const engine = createEngine();
  // Each world is its own snapshot: the engine's caches key by schema hash and revision, and every
  // fresh memory store starts at the same revision, so each world's reader gets a revision of its own
  // (the store's reads are bound to its real one; only the caches' keys see this number).
  let worlds = 0;
  test.prop([diffCaseArb({ maxTuples: 30, checks: 4 }), PAGE_SIZE, fc.boolean(), fc.boolean()], {
    numRuns: 20,
  })(
    'lookups agree with check',
    async (c, pageSize, ordered, multi) => {
      const schema = compileSchema(c.schemaText);
      const store = createMemoryStore();
      const { revision } = await store.bulkImport(c.tuples);
      const snapshot = { ...store.snapshot(revision), revision: 1_000_000 + ++worlds };
      // Half the runs give the store the ordered capability, so the limited last hop is covered.
      const base = ordered ? withOrderedQuery(snapshot) : snapshot;
      // Half the runs offer queryMany, so the walks' one-call-per-round path, and with it the
      // engine's read cache, are covered too.
      const reader = multi
        ? {
            ...base,
            queryMany: (qs: readonly TupleQuery[]) => Promise.all(qs.map((q) => base.query(q))),
          }
        : base;
      const ctx = { reader, schema };
      const contexts = new Map<string, Readonly<Record<string, unknown>>>([['{}', {}]]);
      for (const q of c.checks) if (q.context) contexts.set(JSON.stringify(q.context), q.context);
      const domain = tupleDomain(schema, c.tuples);
      for (const context of [...contexts.values()].slice(0, 2)) {
        await assertLaws(engine, ctx, domain, context, [1, pageSize]);
      }
    },
    // Generous: the suite shares a loaded machine; each run is small, the count is what costs.
    LAW_TIMEOUT_MS,
  );
});
