/**
 * Request and result shapes of the three reverse queries, and the narrow view of the check engine
 * they need. The engine is seen structurally (`LookupEngine`) so that lookups depend on the contract
 * of `check`, not on how it is built; `createEngine(...)` satisfies it.
 */
import type { ObjectRef, SubjectRef } from '../../model/index.ts';
import type { OrderedPage, SnapshotReader } from '../../store/types.ts';
import type { ReadCache } from '../read-cache.ts';
import type { BulkCheckItem, CheckRequest, CheckResult, EvalContext } from '../types.ts';

export type { CheckRequest, CheckResult };

/** Caveat context supplied with a request (JSON values; stored tuple context wins on conflicts). */
export type RequestContext = Readonly<Record<string, unknown>>;

/**
 * Everything a query evaluates against: one snapshot, its schema, and the request's time budget (the
 * engine's `EvalContext`). `deadline` (epoch ms) and `signal` end a lookup early with an explicit
 * `truncated: { reason: 'deadline' }`, never silently.
 */
export type LookupContext = EvalContext;

/**
 * The part of the check engine lookups rely on (`createEngine()` satisfies it). Contract: `check`
 * answers at `ctx.reader`'s snapshot with SpiceDB semantics (identity rule, wildcards, caveats,
 * expiration); a lookup confirms every candidate that a plain union path cannot prove with it, so
 * lookups agree with check by construction. `bulkCheck`, when present, is used for those batches.
 */
export interface LookupEngine {
  check(ctx: EvalContext, req: CheckRequest): Promise<CheckResult>;
  bulkCheck?(ctx: EvalContext, reqs: readonly CheckRequest[]): Promise<BulkCheckItem[]>;
  /** The engine's read cache, when it has one: the walks' reads go through it (cached-reads.ts). */
  readonly reads?: ReadCache;
}

/** One resource found by lookupResources. */
export interface LookupResult {
  readonly resourceId: string;
  readonly permissionship: 'allowed' | 'conditional';
  readonly missingParams?: readonly string[];
}

/** Why an answer is incomplete; absent means the answer is complete. */
export interface Truncation {
  readonly reason: 'limit' | 'deadline';
}

/** lookupResources input. `limit` ≤ 0 or absent means no limit; `cursor` comes from a previous page. */
export interface LookupResourcesRequest {
  readonly resourceType: string;
  readonly permission: string;
  readonly subject: SubjectRef;
  readonly context?: RequestContext;
  readonly limit?: number;
  readonly cursor?: string;
}

/**
 * One page: results in ascending `resourceId` order. `cursor` is present exactly when `truncated`
 * is: pass it back (at the same revision) to continue after the last result returned.
 */
export interface LookupResourcesResponse {
  readonly results: LookupResult[];
  readonly cursor?: string;
  readonly truncated?: Truncation;
}

/** The summary a streamed lookupResources returns when it ends (generator return value). */
export interface LookupStreamSummary {
  readonly cursor?: string;
  readonly truncated?: Truncation;
}

/** lookupSubjects input. `subjectRelation` defaults to "..." (plain objects). */
export interface LookupSubjectsRequest {
  readonly resource: ObjectRef;
  readonly permission: string;
  readonly subjectType: string;
  readonly subjectRelation?: string;
  readonly context?: RequestContext;
  readonly limit?: number;
}

/** A subject excluded from a wildcard result: `allowed` = surely excluded, `conditional` = maybe. */
export interface ExcludedSubject {
  readonly subjectId: string;
  readonly permissionship: 'allowed' | 'conditional';
}

/**
 * One subject found by lookupSubjects. `subjectId` may be "*": every subject of the type, minus
 * `excludedSubjects`. A subject listed by id is decided by its own entry, never by the wildcard's.
 */
export interface SubjectResult {
  readonly subjectId: string;
  readonly permissionship: 'allowed' | 'conditional';
  readonly missingParams?: readonly string[];
  readonly excludedSubjects?: ExcludedSubject[];
}

/** lookupSubjects output in ascending `subjectId` order ("*" sorts first). */
export interface LookupSubjectsResponse {
  readonly subjects: SubjectResult[];
  readonly truncated?: Truncation;
}

/** permissionsOf input: which relations and permissions `subject` has on `resource`. */
export interface PermissionsOfRequest {
  readonly resource: ObjectRef;
  readonly subject: SubjectRef;
  readonly context?: RequestContext;
}

export type { OrderedPage };

/**
 * A reader that serves the optional ordered, limited reads of `SnapshotReader.queryOrdered` (see
 * store/types.ts for the contract): lookupResources then reads only a page's worth of tuples on its
 * last hop. A reader without it gets the same answers (the walk reads every tuple of the last hop
 * and keeps a bounded heap).
 */
export type OrderedSnapshotReader = SnapshotReader & Required<Pick<SnapshotReader, 'queryOrdered'>>;

/** True when `reader` serves ordered, limited queries (see OrderedSnapshotReader). */
export function hasOrderedQuery(reader: SnapshotReader): reader is OrderedSnapshotReader {
  return typeof reader.queryOrdered === 'function';
}
