/**
 * `createClove`: the use cases shared by the HTTP API and the CLI. Each read resolves its
 * consistency to one revision, evaluates against the schema in effect there, and returns that
 * revision's zookie; each write validates against the current schema, commits, and returns the
 * zookie of the new revision (so a later read "at least as fresh" sees it: the new-enemy guarantee).
 */
import { AppError } from '../errors.ts';
import type { ObjectRef, Revision, SubjectRef, Tuple } from '../model/index.ts';
import type {
  Precondition,
  TransactionMetadata,
  TupleFilter,
  TupleStore,
  WriteOp,
} from '../store/index.ts';
import { createEngine, type Engine, type ExpandNode } from '../engine/index.ts';
import type { DecisionLog } from './decision-log.ts';
import type { CloveMetrics } from './metrics.ts';
import { rememberHeadRevision } from './head-cache.ts';
import { createPermissionUseCases } from './permissions.ts';
import { createReadContexts, type RevisionResolver } from './read-context.ts';
import { createSchemaUseCases } from './schema.ts';
import { instrumentStore } from './store-metrics.ts';
import { createTupleUseCases } from './tuples.ts';
import type {
  BulkCheckAnswer,
  CallOptions,
  CheckAnswer,
  CheckInput,
  DeleteOutcome,
  PermissionOf,
  RequestContext,
  ResourceFound,
  SchemaReadResult,
  SchemaWriteResult,
  SubjectFound,
  TupleWithCursor,
  WatchMessage,
  Zookied,
} from './types.ts';
import { createWatchUseCase } from './watch.ts';
import { createZookies } from './zookies.ts';

/** Limits the service enforces itself (the API adds body-size and deadline limits). */
export interface ServiceLimits {
  /** Default and maximum page size for reads (default 1000). */
  readonly maxReadLimit?: number;
}

export interface CreateCloveOptions {
  readonly store: TupleStore;
  /** Defaults to `createEngine({})` (cache on). */
  readonly engine?: Engine;
  /** Revision quantization for `minimize_latency` in ms (default 5000; 0 = always head). */
  readonly quantumMs?: number;
  readonly limits?: ServiceLimits;
  /** When given, store latency and check outcomes are recorded here. */
  readonly metrics?: CloveMetrics;
  /** Overrides how consistency resolves to a revision (tests). */
  readonly resolveRevision?: RevisionResolver;
  /** When given, every sampled decision is logged there; `close` flushes and closes it. */
  readonly decisionLog?: DecisionLog;
}

/** The Clove use cases. Every method throws AppError only. */
export interface Clove {
  readonly storeId: string;
  readonly storeKind: TupleStore['kind'];
  readonly engine: Engine;

  /** Compiles and stores the schema (`dryRun`: validates, including the orphaned-tuples check). */
  writeSchema(
    text: string,
    opts?: { dryRun?: boolean; metadata?: TransactionMetadata },
  ): Promise<SchemaWriteResult>;
  /** The schema at the resolved revision; `schema_not_found` before the first write. */
  readSchema(opts?: CallOptions): Promise<SchemaReadResult>;

  /** Validates every op against the current schema, then commits them atomically. */
  writeTuples(
    ops: readonly WriteOp[],
    opts?: { preconditions?: readonly Precondition[]; metadata?: TransactionMetadata },
  ): Promise<Zookied>;
  /** Streams matching tuples at one revision; each carries a cursor resuming right after it. */
  readTuples(
    filter: TupleFilter,
    opts?: CallOptions & { limit?: number; cursor?: string },
  ): Promise<Zookied & { items: AsyncIterable<TupleWithCursor> }>;
  /** Deletes matches at head. With `limit` and without `allowPartial`, more matches → `limit_exceeded`. */
  deleteTuples(
    filter: TupleFilter,
    opts?: {
      limit?: number;
      allowPartial?: boolean;
      preconditions?: readonly Precondition[];
      metadata?: TransactionMetadata;
    },
  ): Promise<DeleteOutcome>;
  /** Creates every tuple in one revision after validating each; `onProgress` gets running totals. */
  importTuples(
    source: AsyncIterable<Tuple> | Iterable<Tuple>,
    opts?: { onProgress?: (imported: number) => void; metadata?: TransactionMetadata },
  ): Promise<Zookied & { imported: number }>;
  /** Every live tuple at the resolved revision. */
  exportTuples(opts?: CallOptions): Promise<Zookied & { tuples: AsyncIterable<Tuple> }>;

