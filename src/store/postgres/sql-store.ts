/**
 * The SQL TupleStore over drizzle, shared by Postgres (postgres.js) and PGlite. MVCC rows carry
 * `created_rev`/`deleted_rev`; reads filter on them. Every mutation runs in one transaction that
 * first takes a store-wide advisory lock and then allocates `max(revision) + 1`.
 *
 * Why the lock: it serialises revision allocation with commit, so revision order is commit order. A
 * reader's head is `max(revision)` over committed rows; the next writer can only allocate after the
 * previous one committed (the lock is released after the commit becomes visible), so no transaction
 * can ever commit at a revision <= a head someone already observed (no snapshot changes after the fact).
 * Cost: writers queue, which bounds write throughput by one round-trip chain per transaction.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, count, desc, eq, lte, type SQL, sql } from 'drizzle-orm';
import { type Revision, type Tuple, tupleKey } from '../../model/index.ts';
import type { SchemaIR } from '../../schema/ir.ts';
import { findRemovedUsages } from '../schema-usage.ts';
import {
  alreadyExists,
  DEFAULT_GC_WINDOW_MS,
  DEFAULT_MAX_BATCH_SIZE,
  invalidRevision,
  preconditionFailed,
  revisionInFuture,
  revisionExpired,
  schemaChanged,
  schemaInUse,
} from '../shared/errors.ts';
import {
  assertValidBatch,
  decodeCursor,
  encodeCursor,
  filterToQuery,
  pageLimit,
  type SortKey,
  sortKeyOf,
} from '../shared/match.ts';
import { watchLog } from '../shared/watch-loop.ts';
import type {
  ClosureQuery,
  ClosureResult,
  DeleteResult,
  GuardedWriteOptions,
  OrderedPage,
  ReadOptions,
  ReadPage,
  SnapshotReader,
  StoredSchema,
  StoreOptions,
  TransactionMetadata,
  TupleFilter,
  TupleQuery,
  TupleStore,
  WatchEvent,
  WriteOp,
} from '../types.ts';
import { copyImport } from './sql-copy.ts';
import { rowsOf, type SqlDriver, type SqlTx, toStoreError } from './driver.ts';
import {
  insertTuplesSql,
  markDeletedSql,
  queryConditions,
  rowToTuple,
  TUPLE_COLUMNS,
  type TupleRow,
  usageCondition,
  visibleAt,
  WRITE_LOCK,
} from './sql-helpers.ts';
import { collectGarbage } from './sql-gc.ts';
import { queryOrderedAt } from './sql-ordered.ts';
import { type BatchQuery, createBatchQuery } from './sql-batch-queries.ts';
import { type ClosureRead, createClosureRead } from './sql-closure.ts';
import { createHeadRead, createPointQuery, type PointQuery } from './sql-point-queries.ts';
import { importBatch } from './sql-import.ts';
import { attributeRevisions, loadLogAfter } from './sql-log.ts';
import { revisions, schemas, storeMeta, tuples } from './tables.ts';

/** Ids per statement for batched reads (keeps bound parameters well under Postgres' 65 535). */
const IDS_PER_QUERY = 5_000;
const ORDER = [
  tuples.resourceType,
  tuples.relation,
  tuples.resourceId,
  tuples.subjectType,
  tuples.subjectId,
  tuples.subjectRelation,
];

/** Opens the store over a migrated database: reads (or creates) the persisted store id. */
export async function createSqlStore(
  driver: SqlDriver,
  opts: StoreOptions = {},
): Promise<TupleStore> {
  try {
    const db = driver.db;
    await db
      .insert(storeMeta)
      .values({ key: 'store_id', value: randomUUID() })
      .onConflictDoNothing();
    const [row] = await db.select().from(storeMeta).where(eq(storeMeta.key, 'store_id'));
    return new SqlStore(driver, (row as { value: string }).value, opts);
  } catch (err) {
    throw toStoreError(err);
  }
}

