/**
 * Consistency modes → the revision a request is evaluated at. The four modes are SpiceDB's:
 * `minimize_latency` (a recent, shared revision), `at_least_as_fresh` (no older than a zookie),
 * `at_exact_snapshot` (exactly a zookie's revision), `fully_consistent` (the head).
 */
import type { Revision } from '../model/index.ts';
import type { TupleStore } from '../store/index.ts';
import { decodeZookie } from './zookie.ts';

/** How fresh a request's snapshot must be. */
export type Consistency =
  | { mode: 'minimize_latency' }
  | { mode: 'at_least_as_fresh'; zookie: string }
  | { mode: 'at_exact_snapshot'; zookie: string }
  | { mode: 'fully_consistent' };

export interface RevisionResolver {
  /**
   * The revision to evaluate at. Throws `invalid_zookie` (malformed, foreign, tampered, or newer than
   * head) and, for `at_exact_snapshot`, `revision_expired` when the revision left the GC window.
   */
  resolve(consistency: Consistency): Promise<Revision>;
}

/**
 * Creates a resolver over `store`.
 *
 * Why quantize `minimize_latency`: caches are keyed by revision, so requests that agree on a revision
 * share cache entries. The resolver reads the head once per `quantumMs`-aligned window (wall clock
 * floor(now / quantumMs)) and reuses it for every request in that window, at the cost of answers up
 * to one quantum stale, which is what the mode asks for. A request that must see its own write passes
 * that write's zookie (`at_least_as_fresh`), which is served at max(zookie, quantized revision).
 */
export function createRevisionResolver(
  store: TupleStore,
  opts: { quantumMs?: number; clock?: () => number } = {},
): RevisionResolver {
  const quantumMs = opts.quantumMs ?? 5000;
  const clock = opts.clock ?? Date.now;
  let cached: { window: number; revision: Promise<Revision> } | undefined;

  const recent = (): Promise<Revision> => {
    const window = quantumMs > 0 ? Math.floor(clock() / quantumMs) : clock();
    if (quantumMs > 0 && cached?.window === window) return cached.revision;
    const revision = store.headRevision();
    // Concurrent callers in the same window share one head read; a failed read is not cached.
    const entry = { window, revision };
    cached = entry;
    revision.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return revision;
  };

  const resolveOther = async (c: Consistency): Promise<Revision> => {
    switch (c.mode) {
      case 'fully_consistent':
        return store.headRevision();
      case 'minimize_latency':
        return recent();
      case 'at_exact_snapshot': {
        const rev = decodeZookie(c.zookie, store.storeId);
        await store.checkRevision(rev);
        return rev;
      }
      case 'at_least_as_fresh': {
        const rev = decodeZookie(c.zookie, store.storeId);
        const r = await recent();
        if (rev <= r) return r;
        // Newer than our cached head: the zookie's revision must exist (else it is from the future).
        const head = await store.headRevision();
        if (rev > head) await store.checkRevision(rev);
        return rev;
      }
    }
  };

  return {
    resolve(c: Consistency): Promise<Revision> {
      // `minimize_latency` (most reads) gets the window's shared promise itself: returned from an
      // async function, it would cost every such read two more microtask hops before it settles.
      if (c.mode !== 'minimize_latency') return resolveOther(c);
      try {
        return recent();
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
}
