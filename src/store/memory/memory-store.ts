/**
 * The in-memory TupleStore: MVCC rows in `TupleIndexes`, one revision log, one write lock. Used by
 * tests and ephemeral runs; it passes the same contract suite as the SQL backends, including GC,
 * expiration and watch, so "works on memory" means "works on Postgres".
 */
import { randomUUID } from 'node:crypto';
import type { Revision, Tuple } from '../../model/index.ts';
import { tupleKey } from '../../model/index.ts';
import type { SchemaIR } from '../../schema/ir.ts';
import { findRemovedUsages } from '../schema-usage.ts';
import {
  alreadyExists,
  DEFAULT_GC_WINDOW_MS,
  DEFAULT_MAX_BATCH_SIZE,
  duplicateInBatch,
  invalidRevision,
  preconditionFailed,
  revisionExpired,
  revisionInFuture,
  schemaChanged,
  schemaInUse,
} from '../shared/errors.ts';
import {
  assertValidBatch,
  compareSortKeys,
  decodeCursor,
  encodeCursor,
  filterToQuery,
  matchesUsage,
  pageLimit,
  sortKeyOf,
} from '../shared/match.ts';
import type {
  ClosureQuery,
  DeleteResult,
  GuardedWriteOptions,
  OrderedPage,
  ReadOptions,
  ReadPage,
  SnapshotReader,
  StoredSchema,
  StoreOptions,
  TransactionMetadata,
  TupleAttribution,
  TupleChange,
  TupleFilter,
  TupleQuery,
  TupleStore,
  WatchEvent,
  WriteOp,
} from '../types.ts';
import { isVisible, type Row, TupleIndexes } from './indexes.ts';
import { queryOrderedRows } from './ordered.ts';
import { collectRows, queryRows } from './query.ts';
import { watchLog } from '../shared/watch-loop.ts';
import { closureByLevels } from '../shared/closure.ts';

/** One committed revision: when, by whom, and what changed (empty for schema writes). */
export interface LogEntry {
  readonly revision: Revision;
  readonly at: number;
  readonly metadata?: TransactionMetadata;
  readonly changes: readonly TupleChange[];
}

const INF = Number.POSITIVE_INFINITY;

/** Creates an empty in-memory store with a fresh random `storeId`. */
export function createMemoryStore(opts: StoreOptions = {}): TupleStore {
  return new MemoryStore(opts);
}

class MemoryStore implements TupleStore {
  readonly kind = 'memory' as const;
  readonly storeId = randomUUID();
  private readonly idx = new TupleIndexes();
  /** Contiguous log of retained revisions; `log[0]` is the oldest (the GC boundary once GC ran). */
  private log: LogEntry[] = [];
  private head = 0;
  /** The revision GC last collected up to: a watch resuming before it may have lost events. */
  private gcBoundary = 0;
  private schemas: StoredSchema[] = [];
  /** Rows stamped deleted, in deletion order, so GC pops from the front instead of scanning. */
  private deletedQueue: Row[] = [];
  private readonly expiring = new Set<Row>();
  /**
   * Metadata of revisions that carried some, with how many stored rows they created. Why apart from
   * the log: GC drops old log entries, but a tuple's attribution must outlive its revision's
   * snapshot window; an entry goes when GC removes the last row its revision created.
   */
  private readonly attribution = new Map<
    Revision,
    { metadata: TransactionMetadata; rows: number }
  >();
  /** Why a promise chain: bulk imports await their input, and no other mutation may interleave. */
  private lockTail: Promise<unknown> = Promise.resolve();
  private readonly waiters = new Set<() => void>();
  private closed = false;
  private readonly gcWindowMs: number;
  private readonly maxBatchSize: number;
  private readonly clock: () => number;

  constructor(opts: StoreOptions) {
    this.gcWindowMs = opts.gcWindowMs ?? DEFAULT_GC_WINDOW_MS;
    this.maxBatchSize = opts.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
    this.clock = opts.clock ?? Date.now;
  }

  async headRevision(): Promise<Revision> {
    return this.head;
  }

  async checkRevision(rev: Revision): Promise<void> {
    if (!Number.isSafeInteger(rev) || rev < 0) throw invalidRevision(rev);
    if (rev > this.head) throw revisionInFuture(rev, this.head);
    const min = this.minValidRevision(this.clock());
    if (rev < min) throw revisionExpired(rev, min);
  }

  snapshot(rev: Revision, opts?: { now?: number }): SnapshotReader {
    return new MemorySnapshot(this.idx, rev, opts?.now ?? this.clock());
  }