class SqlStore implements TupleStore {
  readonly kind: 'pglite' | 'postgres';
  private readonly gcWindowMs: number;
  private readonly maxBatchSize: number;
  private readonly clock: () => number;
  private readonly pollMs: number;
  private closed = false;
  /** Tuples written since the last ANALYZE, and the count that triggers the next one (PGlite). */
  private writtenSinceAnalyze = 0;
  private analyzeEvery = 1_000;
  /** The builder-free hot read (sql-point-queries.ts): fixed SQL per query shape, prepared. */
  private readonly pointQuery: PointQuery;
  /** The head revision outside transactions (a fixed prepared statement, sql-point-queries.ts). */
  private readonly headRead: () => Promise<Revision>;
  /** A wave of point reads in one statement (sql-batch-queries.ts). */
  private readonly batchQuery: BatchQuery;
  /** A self-nesting relation followed to a fixed point in one statement (sql-closure.ts). */
  private readonly closureRead: ClosureRead;

  constructor(
    private readonly driver: SqlDriver,
    readonly storeId: string,
    opts: StoreOptions,
  ) {
    this.kind = driver.kind;
    this.gcWindowMs = opts.gcWindowMs ?? DEFAULT_GC_WINDOW_MS;
    this.maxBatchSize = opts.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
    this.clock = opts.clock ?? Date.now;
    this.pollMs = opts.watchPollMs ?? 100;
    this.pointQuery = createPointQuery(driver);
    this.headRead = createHeadRead(driver);
    this.closureRead = createClosureRead(driver);
    this.batchQuery = createBatchQuery(driver, (q, rev, now) => this.queryAt(q, rev, now));
  }

  private get db() {
    return this.driver.db;
  }

  headRevision(): Promise<Revision> {
    return this.guard(() => this.headRead());
  }

  checkRevision(rev: Revision): Promise<void> {
    return this.guard(async () => {
      if (!Number.isSafeInteger(rev) || rev < 0) throw invalidRevision(rev);
      const [r] = await rowsOf<{ head: string | number; min: string | number }>(
        this.db,
        sql`SELECT coalesce(max(revision), 0) AS head,
              coalesce((SELECT max(revision) FROM clove_revisions WHERE committed_at < ${this.clock() - this.gcWindowMs}::bigint),
                       (SELECT min(revision) - 1 FROM clove_revisions), 0) AS min
            FROM clove_revisions`,
      );
      const head = Number(r?.head ?? 0);
      const min = Number(r?.min ?? 0);
      if (rev > head) throw revisionInFuture(rev, head);
      if (rev < min) throw revisionExpired(rev, min);
    });
  }

  snapshot(rev: Revision, opts?: { now?: number }): SnapshotReader {
    return new SqlSnapshot(this, rev, opts?.now ?? this.clock());
  }

  // The reads of a snapshot (SqlSnapshot) at `rev` with expiration judged at `now`, each mapped to
  // a StoreError like every other call. Not on the TupleStore interface: only SqlSnapshot calls them.

  /** Every matching live tuple (the engine's hot path). */
  readAt(q: TupleQuery, rev: Revision, now: number): Promise<Tuple[]> {
    return this.guard(() => this.queryAt(q, rev, now));
  }

  /** One page of matching tuples in resource id order. */
  readOrderedAt(q: TupleQuery, page: OrderedPage, rev: Revision, now: number): Promise<Tuple[]> {
    return this.guard(() => queryOrderedAt(this.db, q, rev, now, page, IDS_PER_QUERY));
  }

  /** A wave of reads in one statement. */
  readManyAt(qs: readonly TupleQuery[], rev: Revision, now: number): Promise<Tuple[][]> {
    return this.guard(() => this.batchQuery(qs, rev, now));
  }

  /** A self-nesting relation followed to a fixed point in one statement. */
  readClosureAt(q: ClosureQuery, rev: Revision, now: number): Promise<ClosureResult> {
    return this.guard(() => this.closureRead(q, rev, now));
  }

