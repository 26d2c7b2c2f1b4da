/**
 * The memory store's query planner: the engine's hot path. It picks the narrowest index for the query
 * (resource ids → `byResource`, subject ids → `bySubject`, else `byType`) so a point lookup is two map
 * lookups plus a visibility check per version, independent of store size.
 */
import type { Revision, Tuple } from '../../model/index.ts';
import type { TupleQuery } from '../types.ts';
import type { Row, TupleIndexes } from './indexes.ts';

/** Membership test for an id list; a Set only pays off past a handful of ids. */
function idMatcher(ids: readonly string[] | undefined): ((id: string) => boolean) | undefined {
  if (ids === undefined) return undefined;
  if (ids.length <= 8) return (id) => ids.includes(id);
  const set = new Set(ids);
  return (id) => set.has(id);
}

/**
 * Calls `visit` for each row matching `q` and visible at (`rev`, `now`), until it returns false.
 * Ids of the index used are not re-checked; every other field is.
 */
export function scanRows(
  idx: TupleIndexes,
  q: TupleQuery,
  rev: Revision,
  now: number,
  visit: (row: Row) => boolean,
): void {
  const { resourceType: rt, relation } = q;
  const subjectId = idMatcher(q.subjectIds);
  const resourceId = idMatcher(q.resourceIds);
  const st = q.subjectType;
  const sr = q.subjectRelation;
  const check = (set: Row[] | undefined, ridKnown: boolean, sidKnown: boolean): boolean => {
    if (!set) return true;
    for (const row of set) {
      if (row.createdRev > rev || row.deletedRev <= rev || row.expiresAt <= now) continue;
      const t = row.tuple;
      if (st !== undefined && t.subject.type !== st) continue;
      if (sr !== undefined && t.subject.relation !== sr) continue;
      if (!sidKnown && subjectId && !subjectId(t.subject.id)) continue;
      if (!ridKnown && resourceId && !resourceId(t.resource.id)) continue;
      if (!visit(row)) return false;
    }
    return true;
  };
  const walk = (
    buckets: Map<string, Row[]> | undefined,
    ridKnown: boolean,
    sidKnown: boolean,
  ): boolean => {
    if (!buckets) return true;
    if (relation !== undefined) return check(buckets.get(relation), ridKnown, sidKnown);
    for (const set of buckets.values()) if (!check(set, ridKnown, sidKnown)) return false;
    return true;
  };

  if (q.resourceIds !== undefined) {
    // Dedupe so a repeated id can't return a tuple twice.
    for (const id of new Set(q.resourceIds))
      if (!walk(idx.byResource.get(`${rt}\u0000${id}`), true, false)) return;
    return;
  }
  if (st !== undefined && q.subjectIds !== undefined) {
    for (const id of new Set(q.subjectIds))
      if (!walk(idx.bySubject.get(`${rt}\u0000${st}\u0000${id}`), false, true)) return;
    return;
  }
  walk(idx.byType.get(rt), false, false);
}

/** All tuples matching `q` at (`rev`, `now`): the memory `SnapshotReader.query`. */
export function queryRows(idx: TupleIndexes, q: TupleQuery, rev: Revision, now: number): Tuple[] {
  const out: Tuple[] = [];
  if (q.resourceIds?.length === 0 || q.subjectIds?.length === 0) return out;
  scanRows(idx, q, rev, now, (row) => {
    out.push(row.tuple);
    return true;
  });
  return out;
}

/** Up to `max` matching rows (for reads, deletes and preconditions). */
export function collectRows(
  idx: TupleIndexes,
  q: TupleQuery,
  rev: Revision,
  now: number,
  max = Number.POSITIVE_INFINITY,
): Row[] {
  const out: Row[] = [];
  if (max <= 0) return out;
  scanRows(idx, q, rev, now, (row) => {
    out.push(row);
    return out.length < max;
  });
  return out;
}
