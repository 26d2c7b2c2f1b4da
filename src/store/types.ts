/**
 * The store contract: tuples and schemas under MVCC revisions. Implementations (memory, PGlite,
 * Postgres) must all pass `test/contract/tuple-store.contract.ts`. The engine only ever sees a
 * `SnapshotReader`; writes are validated against the schema by `service/` before they get here.
 */
import type { Revision, Tuple } from '../model/index.ts';
import type { SchemaIR } from '../schema/ir.ts';

/**
 * Selects tuples. `resourceType` is required so that every query hits an index; every other field
 * narrows. `resourceIds` / `subjectIds` match any of the listed ids (batched reads: many objects per
 * query, never one query per edge). `subjectRelation` "..." selects plain objects.
 */
export interface TupleQuery {
  readonly resourceType: string;
  readonly resourceIds?: readonly string[];
  readonly relation?: string;
  readonly subjectType?: string;
  readonly subjectIds?: readonly string[];
  readonly subjectRelation?: string;
}

/**
 * A consistent view at one revision. Reads never see tuples written after `revision`, nor tuples whose
 * `expiresAt` is at or before `now` (fixed when the reader was created, so one query sees one clock).
 */
export interface SnapshotReader {
  readonly revision: Revision;
  /** Epoch ms used for expiration on every read of this snapshot. */
  readonly now: number;
  /** All matching live tuples, in no particular order. */
  query(q: TupleQuery): Promise<Tuple[]>;
  /**
   * Optional: the same answer as `query`, synchronously. Only in-process stores (memory) offer it;
   * the engine then evaluates without a promise per node. Throws what `query` would reject with.
   */
  querySync?(q: TupleQuery): Tuple[];
  /**
   * Optional ordered, limited read (lookupResources' last hop reads about a page of tuples with it):
   * the tuples `query(q)` would return whose resource id is above `page.afterResourceId`, in
   * ascending resource id order (JS `<`; bytewise `COLLATE "C"` in SQL, the same order for the ASCII
   * ids the model admits), at most `page.limit`; fewer than `limit` means none follow. Order among
   * tuples of one resource id is free. Served by every built-in store (memory, PGlite, Postgres).
   */
  queryOrdered?(q: TupleQuery, page: OrderedPage): Promise<Tuple[]>;
  /**
   * Optional: `qs.map(query)` in one round trip where the store can (PGlite and Postgres answer a
   * whole wave of the engine's reads with one statement). Same visibility and fields as `query`.
   */
  queryMany?(qs: readonly TupleQuery[]): Promise<Tuple[][]>;
  /**
   * Optional recursive read (one round trip on PGlite and Postgres): the tuples of a self-nesting
   * relation below `q.resourceIds`, followed to a fixed point. See `ClosureQuery`.
   */
  queryClosure?(q: ClosureQuery): Promise<ClosureResult>;
}

/**
 * A recursive read of relation `relation` on `resourceType`, from `resourceIds`. Typed (with
 * `subjectRelation`): the tuples whose subject is a `resourceType#subjectRelation` subject set (a
 * group's nested groups), followed through their subjects. Whole (without): every tuple of the
 * relation (an arrow's tupleset, such as a folder's parents), followed through the subjects whose
 * type is `resourceType` (any subject relation, as arrows ignore it).
 *
 * `direction: 'up'` walks the other way (the lookups' reverse walk): `resourceIds` are then
 * subject ids, each level reads the tuples of the relation whose subject is `resourceType:id`
 * (with `subjectRelation` when typed), and follows their resources: the groups a group is nested
 * in, the folders below a folder. `direct` does not apply upwards.
 */