  write(ops: readonly WriteOp[], opts: GuardedWriteOptions = {}): Promise<Revision> {
    return this.guard(async () => {
      assertValidBatch(ops, this.maxBatchSize);
      return this.inWriteTx(opts.metadata, async (tx, rev, now) => {
        await this.checkGuards(tx, opts, rev - 1, now);
        if (ops.length === 0) return rev;
        const replaced = await rowsOf<TupleRow>(
          tx,
          markDeletedSql(
            ops.map((o) => o.tuple),
            rev,
          ),
        );
        const creates = new Set(ops.filter((o) => o.op === 'create').map((o) => tupleKey(o.tuple)));
        for (const r of replaced) {
          const t = rowToTuple(r);
          if (creates.has(tupleKey(t)) && (t.expiresAt === undefined || t.expiresAt > now))
            throw alreadyExists(t);
        }
        const inserts = ops.filter((o) => o.op !== 'delete').map((o) => o.tuple);
        if (inserts.length > 0) await tx.execute(insertTuplesSql(inserts, rev, false));
        return rev;
      }).then((rev) => {
        this.noteWritten(ops.length);
        return rev;
      });
    });
  }

  deleteByFilter(
    filter: TupleFilter,
    opts: { limit?: number } & GuardedWriteOptions = {},
  ): Promise<DeleteResult> {
    return this.guard(() =>
      this.inWriteTx(opts.metadata, async (tx, rev, now) => {
        await this.checkGuards(tx, opts, rev - 1, now);
        const where = and(...queryConditions(filterToQuery(filter)), visibleAt(rev - 1, now));
        if (opts.limit === undefined) {
          const done = await tx
            .update(tuples)
            .set({ deletedRev: rev })
            .where(where)
            .returning({ one: tuples.createdRev });
          return { revision: rev, deleted: done.length, partial: false };
        }
        const found = await tx
          .select(TUPLE_COLUMNS)
          .from(tuples)
          .where(where)
          .orderBy(...ORDER.map((c) => asc(c)))
          .limit(opts.limit + 1);
        const victims = found.slice(0, opts.limit).map(rowToTuple);
        if (victims.length > 0) await tx.execute(markDeletedSql(victims, rev));
        return { revision: rev, deleted: victims.length, partial: found.length > opts.limit };
      }),
    );
  }

  read(filter: TupleFilter, opts: ReadOptions): Promise<ReadPage> {
    return this.guard(async () => {
      const limit = pageLimit(opts.limit);
      const after =
        opts.cursor === undefined ? undefined : decodeCursor(opts.cursor, opts.revision);
      const page = await this.pageAt(
        queryConditions(filterToQuery(filter)),
        opts.revision,
        this.clock(),
        limit,
        after,
      );
      const last = page.tuples[page.tuples.length - 1];
      return {
        tuples: page.tuples,
        written: await attributeRevisions(this.db, page.createdRevs),
        ...(page.more && last && { cursor: encodeCursor(opts.revision, sortKeyOf(last)) }),
      };
    });
  }

  bulkImport(
    source: AsyncIterable<Tuple> | Iterable<Tuple>,
    opts: {
      batchSize?: number;
      onProgress?: (imported: number) => void;
      metadata?: TransactionMetadata;
    } = {},
  ): Promise<{ revision: Revision; imported: number }> {
    const batchSize = opts.batchSize ?? 5_000;
    return this.guard(async () => {
      const result = await this.inWriteTx(opts.metadata, async (tx, rev, now) => {
        if (this.kind === 'postgres') {
          // Postgres: COPY through a staging table (sql-copy.ts), several times faster than INSERTs.
          const imported = await copyImport(tx, source, rev, now, batchSize, (k) =>
            opts.onProgress?.(k),
          );
          return { revision: rev, imported };
        }
        let imported = 0;
        let batch: Tuple[] = [];
        const flush = async () => {
          if (batch.length === 0) return;
          await importBatch(tx, batch, rev, now);
          imported += batch.length;
          batch = [];
          opts.onProgress?.(imported);
        };
        for await (const t of source) {
          batch.push(t);
          if (batch.length >= batchSize) await flush();
        }
        await flush();
        if (imported === 0) opts.onProgress?.(0);
        return { revision: rev, imported };
      });
      // Why: after a large import the planner's statistics are stale (on a fresh table, absent), and
      // it may pick the subject index for point lookups by resource id: 10x slower. Refresh them now
      // rather than waiting for autovacuum.
      if (result.imported >= 10_000) await this.db.execute(sql`ANALYZE clove_tuples`);
      else this.noteWritten(result.imported);
      return result;
    });
  }

