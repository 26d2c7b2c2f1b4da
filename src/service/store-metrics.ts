/**
 * Wraps a TupleStore so every call (and every snapshot query) is timed into
 * `clove_store_query_duration_seconds{op}`. The wrapper forwards everything else unchanged.
 */
import type { SnapshotReader, TupleStore } from '../store/index.ts';
import type { CloveMetrics } from './metrics.ts';

const TIMED = [
  'headRevision',
  'checkRevision',
  'write',
  'deleteByFilter',
  'read',
  'bulkImport',
  'readSchema',
  'writeSchema',
  'gc',
] as const;

/** The store with timing; `snapshot(rev).query` is timed as op `query`. */
export function instrumentStore(store: TupleStore, metrics: CloveMetrics): TupleStore {
  const h = metrics.storeDuration;
  const wrapped: Record<string, unknown> = {};
  for (const op of TIMED) {
    const fn = (store[op] as (...a: unknown[]) => Promise<unknown>).bind(store);
    wrapped[op] = async (...args: unknown[]) => {
      const t0 = performance.now();
      try {
        return await fn(...args);
      } finally {
        h.observe((performance.now() - t0) / 1000, { op });
      }
    };
  }
  return {
    get kind() {
      return store.kind;
    },
    get storeId() {
      return store.storeId;
    },
    ...(wrapped as Pick<TupleStore, (typeof TIMED)[number]>),
    snapshot(rev, opts) {
      const reader = store.snapshot(rev, opts);
      const timed: SnapshotReader = {
        revision: reader.revision,
        now: reader.now,
        async query(q) {
          const t0 = performance.now();
          try {
            return await reader.query(q);
          } finally {
            h.observe((performance.now() - t0) / 1000, { op: 'query' });
          }
        },
      };
      return timed;
    },
    exportTuples: (o) => store.exportTuples(o),
    watch: (after, o) => store.watch(after, o),
    close: () => store.close(),
  };
}