  async write(ops: readonly WriteOp[], opts: GuardedWriteOptions = {}): Promise<Revision> {
    assertValidBatch(ops, this.maxBatchSize);
    return this.locked(() => {
      const now = this.clock();
      this.checkGuards(opts, now);
      for (const op of ops) {
        if (op.op !== 'create') continue;
        const existing = this.idx.live.get(tupleKey(op.tuple));
        if (existing && existing.expiresAt > now) throw alreadyExists(op.tuple);
      }
      const rev = this.head + 1;
      const changes: TupleChange[] = [];
      for (const op of ops) {
        const key = tupleKey(op.tuple);
        const existing = this.idx.live.get(key);
        if (existing) this.markDeleted(existing, rev);
        if (op.op === 'delete') {
          if (existing && existing.expiresAt > now)
            changes.push({ op: 'delete', tuple: existing.tuple });
        } else {
          this.insert(op.tuple, key, rev);
          changes.push({ op: 'touch', tuple: op.tuple });
        }
      }
      this.commit(rev, now, opts.metadata, changes);
      return rev;
    });
  }

  async deleteByFilter(
    filter: TupleFilter,
    opts: { limit?: number } & GuardedWriteOptions = {},
  ): Promise<DeleteResult> {
    return this.locked(() => {
      const now = this.clock();
      this.checkGuards(opts, now);
      let rows = this.matchingRows(filter, this.head, now);
      let partial = false;
      if (opts.limit !== undefined && rows.length > opts.limit) {
        rows.sort((a, b) => compareSortKeys(sortKeyOf(a.tuple), sortKeyOf(b.tuple)));
        rows = rows.slice(0, opts.limit);
        partial = true;
      }
      const rev = this.head + 1;
      for (const row of rows) this.markDeleted(row, rev);
      const changes = rows.map((r): TupleChange => ({ op: 'delete', tuple: r.tuple }));
      this.commit(rev, now, opts.metadata, changes);
      return { revision: rev, deleted: rows.length, partial };
    });
  }

