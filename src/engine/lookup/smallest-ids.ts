/**
 * Limit pushdown for lookupResources: a collector that keeps only the `capacity` smallest distinct
 * ids greater than `after` (with their exactness), so a page of 100 never materialises or sorts the
 * whole candidate set. Ids are compared with JS `<` (UTF-16 code units), the order of results and
 * cursors.
 */

/** Where a walk delivers the members of its target node: `add` is called once per path found. */
export interface IdSink {
  add(id: string, exact: boolean): void;
}

/**
 * A sink that wants only the `capacity` smallest ids above `after`, so a walk with an ordered store
 * may read just that many tuples per query. A walk that stopped reading a source early calls
 * `cutAfter(id)` with the resource id of the last tuple it read: ids above `id` may be missing, so
 * the sink keeps only ids up to it. `id` itself is kept as found: more of its tuples may follow, but
 * they could only prove it exact, and a candidate is confirmed by check anyway.
 */
export interface BoundedSink extends IdSink {
  readonly capacity: number;
  readonly after: string | undefined;
  cutAfter(id: string): void;
}

/** True when `sink` is bounded (finite capacity), i.e. worth limiting store reads for. */
export function isBounded(sink: IdSink | undefined): sink is BoundedSink {
  const s = sink as Partial<BoundedSink> | undefined;
  return typeof s?.cutAfter === 'function' && Number.isFinite(s.capacity);
}

/**
 * The `capacity` smallest distinct ids above `after`. Exactness only ever upgrades (candidate →
 * exact), so an id reached by several paths is exact when any path proves it. `overflowed` is true
 * when an id above `after` was dropped, i.e. the answer continues past the largest id kept: every id
 * between `after` and that largest id has been kept, so resuming after it loses nothing.
 *
 * Why a bounded max-heap: ids arrive in store order (no order at all), and once the heap is full
 * almost every id costs one string comparison with the current maximum. `capacity` may be
 * Infinity (no limit): the collector then keeps everything and sorts once at the end.
 */
export class SmallestIds implements BoundedSink {
  readonly #capacity: number;
  readonly #after: string | undefined;
  /** Upper bound set by `cutAfter`: ids above it may be missing, so none above it is kept. */
  #horizon: string | undefined;
  /** Max-heap of the kept ids (heap[0] is the largest); unused when capacity is Infinity. */
  readonly #heap: string[] = [];
  readonly #exact = new Map<string, boolean>();
  #overflowed = false;

  constructor(capacity: number, after: string | undefined) {
    if (!(capacity >= 1)) throw new RangeError(`capacity must be at least 1, got ${capacity}`);
    this.#capacity = capacity;
    this.#after = after;
  }

  /** True once some id above `after` was left out (the collector was full, or a source was cut). */
  get overflowed(): boolean {
    return this.#overflowed;
  }

  get capacity(): number {
    return this.#capacity;
  }

  get after(): string | undefined {
    return this.#after;
  }

  cutAfter(id: string): void {
    this.#overflowed = true;
    if (this.#horizon === undefined || id < this.#horizon) this.#horizon = id;
  }

  /** Number of ids kept. */
  get size(): number {
    return this.#exact.size;
  }

  add(id: string, exact: boolean): void {
    if (this.#after !== undefined && id <= this.#after) return;
    if (this.#horizon !== undefined && id > this.#horizon) {
      this.#overflowed = true;
      return;
    }
    const heap = this.#heap;
    // Full: anything above the current maximum is out without touching the map.
    if (this.#exact.size >= this.#capacity && id > (heap[0] as string)) {
      this.#overflowed = true;
      return;
    }
    const prev = this.#exact.get(id);
    if (prev !== undefined) {
      if (exact && !prev) this.#exact.set(id, true);
      return;
    }
    if (this.#capacity === Number.POSITIVE_INFINITY) {
      this.#exact.set(id, exact);
      return;
    }
    if (heap.length < this.#capacity) {
      this.#exact.set(id, exact);
      heap.push(id);
      siftUp(heap, heap.length - 1);
      return;
    }
    // id < max: it replaces the maximum, which falls out of the page.
    this.#overflowed = true;
    this.#exact.delete(heap[0] as string);
    this.#exact.set(id, exact);
    heap[0] = id;
    siftDown(heap, 0);
  }

  /**
   * The kept ids up to the cut (if any) in ascending order; `isExact` tells their exactness. Every
   * id above `after` and up to the largest one returned is among them; when `overflowed`, more ids
   * may follow the largest. Never empty when `overflowed` (a cut keeps its own id).
   */
  sortedIds(): string[] {
    // Default sort compares UTF-16 code units, the same order as `<`, without a JS callback.
    const ids = [...this.#exact.keys()].sort();
    const h = this.#horizon;
    return h === undefined ? ids : ids.filter((id) => id <= h);
  }

  /** True when a kept id was proven by some path (false for candidates and unknown ids). */
  isExact(id: string): boolean {
    return this.#exact.get(id) === true;
  }

  /** `sortedIds` paired with exactness (for tests and small answers). */
  sorted(): [string, boolean][] {
    return this.sortedIds().map((id) => [id, this.isExact(id)]);
  }
}

function siftUp(heap: string[], i: number): void {
  const x = heap[i] as string;
  while (i > 0) {
    const p = (i - 1) >> 1;
    const parent = heap[p] as string;
    if (parent >= x) break;
    heap[i] = parent;
    i = p;
  }
  heap[i] = x;
}

function siftDown(heap: string[], i: number): void {
  const n = heap.length;
  const x = heap[i] as string;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    const r = c + 1;
    if (r < n && (heap[r] as string) > (heap[c] as string)) c = r;
    const child = heap[c] as string;
    if (child <= x) break;
    heap[i] = child;
    i = c;
  }
  heap[i] = x;
}
