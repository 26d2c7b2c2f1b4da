/**
 * Byte accounting of the cross-request check cache. The cache is bounded by bytes (lru-cache
 * `maxSize` with `estimateEntryBytes` as its `sizeCalculation`) rather than by entry count alone,
 * because the entries a working set needs vary a lot in number (a medium docs workload makes
 * ~124,000 for 10,000 distinct checks) while their size per entry is nearly constant: a byte
 * bound states the memory an operator is actually willing to spend.
 *
 * Why an estimate and not a measurement: V8 exposes no per-object size. The estimate is the key's
 * string bytes plus the value's shape, with a fixed per-entry overhead calibrated against the real
 * heap growth of a filled cache (bench/cache-entry-bytes.bench.ts measures both and prints the
 * ratio; docs/engine.md, "Caching and its keys", has the figures).
 */
import { getHeapStatistics } from 'node:v8';
import { FALSE, TRUE, type Tri } from '../tri.ts';

/** The value shape the estimate needs (the dispatcher's cache entry satisfies it). */
export interface SizedEntry {
  readonly outcome: {
    readonly tri: Tri;
    readonly cutoffs?: ReadonlySet<string> | undefined;
  };
  readonly computedAt: number;
}

/**
 * Fixed bytes of one entry besides its key's characters and any conditional (caveat) payload: the
 * entry object `{ outcome, computedAt }` and the outcome `{ tri, until }` (40 B each), the boxed
 * doubles of `computedAt` and `until`, the key string's header (and the cons-string node a
 * concatenated key often stays), and lru-cache's bookkeeping: a Map entry with its share of a hash
 * table that grows by doubling, plus the key, value, next, prev and size slots. Calibrated against
 * the heap growth of caches filled by real docs-workload checks (254 B per entry measured with keys
 * of ~40 characters, i.e. ~214 B of overhead) and rounded up, so the estimate errs slightly high.
 */
export const ENTRY_OVERHEAD_BYTES = 224;

/** Bytes of a V8 object header (map, properties, elements) on 64-bit without pointer compression. */
const OBJECT_HEADER = 24;
/** Bytes of one tagged slot. */
const SLOT = 8;
/** Bytes of a sequential string's header (map, hash, length). */
const STRING_HEADER = 16;

/** Characters outside Latin-1 make V8 store the whole string two bytes per character. */
const TWO_BYTE = /[^\u0000-\u00ff]/;

const roundUp8 = (n: number): number => (n + 7) & ~7;

/** Heap bytes of a flat string of `s`'s characters (header included). */
export function stringBytes(s: string): number {
  return STRING_HEADER + roundUp8(s.length * (TWO_BYTE.test(s) ? 2 : 1));
}

/**
 * Bytes a three-valued result adds beyond the fixed overhead: nothing for the shared `TRUE`/`FALSE`
 * constants, an object for any other tri, and for a conditional one its `missing` array and names.
 * Proofs never reach the cache (explain runs bypass it), but one is counted at a flat 1 KiB should a
 * caller cache it anyway, so the bound errs on the side of fewer entries.
 */
export function triBytes(tri: Tri): number {
  if (tri === TRUE || tri === FALSE) return 0;
  let bytes = OBJECT_HEADER + 3 * SLOT;
  if (tri.missing) {
    // JSArray (header + length) and its backing store, plus each name (often shared with the
    // schema, counted anyway: an over-estimate only makes the bound stricter).
    bytes += OBJECT_HEADER + SLOT + STRING_HEADER + tri.missing.length * SLOT;
    for (const name of tri.missing) bytes += stringBytes(name);
  }
  if (tri.proof) bytes += 1024;
  return bytes;
}

/**
 * The estimated heap bytes one cache entry holds: its key's characters, the fixed overhead and any
 * conditional payload. Always a positive integer (lru-cache requires it). Cheap enough for every
 * `set`: sets happen only on cache misses, which cost a store walk.
 */
export function estimateEntryBytes(key: string, entry: SizedEntry): number {
  return (
    ENTRY_OVERHEAD_BYTES +
    roundUp8(key.length * (TWO_BYTE.test(key) ? 2 : 1)) +
    triBytes(entry.outcome.tri)
  );
}

/** The byte bound's ceiling when the heap is large: 256 MiB. */
export const MAX_DEFAULT_CACHE_BYTES = 256 * 1024 * 1024;

/**
 * The default byte bound: 256 MiB, or a quarter of V8's heap limit when that is smaller (a server
 * started with a small `--max-old-space-size` keeps three quarters of its heap for everything
 * else). At the measured ~254 heap bytes per entry (~264 estimated), 256 MiB holds about a million
 * entries: five to eight times the 124,000-188,000 entries (31-47 MiB estimated) that a medium docs
 * workload's 10,000 distinct checks create (in-process on the memory store; over HTTP on PGlite).
 */
export function defaultCacheMaxBytes(
  heapLimit: number = getHeapStatistics().heap_size_limit,
): number {
  return Math.max(1, Math.min(MAX_DEFAULT_CACHE_BYTES, Math.floor(heapLimit / 4)));
}
