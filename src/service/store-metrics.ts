/**
 * Wraps a TupleStore so every call (and every snapshot query) is timed into
 * `clove_store_query_duration_seconds{op}`. The wrapper forwards everything else unchanged.
 */
import type { Tuple } from '../model/index.ts';
import type {
  ClosureQuery,
  ClosureResult,
  OrderedPage,
  SnapshotReader,
  TupleQuery,
  TupleStore,
} from '../store/index.ts';
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
 * The store with timing; `snapshot(rev).query` is timed as op `query`, and so are the optional
 * `querySync` (memory store) and `queryOrdered` (every built-in store) when the reader offers them:
 * dropping them here sent the server's engine down slower paths than in-process callers take.
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
      const sync = typeof reader.querySync === 'function';
      const ordered = typeof reader.queryOrdered === 'function';
      const Timed = sync
        ? ordered
          ? TimedSyncOrderedReader
          : TimedSyncReader
        : ordered
          ? TimedOrderedReader
          : TimedReader;
      const timed = new Timed(reader, observeQuery);
      // The SQL stores' round-trip savers (one statement per wave of reads, per nested relation).
      if (reader.queryMany) timed.queryMany = timedMany;
      if (reader.queryClosure) timed.queryClosure = timedClosure;
      return timed;
    },
    exportTuples: (o) => store.exportTuples(o),
    watch: (after, o) => store.watch(after, o),
    close: () => store.close(),
  };
}

/**
 * A reader whose queries are timed. It offers exactly the optional capabilities of the reader it
 * wraps (`querySync`, `queryOrdered`): dropping one would send the engine down a slower path in
 * the server than in-process. Classes rather than object literals with closures: a snapshot is
 * made per request, and prototype methods cost nothing per instance.
 */
class TimedReader implements SnapshotReader {
  readonly revision: number;
  readonly now: number;
  // Declared, not defined: present only when installed (see `snapshot`).
  declare queryMany?: SnapshotReader['queryMany'];
  declare queryClosure?: SnapshotReader['queryClosure'];

  constructor(
    readonly reader: SnapshotReader,
    readonly observe: (seconds: number) => void,
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

/** `querySync`, timed (only on readers of stores that answer synchronously). */
function timedSync(r: TimedReader, q: TupleQuery): Tuple[] {
  const t0 = performance.now();
  try {
    return (r.reader.querySync as (q: TupleQuery) => Tuple[]).call(r.reader, q);
  } finally {
    r.observe((performance.now() - t0) / 1000);
  }
}

/** `queryOrdered`, timed (only on readers of stores that serve ordered reads). */
async function timedOrdered(r: TimedReader, q: TupleQuery, page: OrderedPage): Promise<Tuple[]> {
  const t0 = performance.now();
  try {
    return await (
      r.reader.queryOrdered as (q: TupleQuery, page: OrderedPage) => Promise<Tuple[]>
    ).call(r.reader, q, page);
  } finally {
    r.observe((performance.now() - t0) / 1000);
  }
}

/** `queryMany`, timed as one `query` (installed only when the wrapped reader offers it). */
async function timedMany(this: TimedReader, qs: readonly TupleQuery[]): Promise<Tuple[][]> {
  const t0 = performance.now();
  try {
    return await (this.reader.queryMany as (qs: readonly TupleQuery[]) => Promise<Tuple[][]>).call(
      this.reader,
      qs,
    );
  } finally {
    this.observe((performance.now() - t0) / 1000);
  }
}

/** `queryClosure`, timed as one `query` (installed only when the wrapped reader offers it). */
async function timedClosure(this: TimedReader, q: ClosureQuery): Promise<ClosureResult> {
  const t0 = performance.now();
  try {
    return await (this.reader.queryClosure as (q: ClosureQuery) => Promise<ClosureResult>).call(
      this.reader,
      q,
    );
  } finally {
    this.observe((performance.now() - t0) / 1000);
  }
}

class TimedSyncReader extends TimedReader {
  querySync(q: TupleQuery): Tuple[] {
    return timedSync(this, q);
  }
}

class TimedOrderedReader extends TimedReader {
  queryOrdered(q: TupleQuery, page: OrderedPage): Promise<Tuple[]> {
    return timedOrdered(this, q, page);
  }
}

class TimedSyncOrderedReader extends TimedSyncReader {
  queryOrdered(q: TupleQuery, page: OrderedPage): Promise<Tuple[]> {
    return timedOrdered(this, q, page);
  }
}
