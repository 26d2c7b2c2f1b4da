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

export interface ReadPage {
  readonly tuples: Tuple[];
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
