/**
 * The engine's public contract: inputs, results and the `Engine` interface that the service layer,
 * lookups, the validation runner and the differential tests code against.
 */
import type { AppError } from '../errors.ts';
import type { ObjectRef, SubjectRef, Tuple } from '../model/index.ts';
import type { SchemaIR } from '../schema/ir.ts';
import type { ReadCache, ReadCacheStats } from './read-cache.ts';
import type { SnapshotReader } from '../store/types.ts';
import type { Proof } from './proof.ts';

/**
 * Everything one evaluation reads: the snapshot (revision + expiration clock), the compiled schema,
 * and optional cancellation (`signal`, or `deadline` in epoch ms → `deadline_exceeded`).
 */
export interface EvalContext {
  readonly reader: SnapshotReader;
  readonly schema: SchemaIR;
  readonly signal?: AbortSignal;
  readonly deadline?: number;
}

/** May `subject` have `permission` (or relation) on `resource`? `context` feeds caveats. */
export interface CheckRequest {
  readonly resource: ObjectRef;
  readonly permission: string;
  readonly subject: SubjectRef;
  readonly context?: Readonly<Record<string, unknown>>;
  /** Return the proof (never served from cache). */
  readonly explain?: boolean;
}

export type Permissionship = 'allowed' | 'denied' | 'conditional';

/** `missingParams` (sorted) is present when conditional; `proof` only when `explain` was asked. */
export interface CheckResult {
  readonly permissionship: Permissionship;
  readonly missingParams?: string[];
  readonly proof?: Proof;
}

/** One bulk item: a result, or the error of that item alone (the batch never fails as a whole). */
export type BulkCheckItem =
  | { readonly ok: true; readonly result: CheckResult }
  | { readonly ok: false; readonly error: AppError };

export interface ExpandRequest {
  readonly resource: ObjectRef;
  readonly permission: string;
  /** Levels of subject sets to expand below the root (default: the engine's maxDepth). */
  readonly maxDepth?: number;
}

/** A subject found in a leaf of an expand tree, with its caveat when the tuple carried one. */
export interface ExpandSubject {
  readonly subject: SubjectRef;
  readonly caveat?: Tuple['caveat'];
  readonly expiresAt?: number;
}

/**
 * The userset tree of `resource#name`: operator nodes mirror the schema expression; `leaf` holds the
 * subjects stored directly on a relation (subject sets among them are expanded in `children` unless
 * the depth ran out); `arrow` holds one child tree per walked subject object.
 */
export type ExpandNode =
  | {
      readonly kind: 'leaf';
      readonly resource: ObjectRef;
      readonly name: string;
      readonly subjects: readonly ExpandSubject[];
      /** Expansions of the subject sets among `subjects` (absent when the depth ran out). */
      readonly children: readonly ExpandNode[];
    }
  | {
      readonly kind: 'union' | 'intersection';
      readonly resource: ObjectRef;
      readonly name: string;
      readonly children: readonly ExpandNode[];
    }
  | {
      readonly kind: 'exclusion';
      readonly resource: ObjectRef;
      readonly name: string;
      readonly base: ExpandNode;
      readonly subtract: ExpandNode;
    }
  | {
      readonly kind: 'arrow';
      readonly resource: ObjectRef;
      readonly name: string;
      readonly mode: 'any' | 'all';
      readonly tupleset: string;
      readonly computed: string;
      /** One entry per walked tuple: the tuple and the tree of `computed` on its subject object. */
      readonly children: readonly { readonly tuple: Tuple; readonly tree: ExpandNode | null }[];
    }
  | { readonly kind: 'nil' | 'self'; readonly resource: ObjectRef; readonly name: string };

/** The check engine. One instance is shared by all requests; it is safe to call concurrently. */
export interface Engine {
  /** Throws `unknown_definition`, `unknown_relation`, `wildcard_subject_not_allowed`, `max_depth_exceeded`, caveat and store errors. */
  check(ctx: EvalContext, req: CheckRequest): Promise<CheckResult>;
  /** Up to 10,000 items at one snapshot with a shared sub-problem cache; errors are per item. */
  bulkCheck(ctx: EvalContext, reqs: readonly CheckRequest[]): Promise<BulkCheckItem[]>;
  expand(ctx: EvalContext, req: ExpandRequest): Promise<ExpandNode>;
  /**
   * Cache counters since creation and what the cache holds now: entries and their estimated heap
   * bytes (all zero when the cache is off).
   */
  stats(): {
    hits: number;
    misses: number;
    entries: number;
    bytes: number;
    /** The read cache of the lookups' walks on networked stores (absent when the cache is off). */
    reads?: ReadCacheStats;
  };
  /**
   * Per-id store reads shared by the lookups' walks across requests at one revision (present when
   * the cache is on; used on networked readers only). See read-cache.ts.
   */
  readonly reads?: ReadCache;
}

export interface EngineOptions {
  /** Dispatch depth budget per check (default 50). */
  readonly maxDepth?: number;
  /**
   * `false` disables the cross-request cache. Otherwise it holds at most `maxBytes` estimated heap
   * bytes (default 256 MiB, or a quarter of V8's heap limit when that is smaller) and, when given,
   * at most `maxEntries` entries; the least recently used entries go first.
   */
  readonly cache?:
    | false
    | {
        readonly maxEntries?: number;
        readonly maxBytes?: number;
        /** Bytes of the lookups' read cache (default a quarter of `maxBytes`' default or value). */
        readonly maxReadBytes?: number;
      };
  /**
   * Also issue every read a permission node can reach on its resource before evaluating it
   * (default false: concurrent operands already put those reads in flight together).
   */
  readonly prefetch?: boolean;
  /**
   * How `+ & -` operands run: `concurrent` (reads of all operands batch: about one store round trip
   * per object level), `sequential` (left to right with short-circuit: least work when reads are
   * in-process), or `auto` (default): sequential while measured store reads average under 50 µs.
   */
  readonly operands?: 'auto' | 'concurrent' | 'sequential';
}
