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
  /** Set by GC just before the row is unlinked from the indexes. */
  collected?: boolean;
}

/** True when the row is visible in a snapshot at `rev` whose clock reads `now`. */
export function isVisible(row: Row, rev: number, now: number): boolean {
  return row.createdRev <= rev && row.deletedRev > rev && row.expiresAt > now;
}

/**
 * Relation → rows. Why arrays and not Sets: most buckets hold a handful of rows, and an array is far
 * smaller than a Set (1M tuples mean ~1M buckets per index). Removal only happens in GC, which
 * compacts each affected bucket once (`removeAll`), so it stays linear.
 */
type Buckets = Map<string, Row[]>;

function addTo(index: Map<string, Buckets>, outer: string, inner: string, row: Row): void {
  let buckets = index.get(outer);
  if (!buckets) {
    buckets = new Map();
    index.set(outer, buckets);
  }
  const rows = buckets.get(inner);
  if (rows) rows.push(row);
  else buckets.set(inner, [row]);
}

function compact(index: Map<string, Buckets>, outer: string, inner: string): void {
  const buckets = index.get(outer);
  const rows = buckets?.get(inner);
  if (!buckets || !rows) return;
  const kept = rows.filter((r) => !r.collected);
  if (kept.length > 0) buckets.set(inner, kept);
  else {
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

  /** Unlinks rows for good (GC only), compacting each affected bucket once. */
  removeAll(rows: Iterable<Row>): number {
    const touched = new Map<string, [Map<string, Buckets>, string, string]>();
    const touch = (index: Map<string, Buckets>, tag: string, outer: string, inner: string) =>
      touched.set(`${tag}\u0001${outer}\u0001${inner}`, [index, outer, inner]);
    let n = 0;
    for (const row of rows) {
      if (row.collected) continue;
      row.collected = true;
      n++;
      const t = row.tuple;
      touch(this.byResource, 'r', `${t.resource.type}\u0000${t.resource.id}`, t.relation);
      touch(
        this.bySubject,
        's',
        `${t.resource.type}\u0000${t.subject.type}\u0000${t.subject.id}`,
        t.relation,
      );
      touch(this.byType, 't', t.resource.type, t.relation);
      if (this.live.get(row.key) === row) this.live.delete(row.key);
    }
    for (const [index, outer, inner] of touched.values()) compact(index, outer, inner);
    this.size -= n;
    return n;
  }

  /** Every row (any version), for exports; a snapshot of the bucket list, safe across awaits. */
  *all(): Iterable<Row> {
    for (const buckets of [...this.byType.values()])
      for (const rows of [...buckets.values()]) yield* rows;
  }
}