  async *exportTuples(opts: { revision: Revision }): AsyncIterable<Tuple> {
    const now = this.clock();
    let after: SortKey | undefined;
    for (;;) {
      const page = await this.guard(() => this.pageAt([], opts.revision, now, 5_000, after));
      yield* page.tuples;
      const last = page.tuples[page.tuples.length - 1];
      if (!page.more || !last) return;
      after = sortKeyOf(last);
    }
  }

  watch(
    afterRevision: Revision,
    opts: { signal?: AbortSignal; checkpointIntervalMs?: number } = {},
  ): AsyncIterable<WatchEvent> {
    return watchLog(
      {
        check: (rev) => this.checkRevision(rev),
        entriesAfter: (rev) => this.guard(() => loadLogAfter(this.db, rev)),
        waitForCommit: (ms, signal) => sleep(Math.min(ms, this.pollMs), signal),
        isClosed: () => this.closed,
      },
      afterRevision,
      opts,
    );
  }

  gc(opts: { now?: number } = {}): Promise<{ tuplesRemoved: number; revisionsRemoved: number }> {
    const now = opts.now ?? this.clock();
    return this.guard(() => collectGarbage(this.db, now - this.gcWindowMs));
  }

  readSchema(rev?: Revision): Promise<StoredSchema | undefined> {
    return this.guard(async () => {
      const [row] = await this.db
        .select()
        .from(schemas)
        .where(rev === undefined ? undefined : lte(schemas.revision, rev))
        .orderBy(desc(schemas.revision))
        .limit(1);
      if (!row) return undefined;
      return { revision: row.revision, text: row.text, ir: JSON.parse(row.ir) as SchemaIR };
    });
  }

