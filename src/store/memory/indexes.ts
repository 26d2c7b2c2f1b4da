/**
 * In-memory tuple rows and the three indexes that make every engine query a few map lookups.
 *
 * Why rows are never mutated except `deletedRev`: MVCC. A snapshot at R keeps seeing a row deleted at
 * D > R, so deleting just stamps `deletedRev`; GC later unlinks rows no snapshot can see. All versions
 * of a tuple therefore live in the indexes side by side, and a read filters on revisions.
 */
import type { Tuple } from '../../model/index.ts';

/** One version of a tuple. `deletedRev` / `expiresAt` are Infinity when absent (one compare each). */
export interface Row {
  readonly tuple: Tuple;
  readonly key: string;
  readonly createdRev: number;
  deletedRev: number;
  readonly expiresAt: number;
}

/** True when the row is visible in a snapshot at `rev` whose clock reads `now`. */
export function isVisible(row: Row, rev: number, now: number): boolean {
  return row.createdRev <= rev && row.deletedRev > rev && row.expiresAt > now;
}

type Buckets = Map<string, Set<Row>>;

function addTo(index: Map<string, Buckets>, outer: string, inner: string, row: Row): void {
  let buckets = index.get(outer);
  if (!buckets) {
    buckets = new Map();
    index.set(outer, buckets);
  }
  let set = buckets.get(inner);
  if (!set) {
    set = new Set();
    buckets.set(inner, set);
  }
  set.add(row);
}

function removeFrom(index: Map<string, Buckets>, outer: string, inner: string, row: Row): void {
  const buckets = index.get(outer);
  const set = buckets?.get(inner);
  if (!buckets || !set) return;
  set.delete(row);
  if (set.size === 0) {
    buckets.delete(inner);
    if (buckets.size === 0) index.delete(outer);
  }
}

/**
 * The indexes. Each maps an outer key to relation → rows, so a query with a relation costs two map
 * lookups and a query without one walks the relations of that key:
 * - `byResource`: (resource type, resource id) → relation → rows      (check, expand: "who is on d1#viewer")
 * - `bySubject`:  (resource type, subject type, subject id) → relation → rows  (reverse lookups)
 * - `byType`:     resource type → relation → rows                       (scans: reads, exports, counts)
 * `live` maps a tuple key to its current undeleted version, for CREATE/TOUCH/DELETE.
 */
export class TupleIndexes {
  readonly byResource = new Map<string, Buckets>();
  readonly bySubject = new Map<string, Buckets>();
  readonly byType = new Map<string, Buckets>();
  readonly live = new Map<string, Row>();
  size = 0;

  add(row: Row): void {
    const t = row.tuple;
    addTo(this.byResource, `${t.resource.type}\u0000${t.resource.id}`, t.relation, row);
    addTo(
      this.bySubject,
      `${t.resource.type}\u0000${t.subject.type}\u0000${t.subject.id}`,
      t.relation,
      row,
    );
    addTo(this.byType, t.resource.type, t.relation, row);
    if (row.deletedRev === Number.POSITIVE_INFINITY) this.live.set(row.key, row);
    this.size++;
  }

  /** Unlinks a row for good (GC only). */
  remove(row: Row): void {
    const t = row.tuple;
    removeFrom(this.byResource, `${t.resource.type}\u0000${t.resource.id}`, t.relation, row);
    removeFrom(
      this.bySubject,
      `${t.resource.type}\u0000${t.subject.type}\u0000${t.subject.id}`,
      t.relation,
      row,
    );
    removeFrom(this.byType, t.resource.type, t.relation, row);
    if (this.live.get(row.key) === row) this.live.delete(row.key);
    this.size--;
  }

  /** Every row (any version), for GC and exports. */
  *all(): Iterable<Row> {
    for (const buckets of this.byType.values()) for (const set of buckets.values()) yield* set;
  }
}

/** Yields the rows of `buckets` under `relation`, or under every relation when it is undefined. */
export function* bucketRows(buckets: Buckets | undefined, relation?: string): Iterable<Row> {
  if (!buckets) return;
  if (relation !== undefined) {
    const set = buckets.get(relation);
    if (set) yield* set;
    return;
  }
  for (const set of buckets.values()) yield* set;
}