export interface ClosureQuery {
  readonly resourceType: string;
  readonly relation: string;
  readonly resourceIds: readonly string[];
  readonly subjectRelation?: string;
  /** `down` (default): from resources to their subjects; `up`: from subjects to their resources. */
  readonly direction?: 'down' | 'up';
  /**
   * Whole mode downwards only, another type than `resourceType`: `resourceIds` are of this type,
   * and the first level reads its
   * `relation` (a document's `parent`); the subjects of `resourceType` it names are followed as
   * usual (the folders' own `parent` chain). `expanded` then lists only `resourceType` ids.
   */
  readonly startType?: string;
  /**
   * Whole mode downwards only: reads to answer on every expanded `resourceType` id as well (a
   * folder's `viewer`, `editor`, `owner` for the checked subject, the next thing a check asks of
   * each folder), returned in `ClosureResult.also` in the same order.
   */
  readonly also?: readonly ClosureAlsoRead[];
  /**
   * With `startType` only: reads to answer on the start ids themselves (`startType` objects: a
   * document's own `viewer`, `owner`, … for the checked subject), returned in `ClosureResult.start`
   * in the same order, so the start object's reads travel in the same store call as its chain.
   */
  readonly startReads?: readonly ClosureAlsoRead[];
  /**
   * Also return, in `ClosureResult.direct`, the relation's tuples on every expanded id whose
   * subject is one of these (the checked subject: is it directly in any nested group?).
   */
  readonly direct?: {
    readonly subjectType: string;
    readonly subjectIds: readonly string[];
    readonly subjectRelation: string;
  };
  /**
   * Upwards only: by-subject reads to answer on every expanded id as well, returned in
   * `ClosureResult.up` in the same order. Read `r` is `query({ resourceType: r.resourceType,
   * relation: r.relation, subjectType: q.resourceType, subjectIds: expanded, subjectRelation:
   * r.subjectRelation })` (any subject relation when absent): what the lookups' reverse walk asks
   * next of the ids a nesting reached (the folders granting to every group found, the documents in
   * every folder of a subtree), in the same store call as the nesting.
   */
  readonly upReads?: readonly ClosureUpRead[];
  /**
   * Upwards only: `resourceIds` are ids of subjects `type:id#relation` (any subject relation when
   * `relation` is absent) instead of `resourceType` ids. The first level is
   * `query({ resourceType, relation, subjectType: type, subjectIds: resourceIds, subjectRelation })`
   * (a user's groups), and the closure goes on upwards from the resources it finds, as from ids
   * given without a start subject (the groups those are nested in). `expanded` then lists only the
   * `resourceType` ids found, and `tuples` holds the first level's tuples too. Why: the lookups'
   * reverse walk starts at a user, and its groups and their nesting become one store call.
   */
  readonly startSubject?: { readonly type: string; readonly relation?: string };
}

/** One by-subject read of an upward closure on its expanded ids (see `ClosureQuery.upReads`). */
export interface ClosureUpRead {
  readonly resourceType: string;
  readonly relation: string;
  readonly subjectRelation?: string;
}

/** One extra read of a closure: relation `relation` with this subject filter (any id when no ids). */
export interface ClosureAlsoRead {
  readonly relation: string;
  readonly subjectType: string;
  readonly subjectIds?: readonly string[];
  readonly subjectRelation: string;
}

/**
 * `expanded`: `resourceIds` plus every id followed (each once, so cycles end). `tuples`: exactly
 * what `query` returns for the level read (`closureLevelQuery`) over all expanded ids, so it is the
 * complete answer of that read for each expanded id, including the ids it returns nothing for.
 */
export interface ClosureResult {
  readonly expanded: readonly string[];
  readonly tuples: Tuple[];
  /** With `ClosureQuery.direct`: exactly what `query` returns for it over all expanded ids. */
  readonly direct?: Tuple[];
  /** With `ClosureQuery.also`: per read, exactly what `query` returns for it over all expanded ids. */
  readonly also?: Tuple[][];
  /** With `ClosureQuery.startReads`: per read, exactly what `query` returns for it on the start ids. */
  readonly start?: Tuple[][];
  /** With `ClosureQuery.upReads`: per read, exactly what `query` returns for it over all expanded ids. */
  readonly up?: Tuple[][];
  /**
   * True when the closure was read from `ClosureQuery.startSubject`. A reader that does not know
   * that field answers as if it were absent, and a caller must then not use the answer as one.
   */
  readonly fromSubject?: true;
}

/** One ordered page of a tuple query: tuples with `resource.id > afterResourceId`, at most `limit`. */
export interface OrderedPage {
  readonly afterResourceId?: string;
  readonly limit: number;
}

