/**
 * Backend-independent helpers: filter matching, batch checks, cursors and the revision window. The
 * memory store uses all of them; the SQL stores share the batch checks, cursors and window rules so
 * that every backend answers the contract identically.
 */
import { AppError, ConsistencyError } from '../../errors.ts';
import { type Revision, type Tuple, tupleKey, WILDCARD } from '../../model/index.ts';
import type { SchemaUsage, TupleFilter, TupleQuery, WriteOp } from '../types.ts';
import { batchTooLarge, duplicateInBatch } from './errors.ts';

/** True when `t` satisfies every field the filter sets. */
export function matchesFilter(t: Tuple, f: TupleFilter): boolean {
  return (
    t.resource.type === f.resourceType &&
    (f.resourceId === undefined || t.resource.id === f.resourceId) &&
    (f.relation === undefined || t.relation === f.relation) &&
    (f.subjectType === undefined || t.subject.type === f.subjectType) &&
    (f.subjectId === undefined || t.subject.id === f.subjectId) &&
    (f.subjectRelation === undefined || t.subject.relation === f.subjectRelation)
  );
}

/** The equivalent batched query of a filter (single ids become one-element lists). */
export function filterToQuery(f: TupleFilter): TupleQuery {
  return {
    resourceType: f.resourceType,
    ...(f.resourceId !== undefined && { resourceIds: [f.resourceId] }),
    ...(f.relation !== undefined && { relation: f.relation }),
    ...(f.subjectType !== undefined && { subjectType: f.subjectType }),
    ...(f.subjectId !== undefined && { subjectIds: [f.subjectId] }),
    ...(f.subjectRelation !== undefined && { subjectRelation: f.subjectRelation }),
  };
}

/** True when the tuple has exactly the shape a schema usage describes. */
export function matchesUsage(t: Tuple, u: SchemaUsage): boolean {
  if (t.resource.type !== u.resourceType || t.relation !== u.relation) return false;
  const s = u.subject;
  if (!s) return true;
  if (t.subject.type !== s.type) return false;
  if (s.wildcard ? t.subject.id !== WILDCARD : t.subject.id === WILDCARD) return false;
  if (!s.wildcard && t.subject.relation !== s.relation) return false;
  if ((t.caveat?.name ?? null) !== s.caveat) return false;
  return (t.expiresAt !== undefined) === s.expiration;
}

/**
 * Rejects oversized batches and tuples listed twice (SpiceDB refuses both), before any backend work.
 * Duplicates compare by identity (resource, relation, subject), ignoring caveat and expiration.
 */
export function assertValidBatch(ops: readonly WriteOp[], maxBatchSize: number): void {
  if (ops.length > maxBatchSize) throw batchTooLarge(ops.length, maxBatchSize);
  const seen = new Set<string>();
  for (const op of ops) {
    const key = tupleKey(op.tuple);
    if (seen.has(key)) throw duplicateInBatch(op.tuple);
    seen.add(key);
  }
}

/** Sort key of a tuple for paginated reads: (type, relation, id, subject type, subject id, subject relation). */
export type SortKey = readonly [string, string, string, string, string, string];

export function sortKeyOf(t: Tuple): SortKey {
  return [
    t.resource.type,
    t.relation,
    t.resource.id,
    t.subject.type,
    t.subject.id,
    t.subject.relation,
  ];
}

/** Lexicographic comparison of sort keys by UTF-16 code units (the memory store's order). */
export function compareSortKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < 6; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Read cursors are opaque base64url JSON `{r, k}`: the snapshot revision and the last key returned.
 * Binding the revision in means a cursor can't silently continue a page at another snapshot.
 */
export function encodeCursor(revision: Revision, key: SortKey): string {
  return Buffer.from(JSON.stringify({ r: revision, k: key })).toString('base64url');
}

/** Decodes a cursor made by `encodeCursor` at `revision`, or throws `invalid_cursor`. */
export function decodeCursor(cursor: string, revision: Revision): SortKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const p = parsed as { r?: unknown; k?: unknown } | undefined;
  const ok =
    p !== null &&
    typeof p === 'object' &&
    Array.isArray(p.k) &&
    p.k.length === 6 &&
    p.k.every((x) => typeof x === 'string');
  if (!ok) throw new ConsistencyError('invalid_cursor', 'malformed read cursor');
  if (p.r !== revision)
    throw new ConsistencyError(
      'invalid_cursor',
      `read cursor belongs to revision ${String(p.r)}, not ${revision}`,
      { details: { cursorRevision: p.r, revision } },
    );
  return p.k as unknown as SortKey;
}

/** Validates a page limit (default 1000, max 10 000). */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return 1000;
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw new AppError('invalid_request', `page limit must be 1..10000, got ${limit}`);
  return limit;
}
