/**
 * Inputs and outputs of the service use cases, shared by the HTTP API and the CLI. Every result that
 * was read or written at a revision carries the zookie of that revision, so callers can ask later
 * reads to be at least as fresh.
 */
import type { Consistency } from '../consistency/index.ts';
import type { ObjectRef, SubjectRef, Tuple } from '../model/index.ts';
import type {
  Precondition,
  TransactionMetadata,
  TupleAttribution,
  TupleFilter,
  WriteOp,
} from '../store/types.ts';

/** How fresh the data behind a read must be (SpiceDB's four modes; zookies in place of ZedTokens). */
export type ConsistencyRequest = Consistency;

/** Options common to every read: freshness, cancellation and the epoch-ms deadline. */
export interface CallOptions {
  readonly consistency?: ConsistencyRequest;
  readonly signal?: AbortSignal;
  readonly deadline?: number;
  /** API key id of the caller, recorded in the decision log (the API sets it; absent in-process). */
  readonly caller?: string;
}

/** Caveat context given with a request (JSON values). */
export type RequestContext = Readonly<Record<string, unknown>>;

/** One permission or relation question. */
export interface CheckInput {
  readonly resource: ObjectRef;
  readonly permission: string;
  readonly subject: SubjectRef;
  readonly context?: RequestContext;
}

/** A check's answer; `missingContext` lists the caveat parameters a conditional answer needs. */
export interface CheckAnswer {
  readonly permissionship: 'has_permission' | 'no_permission' | 'conditional_permission';
  readonly missingContext?: readonly string[];
  /** With `explain`: the proof tree and its human-readable rendering. */
  readonly explanation?: { readonly proof: unknown; readonly text: string };
}

/** A bulk check item's answer: the check's answer or the error it failed with. */
export type BulkCheckAnswer =
  | { readonly ok: true; readonly answer: CheckAnswer }
  | { readonly ok: false; readonly error: { code: string; message: string; details?: unknown } };

/** A tuple written or deleted, as the write use case takes it (already parsed). */
export type { Precondition, TransactionMetadata, TupleFilter, WriteOp };

export interface Zookied {
  /** The revision this result was read or written at, as an opaque token. */
  readonly zookie: string;
}

export interface SchemaReadResult extends Zookied {
  readonly text: string;
  readonly hash: string;
}

export interface SchemaWriteResult extends Zookied {
  readonly hash: string;
  /** True when nothing was stored (dry run); `zookie` is then the current head. */
  readonly dryRun: boolean;
}

/** One tuple, who wrote it (revision and transaction metadata), and the cursor that resumes a read right after it. */
export interface TupleWithCursor {
  readonly tuple: Tuple;
  readonly written: TupleAttribution;
  readonly cursor: string;
}

export interface DeleteOutcome extends Zookied {
  readonly deleted: number;
  /** True when `limit` stopped the delete (only with `allowPartial`). */
  readonly partial: boolean;
}

/** One resource found by a lookup, with the cursor that resumes after it. */
export interface ResourceFound {
  readonly resourceId: string;
  readonly permissionship: 'has_permission' | 'conditional_permission';
  readonly missingContext?: readonly string[];
  readonly cursor?: string;
}

/** One subject found by a lookup; `*` means every subject of the type except `excluded`. */
export interface SubjectFound {
  readonly subjectId: string;
  readonly permissionship: 'has_permission' | 'conditional_permission';
  readonly missingContext?: readonly string[];
  readonly excluded?: readonly {
    subjectId: string;
    permissionship: 'has_permission' | 'conditional_permission';
  }[];
}

/** The permissions and relations a subject has on a resource. */
export interface PermissionOf {
  readonly name: string;
  readonly kind: 'relation' | 'permission';
  readonly permissionship: 'has_permission' | 'conditional_permission';
  readonly missingContext?: readonly string[];
}

/** A tuple change as watch delivers it. */
export interface WatchChange {
  readonly op: 'touch' | 'delete';
  readonly tuple: Tuple;
}

/** One watch message: a committed transaction, or a checkpoint ("nothing new through zookie"). */
export interface WatchMessage extends Zookied {
  readonly changes: readonly WatchChange[];
  readonly metadata?: TransactionMetadata;
  readonly checkpoint: boolean;
}