/** Selects tuples for reads, deletes and preconditions; every field but `resourceType` narrows. */
export interface TupleFilter {
  readonly resourceType: string;
  readonly resourceId?: string;
  readonly relation?: string;
  readonly subjectType?: string;
  readonly subjectId?: string;
  readonly subjectRelation?: string;
}

/** CREATE fails with `tuple_already_exists` if the tuple is live; TOUCH upserts; DELETE is idempotent. */
export interface WriteOp {
  readonly op: 'create' | 'touch' | 'delete';
  readonly tuple: Tuple;
}

/** Checked inside the write's transaction; a failure aborts the whole batch (`precondition_failed`). */
export interface Precondition {
  readonly kind: 'must_match' | 'must_not_match';
  readonly filter: TupleFilter;
}

/** Free-form facts stored with the revision (e.g. `{actor: "user:alice", agent: "..."}`). */
export type TransactionMetadata = Readonly<Record<string, unknown>>;

export interface WriteOptions {
  readonly preconditions?: readonly Precondition[];
  readonly metadata?: TransactionMetadata;
}

export interface ReadOptions {
  readonly revision: Revision;
  readonly limit?: number;
  /** Opaque cursor from a previous page at the same revision. */
  readonly cursor?: string;
}

/**
 * Who wrote a tuple: the revision that created the version read (its last CREATE or TOUCH) and the
 * metadata that transaction carried. `metadata` is absent when the write had none. It is kept as
 * long as a version the revision created is stored, so GC of old revisions does not lose it.
 */
export interface TupleAttribution {
  readonly revision: Revision;
  readonly metadata?: TransactionMetadata;
}

export interface ReadPage {
  readonly tuples: Tuple[];
  /** Parallel to `tuples`: `written[i]` attributes `tuples[i]` (looked up once per page, not per row). */
  readonly written: readonly TupleAttribution[];
  /** Present when more tuples may follow. */
  readonly cursor?: string;
}

export interface DeleteResult {
  readonly revision: Revision;
  readonly deleted: number;
  /** True when `limit` stopped the delete before every match was removed. */
  readonly partial: boolean;
}

export interface TupleChange {
  readonly op: 'touch' | 'delete';
  readonly tuple: Tuple;
}

/** One committed transaction, or a checkpoint saying "nothing new up to `revision`". */
export type WatchEvent =
  | {
      readonly kind: 'changes';
      readonly revision: Revision;
      readonly changes: readonly TupleChange[];
      readonly metadata?: TransactionMetadata;
    }
  | { readonly kind: 'checkpoint'; readonly revision: Revision };

export interface StoredSchema {
  readonly revision: Revision;
  readonly text: string;
  readonly ir: SchemaIR;
}

/**
 * Extra write options: `expectSchemaHash`, when set, makes the write fail with `write_conflict` unless the
 * schema in effect at commit time has that hash. The service passes the hash of the schema it validated
 * the batch against, so a concurrent schema change can never let an unvalidated tuple in.
 */
export interface GuardedWriteOptions extends WriteOptions {
  readonly expectSchemaHash?: string;
}

/** Tunables shared by every backend. */
export interface StoreOptions {
  /** How long deleted rows and old revisions stay readable (default 24 h). */
  readonly gcWindowMs?: number;
  /** Most operations accepted in one `write` (default 1000); above it `batch_too_large`. */
  readonly maxBatchSize?: number;
  /** Wall clock in epoch ms (tests inject one to exercise GC and expiration). */
  readonly clock?: () => number;
  /** How often SQL backends poll for new revisions while watching (default 100 ms). */
  readonly watchPollMs?: number;
  /**
   * Apply pending migrations on open. Default: true for PGlite (the embedded default migrates
   * itself), false for Postgres (run `clove migrate`; opening an unmigrated database fails clearly).
   */
  readonly autoMigrate?: boolean;
  /** Postgres connection pool size (default 10). */
  readonly maxConnections?: number;
}

/** One tuple shape that a schema change would stop admitting, with the live tuples that still use it. */
export interface SchemaUsage {
  readonly resourceType: string;
  readonly relation: string;
  /** Absent: every tuple of the relation (the relation or its definition is removed). */
  readonly subject?: {
    readonly type: string;
    /** "..." for plain objects, else the subject relation; ignored when `wildcard`. */
    readonly relation: string;
    readonly wildcard: boolean;
    /** Caveat name, or null for uncaveated tuples. */
    readonly caveat: string | null;
    /** True: only tuples carrying an expiration; false: only tuples without one. */
    readonly expiration: boolean;
  };
}

