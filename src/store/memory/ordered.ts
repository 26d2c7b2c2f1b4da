/**
 * The memory store's ordered, limited reads (`SnapshotReader.queryOrdered`): the tuples `query(q)`
 * returns, above a resource id, in resource id order, at most `limit`. lookupResources uses it on its
 * last hop so that a page of 100 reads about 100 tuples instead of every tuple of the answer.
 *
 * How: the same index buckets `query` walks (bySubject for subject ids, byResource for resource ids,
 * else byType), each seen through a copy sorted by resource id that is built lazily on the first
 * ordered read of the bucket; each sorted bucket is entered by binary search after `afterResourceId`
 * and the buckets are k-way merged through a binary min-heap, filtering visibility and every query
 * field while iterating, until `limit` tuples are out. Cost: O(k log n) to position k buckets plus
 * O((limit + skipped rows) log k) to merge, where skipped rows are versions not visible at the
 * snapshot or rows failing a field the bucket does not fix (e.g. another subject relation).
 */
import type { Revision, Tuple } from '../../model/index.ts';
import type { OrderedPage, TupleQuery } from '../types.ts';
import type { Row, TupleIndexes } from './indexes.ts';

/**
 * Sorted copies of index buckets, keyed by the bucket array itself. Why this needs no hook in the
 * write path (write cost unchanged): buckets only ever grow by `push` (a delete stamps `deletedRev`
 * on the row, which the read filters anyway), and GC replaces a compacted bucket with a new array.
 * So a copy is current exactly when the bucket still has the length it was sorted at; otherwise the
 * new tail is appended and the copy re-sorted (TimSort merges the sorted prefix and the tail in about
 * linear time). A bucket dropped by GC takes its copy with it (WeakMap).
 */
const sortedCache = new WeakMap<readonly Row[], { length: number; sorted: Row[] }>();

function byResourceId(a: Row, b: Row): number {
  const x = a.tuple.resource.id;
  const y = b.tuple.resource.id;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `bucket` sorted by resource id (cached until the bucket changes). */
function sortedRows(bucket: readonly Row[]): readonly Row[] {
  const cached = sortedCache.get(bucket);
  if (cached && cached.length === bucket.length) return cached.sorted;
  const sorted = cached
    ? cached.sorted.concat(bucket.slice(cached.length)).sort(byResourceId)
    : bucket.slice().sort(byResourceId);
  sortedCache.set(bucket, { length: bucket.length, sorted });
  return sorted;
}

/** First index in `rows` (sorted by resource id) whose resource id is above `after`. */
function firstAfter(rows: readonly Row[], after: string | undefined): number {
  if (after === undefined) return 0;
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((rows[mid] as Row).tuple.resource.id <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The relation buckets of one index entry: the named relation's, or all of them. */
function pushBuckets(
  out: (readonly Row[])[],
  entry: Map<string, Row[]> | undefined,
  relation: string | undefined,
): void {
  if (!entry) return;
  if (relation !== undefined) {
    const b = entry.get(relation);
    if (b) out.push(b);
  } else for (const b of entry.values()) out.push(b);
}

/** Which index `bucketsFor` used: its ids need no re-check per row. */
type Source = 'resource' | 'subject' | 'type';

/**
 * The buckets `query` would walk for `q` (distinct ids, so no tuple can come from two buckets):
 * resource ids → byResource, subject type and ids → bySubject, else byType.
 */
function bucketsFor(idx: TupleIndexes, q: TupleQuery, out: (readonly Row[])[]): Source {
  const { resourceType: rt, relation } = q;
  if (q.resourceIds !== undefined) {
    for (const id of new Set(q.resourceIds))
      pushBuckets(out, idx.byResource.get(`${rt}\u0000${id}`), relation);
    return 'resource';
  }
  if (q.subjectType !== undefined && q.subjectIds !== undefined) {
    for (const id of new Set(q.subjectIds))
      pushBuckets(out, idx.bySubject.get(`${rt}\u0000${q.subjectType}\u0000${id}`), relation);
    return 'subject';
  }
  pushBuckets(out, idx.byType.get(rt), relation);
  return 'type';
}

/** A position in one sorted bucket (a heap entry); `id` caches the head row's resource id. */
interface Cursor {
  readonly rows: readonly Row[];
  i: number;
  id: string;
}

/** Restores the min-heap property (by the head row's resource id) below position `i`. */
function siftDown(heap: Cursor[], i: number): void {
  const n = heap.length;
  for (;;) {
    let m = i;
    const l = 2 * i + 1;
    const r = l + 1;
    if (l < n && (heap[l] as Cursor).id < (heap[m] as Cursor).id) m = l;
    if (r < n && (heap[r] as Cursor).id < (heap[m] as Cursor).id) m = r;
    if (m === i) return;
    const tmp = heap[i] as Cursor;
    heap[i] = heap[m] as Cursor;
    heap[m] = tmp;
    i = m;
  }
}

/** Membership in an optional id list (a Set past a handful of ids). */
function idTest(ids: readonly string[] | undefined): ((id: string) => boolean) | undefined {
  if (ids === undefined) return undefined;
  if (ids.length <= 8) return (id) => ids.includes(id);
  const set = new Set(ids);
  return (id) => set.has(id);
}

/**
 * The memory `SnapshotReader.queryOrdered`: tuples matching `q` at (`rev`, `now`) with resource id
 * above `page.afterResourceId`, ascending by resource id, at most `page.limit`.
 */
export function queryOrderedRows(
  idx: TupleIndexes,
  q: TupleQuery,
  rev: Revision,
  now: number,
  page: OrderedPage,
): Tuple[] {
  const out: Tuple[] = [];
  const limit = page.limit;
  if (!(limit > 0) || q.resourceIds?.length === 0 || q.subjectIds?.length === 0) return out;
  const after = page.afterResourceId;
  const heap: Cursor[] = [];
  const buckets: (readonly Row[])[] = [];
  const source = bucketsFor(idx, q, buckets);
  for (const bucket of buckets) {
    const rows = sortedRows(bucket);
    const i = firstAfter(rows, after);
    if (i < rows.length) heap.push({ rows, i, id: (rows[i] as Row).tuple.resource.id });
  }
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(heap, i);
  // Fields the buckets already fix (their index's ids, the subject type of bySubject) are not
  // re-checked per row.
  const st = source === 'subject' ? undefined : q.subjectType;
  const sr = q.subjectRelation;
  const sidOk = source === 'subject' ? undefined : idTest(q.subjectIds);
  const ridOk = source === 'resource' ? undefined : idTest(q.resourceIds);
  while (heap.length > 0) {
    const top = heap[0] as Cursor;
    const row = top.rows[top.i] as Row;
    if (++top.i < top.rows.length) top.id = (top.rows[top.i] as Row).tuple.resource.id;
    else {
      const last = heap.pop() as Cursor;
      if (heap.length > 0) heap[0] = last;
    }
    if (heap.length > 1) siftDown(heap, 0);
    // The same filter as `query`: visibility at the snapshot, then every field of the query.
    if (row.createdRev > rev || row.deletedRev <= rev || row.expiresAt <= now) continue;
    const t = row.tuple;
    if (st !== undefined && t.subject.type !== st) continue;
    if (sr !== undefined && t.subject.relation !== sr) continue;
    if (sidOk !== undefined && !sidOk(t.subject.id)) continue;
    if (ridOk !== undefined && !ridOk(t.resource.id)) continue;
    out.push(t);
    if (out.length >= limit) break;
  }
  return out;
}
