/**
 * The memory planner's point lookups (one resource, one relation, a subject or two) on buckets large
 * enough that it scans from the subject side: same answers as a naive filter, including deleted,
 * expired and wildcard tuples and every revision.
 */
import { describe, expect, it } from 'vitest';
import { formatTuple, type Tuple } from '../../src/model/index.ts';
import { createMemoryStore, type TupleQuery } from '../../src/store/index.ts';

const NOW = Date.UTC(2030, 0, 1);
const member = (group: string, user: string, expiresAt?: number): Tuple => ({
  resource: { type: 'group', id: group },
  relation: 'member',
  subject: { type: 'user', id: user, relation: '...' },
  ...(expiresAt !== undefined ? { expiresAt } : {}),
});

describe('memory point lookups on large buckets', () => {
  it('answer like a filter over the live tuples, from either side', async () => {
    const store = createMemoryStore({ clock: () => NOW, maxBatchSize: 10_000 });
    // g1 has 200 members (large: subject side), g2 has 3 (small: resource side); u5 is in both,
    // u7's g1 membership expired, u9's is deleted later, and g1 also admits everyone (user:*).
    const first = [
      ...Array.from({ length: 200 }, (_, i) =>
        member('g1', `u${i}`, i === 7 ? NOW - 1 : undefined),
      ),
      member('g1', '*'),
      member('g2', 'u5'),
      member('g2', 'x1'),
      member('g2', 'x2'),
    ];
    const r1 = await store.write(first.map((tuple) => ({ op: 'touch' as const, tuple })));
    const r2 = await store.write([{ op: 'delete', tuple: member('g1', 'u9') }]);
    const live = (rev: number) => (t: Tuple) =>
      (t.expiresAt === undefined || t.expiresAt > NOW) &&
      !(rev >= r2 && t.resource.id === 'g1' && t.subject.id === 'u9');
    for (const rev of [r1, r2])
      for (const group of ['g1', 'g2', 'g3'])
        for (const ids of [['u5'], ['u7'], ['u9'], ['nobody'], ['u5', '*'], ['nobody', '*']]) {
          const q: TupleQuery = {
            resourceType: 'group',
            resourceIds: [group],
            relation: 'member',
            subjectType: 'user',
            subjectIds: ids,
            subjectRelation: '...',
          };
          const want = first
            .filter(live(rev))
            .filter((t) => t.resource.id === group && ids.includes(t.subject.id))
            .map(formatTuple)
            .sort();
          const got = (await store.snapshot(rev).query(q)).map(formatTuple).sort();
          expect(got, `${group} ${ids.join(',')} @${rev}`).toEqual(want);
        }
  });
});