  async read(filter: TupleFilter, opts: ReadOptions): Promise<ReadPage> {
    const limit = pageLimit(opts.limit);
    const after = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor, opts.revision);
    const keyed = this.matchingRows(filter, opts.revision, this.clock())
      .map((r) => ({ r, k: sortKeyOf(r.tuple) }))
      .filter((x) => after === undefined || compareSortKeys(x.k, after) > 0)
      .sort((a, b) => compareSortKeys(a.k, b.k));
    const page = keyed.slice(0, limit);
    const last = page[page.length - 1];
    return {
      tuples: page.map((x) => x.r.tuple),
      written: page.map(({ r }): TupleAttribution => {
        const metadata = this.attribution.get(r.createdRev)?.metadata;
        return metadata ? { revision: r.createdRev, metadata } : { revision: r.createdRev };
      }),
      ...(keyed.length > limit && last && { cursor: encodeCursor(opts.revision, last.k) }),
    };
  }

  async bulkImport(
    tuples: AsyncIterable<Tuple> | Iterable<Tuple>,
    opts: {
      batchSize?: number;
      onProgress?: (imported: number) => void;
      metadata?: TransactionMetadata;
    } = {},
  ): Promise<{ revision: Revision; imported: number }> {
    const batchSize = opts.batchSize ?? 10_000;
    return this.locked(async () => {
      // Stage everything first: a duplicate or existing tuple anywhere must leave no trace (atomic).
      const staged: Tuple[] = [];
      const seen = new Set<string>();
      const stage = (t: Tuple) => {
        const key = tupleKey(t);
        if (seen.has(key)) throw duplicateInBatch(t);
        seen.add(key);
        staged.push(t);
      };
      // A sync source is read synchronously: `for await` would cost a promise per tuple.
      if (Symbol.iterator in tuples) for (const t of tuples) stage(t);
      else for await (const t of tuples) stage(t);
      const now = this.clock();
      for (const t of staged) {
        const existing = this.idx.live.get(tupleKey(t));
        if (existing && existing.expiresAt > now) throw alreadyExists(t);
      }
      const rev = this.head + 1;
      const changes: TupleChange[] = [];
      for (let i = 0; i < staged.length; i++) {
        const t = staged[i] as Tuple;
        const key = tupleKey(t);
        const existing = this.idx.live.get(key);
        if (existing) this.markDeleted(existing, rev);
        this.insert(t, key, rev);
        changes.push({ op: 'touch', tuple: t });
        if ((i + 1) % batchSize === 0) opts.onProgress?.(i + 1);
      }
      if (staged.length % batchSize !== 0 || staged.length === 0) opts.onProgress?.(staged.length);
      this.commit(rev, now, opts.metadata, changes);
      return { revision: rev, imported: staged.length };
    });
  }

  async *exportTuples(opts: { revision: Revision }): AsyncIterable<Tuple> {
    const now = this.clock();
    for (const row of this.idx.all()) if (isVisible(row, opts.revision, now)) yield row.tuple;
  }

  watch(
    afterRevision: Revision,
    opts: { signal?: AbortSignal; checkpointIntervalMs?: number } = {},
  ): AsyncIterable<WatchEvent> {
    return watchLog(
      {
        check: (rev) => this.checkRevision(rev),
        entriesAfter: (rev) => {
          if (rev < this.gcBoundary) throw revisionExpired(rev, this.gcBoundary);
          const first = this.log[0];
          return first ? this.log.slice(Math.max(0, rev + 1 - first.revision)) : [];
        },
        waitForCommit: (ms, signal) => this.waitForCommit(ms, signal),
        isClosed: () => this.closed,
      },
      afterRevision,
      opts,
    );
  }

  async gc(
    opts: { now?: number } = {},
  ): Promise<{ tuplesRemoved: number; revisionsRemoved: number }> {
    return this.locked(() => {
      const now = opts.now ?? this.clock();
      const boundary = this.minValidRevision(now);
      const cutoff = now - this.gcWindowMs;
      // Deleted versions no snapshot can reach, then tuples expired more than a window ago.
      const dead: Row[] = [];
      let i = 0;
      while (i < this.deletedQueue.length && (this.deletedQueue[i] as Row).deletedRev <= boundary) {
        dead.push(this.deletedQueue[i] as Row);
        i++;
      }
      this.deletedQueue = this.deletedQueue.slice(i);
      for (const row of this.expiring) if (row.expiresAt < cutoff) dead.push(row);
      this.releaseAttribution(dead);
      const tuplesRemoved = this.idx.removeAll(dead);
      for (const row of dead) this.expiring.delete(row);
      if (this.deletedQueue.some((r) => r.collected))
        this.deletedQueue = this.deletedQueue.filter((r) => !r.collected);
      const drop = this.log.findIndex((e) => e.revision >= boundary);
      const revisionsRemoved = Math.max(drop, 0);
      if (revisionsRemoved > 0) this.log = this.log.slice(revisionsRemoved);
      this.gcBoundary = Math.max(this.gcBoundary, boundary);
      const inEffect = this.schemas.findLastIndex((s) => s.revision <= boundary);
      if (inEffect > 0) this.schemas = this.schemas.slice(inEffect);
      return { tuplesRemoved, revisionsRemoved };
    });
  }

  async readSchema(rev?: Revision): Promise<StoredSchema | undefined> {
    const at = rev ?? this.head;
    return this.schemas.findLast((s) => s.revision <= at);
  }

  async writeSchema(
    schema: { text: string; ir: SchemaIR },
    opts: { metadata?: TransactionMetadata } = {},
  ): Promise<Revision> {
    return this.locked(() => {
      const now = this.clock();
      const current = this.schemas[this.schemas.length - 1];
      const usages = findRemovedUsages(current?.ir, schema.ir);
      const inUse = usages
        .map((u) => {
          let count = 0;
          for (const row of this.idx.byType.get(u.resourceType)?.get(u.relation) ?? [])
            if (isVisible(row, this.head, now) && matchesUsage(row.tuple, u)) count++;
          return { ...u, count };
        })
        .filter((u) => u.count > 0);
      if (inUse.length > 0) throw schemaInUse(inUse);
      const rev = this.head + 1;
      this.schemas.push({ revision: rev, text: schema.text, ir: schema.ir });
      this.commit(rev, now, opts.metadata, []);
      return rev;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiters) wake();
  }

  // ---- internals ----

  /**
   * The oldest revision a snapshot may use at `now`: the newest revision committed before the GC
   * cutoff. Why that one: GC removes rows deleted at revisions committed before the cutoff, so a
   * snapshot at any revision >= it still finds every row it could see; older snapshots might not.
   */
  private minValidRevision(now: number): Revision {
    const cutoff = now - this.gcWindowMs;
    let lo = 0;
    let hi = this.log.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.log[mid] as LogEntry).at < cutoff) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found >= 0) return (this.log[found] as LogEntry).revision;
    const first = this.log[0];
    return first ? first.revision - 1 : this.head;
  }

  private locked<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.lockTail.then(fn);
    this.lockTail = run.catch(() => undefined);
    return run;
  }

  private checkGuards(opts: GuardedWriteOptions, now: number): void {
    if (opts.expectSchemaHash !== undefined) {
      const actual = this.schemas[this.schemas.length - 1]?.ir.hash;
      if (actual !== opts.expectSchemaHash) throw schemaChanged(opts.expectSchemaHash, actual);
    }
    for (const p of opts.preconditions ?? []) {
      const found = this.matchingRows(p.filter, this.head, now, 1).length > 0;
      if (found !== (p.kind === 'must_match')) throw preconditionFailed(p.kind, p.filter);
    }
  }

  private matchingRows(filter: TupleFilter, rev: Revision, now: number, max = INF): Row[] {
    return collectRows(this.idx, filterToQuery(filter), rev, now, max);
  }

  private insert(tuple: Tuple, key: string, rev: Revision): void {
    const row: Row = {
      tuple,
      key,
      createdRev: rev,
      deletedRev: INF,
      expiresAt: tuple.expiresAt ?? INF,
    };
    this.idx.add(row);
    if (row.expiresAt !== INF) this.expiring.add(row);
  }

  private markDeleted(row: Row, rev: Revision): void {
    row.deletedRev = rev;
    this.idx.live.delete(row.key);
    this.deletedQueue.push(row);
  }

  private commit(
    rev: Revision,
    now: number,
    metadata: TransactionMetadata | undefined,
    changes: TupleChange[],
  ): void {
    const last = this.log[this.log.length - 1];
    // Commit timestamps never go backwards, so "committed before the cutoff" is a prefix of the log.
    const at = Math.max(now, last?.at ?? now);
    this.log.push({ revision: rev, at, ...(metadata && { metadata }), changes });
    // Every 'touch' change is one row created at `rev` (a delete creates none).
    const created = changes.reduce((n, c) => (c.op === 'touch' ? n + 1 : n), 0);
    if (metadata && created > 0) this.attribution.set(rev, { metadata, rows: created });
    this.head = rev;
    for (const wake of this.waiters) wake();
  }

  /** Forgets the metadata of revisions whose last created row is among `dead` (not yet collected). */
  private releaseAttribution(dead: readonly Row[]): void {
    if (this.attribution.size === 0) return;
    for (const row of new Set(dead)) {
      if (row.collected) continue;
      const entry = this.attribution.get(row.createdRev);
      if (entry && --entry.rows === 0) this.attribution.delete(row.createdRev);
    }
  }

  private waitForCommit(ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (committed: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        signal?.removeEventListener('abort', onAbort);
        resolve(committed);
      };
      const wake = () => done(true);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), ms);
      this.waiters.add(wake);
      signal?.addEventListener('abort', onAbort);
    });
  }
}

