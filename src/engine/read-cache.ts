/**
 * A cross-request cache of store reads, per id, for the lookups' walks on networked stores. Why it
 * is safe without invalidation: a snapshot at revision R never changes (MVCC), so a read's answer
 * for one id at R is the answer for every later reader at R, until the first of its tuples expires.
 * Keys carry the schema tag and revision, as the check cache's do (the same scope: one engine over
 * one store). Why per id: a walk asks for many ids at once, and the next lookup for the same
 * subject, another permission of it, or a subject in the same groups shares most of them.
 */
import { LRUCache } from 'lru-cache';
import type { Tuple } from '../model/index.ts';
import { stringBytes } from './check/cache-size.ts';

/** An answer read at reader clock `from`; valid for readers whose clock is in `[from, until)`. */
interface ReadEntry {
  readonly tuples: readonly Tuple[];
  readonly from: number;
  readonly until: number;
}

/**
 * Fixed bytes of one entry besides its key and tuples: the entry object, its boxed clocks, the
 * tuples array header, and lru-cache's bookkeeping (as for the check cache's entries).
 */
const READ_ENTRY_OVERHEAD = 224;
/**
 * Bytes of one tuple beyond its two ids: the tuple object and its resource and subject refs (the
 * type and relation names are shared strings). An estimate that errs high, as the check cache's.
 */
const TUPLE_BYTES = 160;

function entryBytes(key: string, e: ReadEntry): number {
  let n = READ_ENTRY_OVERHEAD + stringBytes(key) + 8 * e.tuples.length;
  for (const t of e.tuples)
    n += TUPLE_BYTES + stringBytes(t.resource.id) + stringBytes(t.subject.id);
  return n;
}

/** Counters and what the cache holds now (estimated heap bytes, as for the check cache). */
export interface ReadCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly entries: number;
  readonly bytes: number;
}

/** Per-id read answers, bounded by estimated bytes; the least recently used go first. */
export class ReadCache {
  private hitCount = 0;
  private missCount = 0;
  private readonly lru: LRUCache<string, ReadEntry>;

  constructor(maxBytes: number) {
    this.lru = new LRUCache<string, ReadEntry>({
      maxSize: maxBytes,
      sizeCalculation: (value, key) => entryBytes(key, value),
    });
  }

  /** The answer under `key` for a reader whose clock reads `now`, if one is held and valid. */
  get(key: string, now: number): readonly Tuple[] | undefined {
    const e = this.lru.get(key);
    if (!e || now < e.from || now >= e.until) {
      this.missCount++;
      return undefined;
    }
    this.hitCount++;
    return e.tuples;
  }

  /** Keeps `tuples`, read at clock `now`, as the answer under `key` until the first expires. */
  set(key: string, tuples: readonly Tuple[], now: number): void {
    let until = Number.POSITIVE_INFINITY;
    for (const t of tuples)
      if (t.expiresAt !== undefined && t.expiresAt < until) until = t.expiresAt;
    if (until <= now) return;
    this.lru.set(key, { tuples, from: now, until });
  }

  stats(): ReadCacheStats {
    return {
      hits: this.hitCount,
      misses: this.missCount,
      entries: this.lru.size,
      bytes: this.lru.calculatedSize,
    };
  }
}
