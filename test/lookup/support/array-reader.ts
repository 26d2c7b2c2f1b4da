/**
 * A SnapshotReader over a plain array of tuples: the smallest store that honours the TupleQuery
 * contract (every filter, wildcard ids, expiration at a fixed `now`). Lets lookup tests run without
 * any store implementation, and doubles as a reference for what a query must return.
 */
import type { Tuple } from '../../../src/model/index.ts';
import type { OrderedPage, OrderedSnapshotReader } from '../../../src/engine/lookup/index.ts';
import type { SnapshotReader, TupleQuery } from '../../../src/store/types.ts';

/**
 * Builds a reader over `tuples`; `now` decides expiration. `reads` counts queries (for tests).
 * `revision` names the snapshot: readers over different tuples shared by one cached engine need
 * different revisions, as two snapshots of a real store have.
 */
export function arrayReader(
  tuples: readonly Tuple[],
  now = Date.now(),
  revision = 1,
): SnapshotReader & { reads: number } {
  const reader = {
    revision,
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

/**
 * Adds the optional ordered capability (`queryOrdered`) to any reader: matching tuples above
 * `afterResourceId`, sorted by resource id, at most `limit`. Tuples of one id come in a shuffled
 * order (seeded by `seed`), because the contract leaves it free. `orderedReads` counts its calls.
 */
export function withOrderedQuery(
  base: SnapshotReader,
  seed = 1,
): OrderedSnapshotReader & { orderedReads: number } {
  const reader = {
    revision: base.revision,
    now: base.now,
    orderedReads: 0,
    query: (q: TupleQuery) => base.query(q),
    async queryOrdered(q: TupleQuery, page: OrderedPage): Promise<Tuple[]> {
      reader.orderedReads++;
      const after = page.afterResourceId;
      const found = (await base.query(q)).filter(
        (t) => after === undefined || t.resource.id > after,
      );
      // Shuffle first, then a stable sort by id: any order among tuples of one id.
      let x = seed | 0;
      const keyed = found.map((t) => {
        x = (Math.imul(x, 1103515245) + 12345) | 0;
        return { t, r: x };
      });
      keyed.sort((a, b) => a.r - b.r);
      keyed.sort((a, b) => compareIds(a.t.resource.id, b.t.resource.id));
      return keyed.slice(0, page.limit).map((k) => k.t);
    },
  };
  return reader;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
