/**
 * Property: the memory store's indexed query planner answers exactly what a naive scan over the
 * write history answers, for random histories (creates, touches, deletes, expirations) and random
 * queries at random revisions.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { formatTuple, type Tuple, tupleKey } from '../../src/model/index.ts';
import { createMemoryStore, type TupleQuery, type WriteOp } from '../../src/store/index.ts';

const NOW = Date.UTC(2030, 0, 1);
const tupleArb: fc.Arbitrary<Tuple> = fc
  .record({
    rt: fc.constantFrom('doc', 'folder'),
    rid: fc.constantFrom('a', 'b', 'c'),
    rel: fc.constantFrom('viewer', 'owner'),
    st: fc.constantFrom('user', 'group'),
    sid: fc.constantFrom('u1', 'u2', '*'),
    sr: fc.constantFrom('...', 'member'),
    exp: fc.option(fc.constantFrom(NOW - 1000, NOW + 1000), { nil: undefined }),
  })
  .map((r) => ({
    resource: { type: r.rt, id: r.rid },
    relation: r.rel,
    subject: { type: r.st, id: r.sid, relation: r.sid === '*' ? '...' : r.sr },
    ...(r.exp !== undefined && { expiresAt: r.exp }),
  }));

const queryArb: fc.Arbitrary<TupleQuery> = fc
  .record(
    {
      resourceType: fc.constantFrom('doc', 'folder'),
      resourceIds: fc.subarray(['a', 'b', 'c', 'zz']),
      relation: fc.constantFrom('viewer', 'owner'),
      subjectType: fc.constantFrom('user', 'group'),
      subjectIds: fc.subarray(['u1', 'u2', '*']),
      subjectRelation: fc.constantFrom('...', 'member'),
    },
    { requiredKeys: ['resourceType'] },
  )
  .filter((q) => !(q.subjectIds !== undefined && q.subjectType === undefined));

function naiveMatch(t: Tuple, q: TupleQuery): boolean {
  return (
    t.resource.type === q.resourceType &&
    (q.resourceIds === undefined || q.resourceIds.includes(t.resource.id)) &&
    (q.relation === undefined || t.relation === q.relation) &&
    (q.subjectType === undefined || t.subject.type === q.subjectType) &&
    (q.subjectIds === undefined || q.subjectIds.includes(t.subject.id)) &&
    (q.subjectRelation === undefined || t.subject.relation === q.subjectRelation)
  );
}

describe('memory store query planner', () => {
  test.prop(
    [
      fc.array(
        fc.array(fc.record({ op: fc.constantFrom('touch', 'delete'), tuple: tupleArb }), {
          minLength: 1,
          maxLength: 6,
        }),
        { maxLength: 8 },
      ),
      fc.array(queryArb, { minLength: 1, maxLength: 5 }),
      fc.nat(),
    ],
    { numRuns: 200 },
  )('matches a naive replay of the history', async (batches, queries, pick) => {
    const store = createMemoryStore({ clock: () => NOW });
    // The model: state after each revision, replayed naively.
    const states: Map<string, Tuple>[] = [new Map()];
    for (const raw of batches) {
      const seen = new Set<string>();
      const ops = raw.filter((o) => {
        const k = tupleKey(o.tuple);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      }) as WriteOp[];
      await store.write(ops);
      const next = new Map(states[states.length - 1]);
      for (const o of ops)
        if (o.op === 'delete') next.delete(tupleKey(o.tuple));
        else next.set(tupleKey(o.tuple), o.tuple);
      states.push(next);
    }
    const rev = pick % states.length;
    const state = states[rev] as Map<string, Tuple>;
    for (const q of queries) {
      const got = (await store.snapshot(rev).query(q)).map(formatTuple).sort();
      const want = [...state.values()]
        .filter((t) => (t.expiresAt ?? Number.POSITIVE_INFINITY) > NOW && naiveMatch(t, q))
        .map(formatTuple)
        .sort();
      expect(got).toEqual(want);
    }
  });
});