  check(
    req: CheckInput,
    opts?: CallOptions & { explain?: boolean },
  ): Promise<Zookied & { answer: CheckAnswer }>;
  /** One revision for all items; each item has its own answer or error. */
  bulkCheck(
    items: readonly CheckInput[],
    opts?: CallOptions,
  ): Promise<Zookied & { answers: BulkCheckAnswer[] }>;
  expand(
    resource: ObjectRef,
    permission: string,
    opts?: CallOptions,
  ): Promise<Zookied & { tree: ExpandNode }>;
  /** Resources of a type the subject can reach, in id order, streamed. */
  lookupResources(
    req: {
      resourceType: string;
      permission: string;
      subject: SubjectRef;
      context?: RequestContext;
      limit?: number;
      cursor?: string;
    },
    opts?: CallOptions,
  ): Promise<Zookied & { results: AsyncIterable<ResourceFound> }>;
  /**
   * Subjects that have the permission on a resource, in id order (`*` first). `truncated` is
   * present exactly when `limit` cut the list (more subjects exist); a deadline throws instead.
   */
  lookupSubjects(
    req: {
      resource: ObjectRef;
      permission: string;
      subjectType: string;
      subjectRelation?: string;
      context?: RequestContext;
      limit?: number;
    },
    opts?: CallOptions,
  ): Promise<Zookied & { subjects: SubjectFound[]; truncated?: { reason: 'limit' } }>;
  /** Every relation and permission `subject` has on `resource` (denied ones are left out). */
  permissionsOf(
    req: { resource: ObjectRef; subject: SubjectRef; context?: RequestContext },
    opts?: CallOptions,
  ): Promise<Zookied & { permissions: PermissionOf[] }>;

  /** Changes after `afterZookie` (default: now) until `signal` aborts, with idle checkpoints. */
  watch(opts: {
    afterZookie?: string;
    signal?: AbortSignal;
    checkpointIntervalMs?: number;
  }): Promise<AsyncIterable<WatchMessage>>;

  /** Whether the store answers (for `/readyz`); `detail` names the store kind. */
  ready(): Promise<{ ok: boolean; detail: string }>;
  /** The current head revision's zookie. */
  headZookie(): Promise<string>;
  close(): Promise<void>;
}

/** Builds the service over a store. The engine is shared by all calls (its cache is safe to share). */
export function createClove(opts: CreateCloveOptions): Clove {
  const measured = opts.metrics ? instrumentStore(opts.store, opts.metrics) : opts.store;
  const store = rememberHeadRevision(measured);
  const engine = opts.engine ?? createEngine({});
  const zookies = createZookies(store, opts.quantumMs ?? 5000);
  const resolve = opts.resolveRevision ?? zookies.resolve;
  const reads = createReadContexts(store, resolve, zookies.encode);
  const deps = {
    store,
    engine,
    reads,
    zookies,
    metrics: opts.metrics,
    limits: opts.limits ?? {},
    decisionLog: opts.decisionLog,
  };

  return {
    storeId: store.storeId,
    storeKind: store.kind,
    engine,
    ...createSchemaUseCases(deps),
    ...createTupleUseCases(deps),
    ...createPermissionUseCases(deps),
    ...createWatchUseCase(deps),
    async ready() {
      try {
        // The store itself, not the remembered head: readiness means the store answers now.
        await withTimeout(measured.headRevision(), 2000);
        return { ok: true, detail: store.kind };
      } catch (err) {
        return { ok: false, detail: err instanceof Error ? err.message : String(err) };
      }
    },
    async headZookie() {
      return zookies.encode(await store.headRevision());
    },
    async close() {
      await opts.decisionLog?.close();
      await store.close();
    },
  };
}

/** What the use-case factories share. */
export interface ServiceDeps {
  readonly store: TupleStore;
  readonly engine: Engine;
  readonly reads: ReturnType<typeof createReadContexts>;
  readonly zookies: ReturnType<typeof createZookies>;
  readonly metrics: CloveMetrics | undefined;
  readonly limits: ServiceLimits;
  readonly decisionLog: DecisionLog | undefined;
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new AppError('unavailable', 'store did not answer')), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export type { Revision };
