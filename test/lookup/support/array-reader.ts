/**
 * A SnapshotReader over a plain array of tuples: the smallest store that honours the TupleQuery
 * contract (every filter, wildcard ids, expiration at a fixed `now`). Lets lookup tests run without
 * any store implementation, and doubles as a reference for what a query must return.
 */
import type { Tuple } from '../../../src/model/index.ts';
import type { SnapshotReader, TupleQuery } from '../../../src/store/types.ts';

/** Builds a reader over `tuples`; `now` decides expiration. `reads` counts queries (for tests). */
export function arrayReader(
  tuples: readonly Tuple[],
  now = Date.now(),
): SnapshotReader & { reads: number } {
  const reader = {
    revision: 1,
    now,
    reads: 0,
    async query(q: TupleQuery): Promise<Tuple[]> {
      reader.reads++;
      return tuples.filter(
        (t) =>
          t.resource.type === q.resourceType &&
          (q.resourceIds === undefined || q.resourceIds.includes(t.resource.id)) &&
          (q.relation === undefined || t.relation === q.relation) &&
          (q.subjectType === undefined || t.subject.type === q.subjectType) &&
          (q.subjectIds === undefined || q.subjectIds.includes(t.subject.id)) &&
          (q.subjectRelation === undefined || t.subject.relation === q.subjectRelation) &&
          (t.expiresAt === undefined || t.expiresAt > now),
      );
    },
  };
  return reader;
}
