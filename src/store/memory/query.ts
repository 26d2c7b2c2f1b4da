/**
 * The memory store's query planner: the engine's hot path. It picks the narrowest index for the query
 * (resource ids → `byResource`, subject ids → `bySubject`, else `byType`; with both, the side with
 * fewer stored rows) so a point lookup is two map lookups plus a visibility check per version,
 * independent of store size and of the size of the group or object looked at.
 */
import type { Revision, Tuple } from '../../model/index.ts';
import type { TupleQuery } from '../types.ts';
import type { Row, TupleIndexes } from './indexes.ts';

/** Id lists longer than this are matched through a Set; shorter ones by a linear scan. */
const LINEAR_IDS = 8;

/** Membership in an id list (a Set past a handful of ids, built once per query). */
type IdMatch = readonly string[] | ReadonlySet<string> | undefined;

function idMatch(ids: readonly string[] | undefined): IdMatch {
  return ids === undefined || ids.length <= LINEAR_IDS ? ids : new Set(ids);
}

function matches(m: IdMatch, id: string): boolean {
  if (m === undefined) return true;
  return Array.isArray(m) ? m.includes(id) : (m as ReadonlySet<string>).has(id);
}

/** The distinct ids of a list, in order (the list itself when small and duplicate-free). */
function distinct(ids: readonly string[]): readonly string[] {
  if (ids.length === 1) return ids;
  if (ids.length <= LINEAR_IDS) {
    let dup = false;
    for (let i = 1; i < ids.length && !dup; i++) dup = ids.indexOf(ids[i] as string) < i;
    if (!dup) return ids;
  }
  return [...new Set(ids)];
}

/**
 * One scan's filter and sink. Why a class and plain loops instead of closures: this is the engine's
 * hot path (tens of queries per uncached check), and closures plus a Set per query were most of the
 * garbage an uncached check produced.
 */
class Scan {
  readonly st: string | undefined;
  readonly sr: string | undefined;
  readonly subjectIds: IdMatch;
  readonly resourceIds: IdMatch;
  constructor(
    q: TupleQuery,
    readonly rev: Revision,
    readonly now: number,
    /** Rows (or their tuples, when `tuples`) are pushed here until `max` is reached. */
    readonly out: unknown[],
    readonly tuples: boolean,
    readonly max: number,
    readonly visit: ((row: Row) => boolean) | undefined,
  ) {
    this.st = q.subjectType;
    this.sr = q.subjectRelation;
    this.subjectIds = idMatch(q.subjectIds);
    this.resourceIds = idMatch(q.resourceIds);
  }

  /** Filters one bucket; false once the scan should stop. */
  rows(set: readonly Row[] | undefined, ridKnown: boolean, sidKnown: boolean): boolean {
    if (!set) return true;
    const { rev, now, st, sr } = this;
    for (const row of set) {
      if (row.createdRev > rev || row.deletedRev <= rev || row.expiresAt <= now) continue;
      const t = row.tuple;
      if (st !== undefined && t.subject.type !== st) continue;
      if (sr !== undefined && t.subject.relation !== sr) continue;
      if (!sidKnown && !matches(this.subjectIds, t.subject.id)) continue;
      if (!ridKnown && !matches(this.resourceIds, t.resource.id)) continue;
      if (this.visit) {
        if (!this.visit(row)) return false;
        continue;
      }
      this.out.push(this.tuples ? t : row);
      if (this.out.length >= this.max) return false;
    }
    return true;
  }

  /** One relation of an index entry, or all of them when the query names none. */
  buckets(
    buckets: Map<string, Row[]> | undefined,
    relation: string | undefined,
    ridKnown: boolean,
    sidKnown: boolean,
  ): boolean {
    if (!buckets) return true;
    if (relation !== undefined) return this.rows(buckets.get(relation), ridKnown, sidKnown);
    for (const set of buckets.values()) if (!this.rows(set, ridKnown, sidKnown)) return false;
    return true;
  }
}

/** Resource buckets up to this many rows are scanned without looking at the subject side. */
const SMALL_BUCKET = 16;

/**
 * A point lookup ("is user:u, or user:*, on group:g#member?"): one resource, one relation, a subject
 * type and at most two subject ids. Scans whichever side stores fewer rows and returns true, or
 * returns false for other shapes. Why: from the resource side such a read scans every member of a
 * large group; from the subject side only the subject's own memberships.
 */
function pointScan(idx: TupleIndexes, q: TupleQuery, scan: Scan): boolean {
  const { resourceType: rt, relation, subjectType: st, resourceIds, subjectIds } = q;
  if (relation === undefined || st === undefined || resourceIds?.length !== 1 || !subjectIds)
    return false;
  const sids = distinct(subjectIds);
  if (sids.length > 2) return false;
  const byResource = idx.byResource.get(`${rt}\u0000${resourceIds[0]}`)?.get(relation);
  if (!byResource) return true;
  // A short bucket costs less to scan than the subject side's lookups.
  if (byResource.length <= SMALL_BUCKET) {
    scan.rows(byResource, true, false);
    return true;
  }
  const first = idx.bySubject.get(`${rt}\u0000${st}\u0000${sids[0]}`)?.get(relation);
  const second =
    sids.length > 1
      ? idx.bySubject.get(`${rt}\u0000${st}\u0000${sids[1]}`)?.get(relation)
      : undefined;
  if ((first?.length ?? 0) + (second?.length ?? 0) < byResource.length) {
    if (scan.rows(first, false, true)) scan.rows(second, false, true);
  } else scan.rows(byResource, true, false);
  return true;
}

/** Walks the narrowest index for `q` (ids of the index used are not re-checked). */
function run(idx: TupleIndexes, q: TupleQuery, scan: Scan): void {
  const { resourceType: rt, relation } = q;
  if (pointScan(idx, q, scan)) return;
  if (q.resourceIds !== undefined) {
    // Distinct ids, so a repeated id can't return a tuple twice.
    for (const id of distinct(q.resourceIds))
      if (!scan.buckets(idx.byResource.get(`${rt}\u0000${id}`), relation, true, false)) return;
    return;
  }
  const st = q.subjectType;
  if (st !== undefined && q.subjectIds !== undefined) {
    for (const id of distinct(q.subjectIds))
      if (!scan.buckets(idx.bySubject.get(`${rt}\u0000${st}\u0000${id}`), relation, false, true))
        return;
    return;
  }
  scan.buckets(idx.byType.get(rt), relation, false, false);
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
  run(idx, q, new Scan(q, rev, now, [], false, Number.POSITIVE_INFINITY, visit));
}

/** All tuples matching `q` at (`rev`, `now`): the memory `SnapshotReader.query`. */
export function queryRows(idx: TupleIndexes, q: TupleQuery, rev: Revision, now: number): Tuple[] {
  const out: Tuple[] = [];
  if (q.resourceIds?.length === 0 || q.subjectIds?.length === 0) return out;
  run(idx, q, new Scan(q, rev, now, out, true, Number.POSITIVE_INFINITY, undefined));
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
  run(idx, q, new Scan(q, rev, now, out, false, max, undefined));
  return out;
}