/** A usage with the number of live tuples (at head, unexpired) that still have that shape. */
export interface SchemaUsageCount extends SchemaUsage {
  readonly count: number;
}

/**
 * The one storage interface: tuples and schemas under MVCC revisions. Every backend (memory, PGlite,
 * Postgres) passes `test/contract/tuple-store.contract.ts`.
 *
 * Contract callers rely on:
 * - Revisions are integers, totally ordered in commit order: once `headRevision()` returned R, no write
 *   can later commit at a revision <= R, so a snapshot at R never changes.
 * - `snapshot(rev)` does not check `rev`; call `checkRevision` first (`revision_expired` when older than
 *   the GC window, `invalid_zookie` when newer than head).
 * - Every mutation (write, deleteByFilter, bulkImport, writeSchema) is atomic and gets one new revision.
 * - Expired tuples (`expiresAt <= now`) are invisible to every read and do not block CREATE.
 */
export interface TupleStore {
  readonly kind: 'memory' | 'pglite' | 'postgres';
  /** Stable identity persisted in the store (random uuid on first initialisation). */
  readonly storeId: string;
  /** The newest committed revision. */
  headRevision(): Promise<Revision>;
  /** Throws ConsistencyError `revision_expired` (older than the GC window) or `invalid_zookie` (future). */
  checkRevision(rev: Revision): Promise<void>;
  /** A reader pinned at `rev`; `now` (default: the store clock) decides expiration for all its reads. */
  snapshot(rev: Revision, opts?: { now?: number }): SnapshotReader;
  /** Applies the batch atomically; `batch_too_large`, `duplicate_tuple_in_batch`, `tuple_already_exists`, `precondition_failed`. */
  write(ops: readonly WriteOp[], opts?: GuardedWriteOptions): Promise<Revision>;
  /** Deletes live matches at head; with `limit`, at most that many and `partial` when more remained. */
  deleteByFilter(
    filter: TupleFilter,
    opts?: { limit?: number } & GuardedWriteOptions,
  ): Promise<DeleteResult>;
  /** One page of live matches at `opts.revision`, in a stable order; `invalid_cursor` on a bad cursor. */
  read(filter: TupleFilter, opts: ReadOptions): Promise<ReadPage>;
  /** Creates many tuples in one revision (CREATE semantics), reporting progress per batch. */
  bulkImport(
    tuples: AsyncIterable<Tuple> | Iterable<Tuple>,
    opts?: {
      batchSize?: number;
      onProgress?: (imported: number) => void;
      metadata?: TransactionMetadata;
    },
  ): Promise<{ revision: Revision; imported: number }>;
  /** Every live tuple at `revision`, streamed in pages. */
  exportTuples(opts: { revision: Revision }): AsyncIterable<Tuple>;
  /**
   * Changes committed after `afterRevision`, in revision order, one event per transaction that changed
   * tuples, plus a checkpoint after `checkpointIntervalMs` (default 1000) of idleness. Ends when
   * `signal` aborts. Throws `revision_expired` if the start (or a slow consumer) falls out of the window.
   */
  watch(
    afterRevision: Revision,
    opts?: { signal?: AbortSignal; checkpointIntervalMs?: number },
  ): AsyncIterable<WatchEvent>;
  /** Removes rows deleted (or expired) longer ago than the GC window, and revisions no snapshot may use. */
  gc(opts?: { now?: number }): Promise<{ tuplesRemoved: number; revisionsRemoved: number }>;
  /** The schema in effect at `rev` (default head), or undefined before the first schema write. */
  readSchema(rev?: Revision): Promise<StoredSchema | undefined>;
  /** Stores a schema at a new revision; refuses with `schema_in_use` (usages + counts) if it would orphan tuples. */
  writeSchema(
    schema: { text: string; ir: SchemaIR },
    opts?: { metadata?: TransactionMetadata },
  ): Promise<Revision>;
  close(): Promise<void>;
}