/**
 * A snapshot of the memory store: its reads at one revision, with expiration judged at `now`. The
 * reads are own closures over the index (callers may copy a reader's members or call a read
 * unbound), assigned in the constructor rather than written as an object literal's members. Why:
 * a snapshot is made for every request, including the checks the engine's cache answers without
 * reading it, and under tsx (how `clove serve` runs) esbuild's `keepNames` gives every closure of
 * an object literal an `Object.defineProperty` for its name; a closure assigned to a member has no
 * name to keep.
 */
class MemorySnapshot implements SnapshotReader {
  readonly query: SnapshotReader['query'];
  /** Reads are in-process map lookups: the engine evaluates synchronously on them. */
  readonly querySync: NonNullable<SnapshotReader['querySync']>;
  /** Sorted bucket copies merged by resource id: a page of lookupResources reads about a page. */
  readonly queryOrdered: NonNullable<SnapshotReader['queryOrdered']>;
  readonly queryClosure: NonNullable<SnapshotReader['queryClosure']>;

  constructor(
    idx: TupleIndexes,
    readonly revision: Revision,
    readonly now: number,
  ) {
    this.query = (q: TupleQuery) => Promise.resolve(queryRows(idx, q, revision, now));
    this.querySync = (q: TupleQuery) => queryRows(idx, q, revision, now);
    this.queryOrdered = (q: TupleQuery, page: OrderedPage) =>
      Promise.resolve(queryOrderedRows(idx, q, revision, now, page));
    this.queryClosure = (q: ClosureQuery) =>
      closureByLevels((level) => queryRows(idx, level, revision, now), q);
  }
}
