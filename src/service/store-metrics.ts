/**
 * Wraps a TupleStore so every call (and every snapshot query) is timed into
 * `clove_store_query_duration_seconds{op}`. The wrapper forwards everything else unchanged.
 */
import type { Tuple } from '../model/index.ts';
import type { SnapshotReader, TupleQuery, TupleStore } from '../store/index.ts';
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

/**
 * The store with timing; `snapshot(rev).query` is timed as op `query`, and so is the synchronous
 * `querySync` when the store offers one (the memory store): dropping it here would send the engine
 * down its promise-per-node path in the server while in-process callers take the synchronous one.
 */
export function instrumentStore(store: TupleStore, metrics: CloveMetrics): TupleStore {
  const h = metrics.storeDuration;
  const wrapped: Record<string, unknown> = {};
  for (const op of TIMED) {
    const fn = (store[op] as (...a: unknown[]) => Promise<unknown>).bind(store);
    const observe = h.recorder({ op });
    wrapped[op] = async (...args: unknown[]) => {
      const t0 = performance.now();
      try {
        return await fn(...args);
      } finally {
        observe((performance.now() - t0) / 1000);
      }
    };
  }
  const observeQuery = h.recorder({ op: 'query' });
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
      return (reader as SyncReader).querySync
        ? new TimedSyncReader(reader, observeQuery)
        : new TimedReader(reader, observeQuery);
    },
    exportTuples: (o) => store.exportTuples(o),
    watch: (after, o) => store.watch(after, o),
    close: () => store.close(),
  };
}

/** A snapshot reader that may answer synchronously (see `SnapshotReader.querySync`). */
type SyncReader = { querySync?: (q: TupleQuery) => Tuple[] };

/**
 * A reader whose queries are timed. Classes rather than object literals with closures: a snapshot
 * is made per request, and prototype methods cost nothing per instance.
 */
class TimedReader implements SnapshotReader {
  readonly revision: number;
  readonly now: number;

  constructor(
    protected readonly reader: SnapshotReader,
    protected readonly observe: (seconds: number) => void,
  ) {
    this.revision = reader.revision;
    this.now = reader.now;
  }

  async query(q: TupleQuery): Promise<Tuple[]> {
    const t0 = performance.now();
    try {
      return await this.reader.query(q);
    } finally {
      this.observe((performance.now() - t0) / 1000);
    }
  }
}

/** A timed reader over a store that also answers synchronously. */
class TimedSyncReader extends TimedReader {
  querySync(q: TupleQuery): Tuple[] {
    const t0 = performance.now();
    try {
      return (this.reader as Required<SyncReader>).querySync(q);
    } finally {
      this.observe((performance.now() - t0) / 1000);
    }
  }
}