  writeSchema(
    schema: { text: string; ir: SchemaIR },
    opts: { metadata?: TransactionMetadata } = {},
  ): Promise<Revision> {
    return this.guard(() =>
      this.inWriteTx(opts.metadata, async (tx, rev, now) => {
        const [current] = await tx.select().from(schemas).orderBy(desc(schemas.revision)).limit(1);
        const before = current ? (JSON.parse(current.ir) as SchemaIR) : undefined;
        const inUse = [];
        for (const u of findRemovedUsages(before, schema.ir)) {
          const [c] = await tx
            .select({ n: count() })
            .from(tuples)
            .where(and(usageCondition(u), visibleAt(rev - 1, now)));
          if (c && c.n > 0) inUse.push({ ...u, count: Number(c.n) });
        }
        if (inUse.length > 0) throw schemaInUse(inUse);
        await tx.insert(schemas).values({
          revision: rev,
          text: schema.text,
          ir: JSON.stringify(schema.ir),
          hash: schema.ir.hash,
        });
        return rev;
      }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.driver.close();
  }

  // ---- internals ----

  /**
   * Why: PGlite has no autovacuum, so its planner statistics never refresh on their own; with stale
   * statistics a growing table may be read through the wrong index. Refresh them after every
   * `analyzeEvery` written tuples (doubling up to 100k), off the request path. Postgres' autovacuum
   * does this itself.
   */
  private noteWritten(n: number): void {
    if (this.kind !== 'pglite') return;
    this.writtenSinceAnalyze += n;
    if (this.writtenSinceAnalyze < this.analyzeEvery || this.closed) return;
    this.writtenSinceAnalyze = 0;
    this.analyzeEvery = Math.min(this.analyzeEvery * 2, 100_000);
    this.db.execute(sql`ANALYZE clove_tuples`).catch(() => undefined);
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toStoreError(err);
    }
  }

  /**
   * Runs `fn` in a transaction holding the write lock, at revision head + 1, then records the
   * revision (commit time never decreasing, so "older than the window" is a prefix of revisions).
   */
  private inWriteTx<T>(
    metadata: TransactionMetadata | undefined,
    fn: (tx: SqlTx, rev: Revision, now: number) => Promise<T>,
  ): Promise<T> {
    return this.db.transaction(async (tx) => {
      await tx.execute(WRITE_LOCK);
      const [last] = await tx
        .select({ revision: revisions.revision, committedAt: revisions.committedAt })
        .from(revisions)
        .orderBy(desc(revisions.revision))
        .limit(1);
      const rev = (last?.revision ?? 0) + 1;
      const now = this.clock();
      const result = await fn(tx, rev, now);
      await tx.insert(revisions).values({
        revision: rev,
        committedAt: Math.max(now, last?.committedAt ?? now),
        metadata: metadata === undefined ? null : JSON.stringify(metadata),
      });
      return result;
    });
  }

  private async checkGuards(tx: SqlTx, opts: GuardedWriteOptions, head: Revision, now: number) {
    if (opts.expectSchemaHash !== undefined) {
      const [s] = await tx
        .select({ hash: schemas.hash })
        .from(schemas)
        .orderBy(desc(schemas.revision))
        .limit(1);
      if (s?.hash !== opts.expectSchemaHash) throw schemaChanged(opts.expectSchemaHash, s?.hash);
    }
    for (const p of opts.preconditions ?? []) {
      const found = await tx
        .select({ one: tuples.createdRev })
        .from(tuples)
        .where(and(...queryConditions(filterToQuery(p.filter)), visibleAt(head, now)))
        .limit(1);
      if (found.length > 0 !== (p.kind === 'must_match'))
        throw preconditionFailed(p.kind, p.filter);
    }
  }

  /** The engine's hot path: one indexed statement per chunk of ids. */
  private async queryAt(q: TupleQuery, rev: Revision, now: number): Promise<Tuple[]> {
    if (q.resourceIds?.length === 0 || q.subjectIds?.length === 0) return [];
    const ids = q.resourceIds ?? q.subjectIds;
    if (ids && ids.length > IDS_PER_QUERY) {
      const field = q.resourceIds ? 'resourceIds' : 'subjectIds';
      const unique = [...new Set(ids)];
      const out: Tuple[] = [];
      for (let i = 0; i < unique.length; i += IDS_PER_QUERY)
        out.push(
          ...(await this.queryAt({ ...q, [field]: unique.slice(i, i + IDS_PER_QUERY) }, rev, now)),
        );
      return out;
    }
    return this.pointQuery(q, rev, now);
  }

  /** One keyset page in sort-key order (the forward index's column order). */
  private async pageAt(
    conds: SQL[],
    rev: Revision,
    now: number,
    limit: number,
    after: SortKey | undefined,
  ): Promise<{ tuples: Tuple[]; createdRevs: Revision[]; more: boolean }> {
    const keyset =
      after &&
      sql`(${tuples.resourceType}, ${tuples.relation}, ${tuples.resourceId}, ${tuples.subjectType}, ${tuples.subjectId}, ${tuples.subjectRelation})
          > (${after[0]}, ${after[1]}, ${after[2]}, ${after[3]}, ${after[4]}, ${after[5]})`;
    const rows = await this.db
      .select({ ...TUPLE_COLUMNS, createdRev: tuples.createdRev })
      .from(tuples)
      .where(and(...conds, visibleAt(rev, now), keyset))
      .orderBy(...ORDER.map((c) => asc(c)))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    return {
      tuples: page.map(rowToTuple),
      createdRevs: page.map((r) => Number(r.createdRev)),
      more: rows.length > limit,
    };
  }
}

/**
 * A snapshot of the SQL store: its reads at one revision, with expiration judged at `now`.
 *
 * Why a class: a snapshot is made for every request, including the checks the engine's cache
 * answers without reading it, so it must cost next to nothing to make. Prototype methods cost
 * nothing per instance, where an object of four closures cost four allocations, and under tsx
 * (how `clove serve` runs) an `Object.defineProperty` each, which esbuild's `keepNames` adds to
 * name every closure of an object literal (1.6 µs per snapshot in all in process, against 0.08).
 */
class SqlSnapshot implements SnapshotReader {
  constructor(
    private readonly store: SqlStore,
    readonly revision: Revision,
    readonly now: number,
  ) {}

  query(q: TupleQuery): Promise<Tuple[]> {
    return this.store.readAt(q, this.revision, this.now);
  }

  queryOrdered(q: TupleQuery, page: OrderedPage): Promise<Tuple[]> {
    return this.store.readOrderedAt(q, page, this.revision, this.now);
  }

  queryMany(qs: readonly TupleQuery[]): Promise<Tuple[][]> {
    return this.store.readManyAt(qs, this.revision, this.now);
  }

  queryClosure(q: ClosureQuery): Promise<ClosureResult> {
    return this.store.readClosureAt(q, this.revision, this.now);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}
