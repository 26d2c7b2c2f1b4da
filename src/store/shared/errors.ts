/**
 * Constructors for the store's errors, so every backend words the same failure the same way and the
 * contract suite can assert codes and details once.
 */
import { ConsistencyError, StoreError } from '../../errors.ts';
import { formatTuple, type Revision, type Tuple } from '../../model/index.ts';
import type { SchemaUsageCount, TupleFilter } from '../types.ts';

/** Default bounds; `StoreOptions` overrides them. */
export const DEFAULT_GC_WINDOW_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_MAX_BATCH_SIZE = 1000;

export function batchTooLarge(size: number, max: number): StoreError {
  return new StoreError(
    'batch_too_large',
    `write batch has ${size} operations; the limit is ${max}`,
    {
      details: { size, max },
    },
  );
}

export function duplicateInBatch(t: Tuple): StoreError {
  const text = formatTuple(t);
  return new StoreError(
    'duplicate_tuple_in_batch',
    `tuple ${text} appears more than once in the batch`,
    {
      details: { tuple: text },
    },
  );
}

/** A bulk import listed one tuple in two different batches (the SQL path can't name which). */
export function duplicateInImport(): StoreError {
  return new StoreError(
    'duplicate_tuple_in_batch',
    'the import lists the same tuple more than once (in different batches)',
  );
}

export function alreadyExists(t: Tuple): StoreError {
  const text = formatTuple(t);
  return new StoreError('tuple_already_exists', `cannot CREATE tuple ${text}: it already exists`, {
    details: { tuple: text },
  });
}

export function preconditionFailed(kind: string, filter: TupleFilter): StoreError {
  return new StoreError(
    'precondition_failed',
    `precondition ${kind} failed for filter ${JSON.stringify(filter)}`,
    { details: { kind, filter } },
  );
}

export function schemaChanged(expected: string, actual: string | undefined): StoreError {
  return new StoreError(
    'write_conflict',
    'the schema changed while the write was being validated; retry the write',
    { details: { expectedSchemaHash: expected, actualSchemaHash: actual ?? null } },
  );
}

export function revisionExpired(rev: Revision, minValid: Revision): ConsistencyError {
  return new ConsistencyError(
    'revision_expired',
    `revision ${rev} is older than the garbage-collection window (oldest usable: ${minValid}); retry with a newer zookie or fully_consistent`,
    { details: { revision: rev, oldestRevision: minValid } },
  );
}

export function revisionInFuture(rev: Revision, head: Revision): ConsistencyError {
  return new ConsistencyError(
    'invalid_zookie',
    `revision ${rev} is newer than the store's head revision ${head}`,
    { details: { revision: rev, headRevision: head } },
  );
}

export function invalidRevision(rev: unknown): ConsistencyError {
  return new ConsistencyError('invalid_zookie', `not a revision: ${String(rev)}`, {
    details: { revision: String(rev) },
  });
}

/** `schema_in_use`: the message lists every usage still held by tuples, the details carry the counts. */
export function schemaInUse(usages: readonly SchemaUsageCount[]): StoreError {
  const lines = usages.map((u) => `  ${describeUsage(u)}: ${u.count} tuple(s)`);
  return new StoreError(
    'schema_in_use',
    `schema change refused: it would orphan existing tuples; delete them first:\n${lines.join('\n')}`,
    { details: { usages } },
  );
}

/** Human form of a usage: `document#viewer` or `document#viewer@group#member with caveat c`. */
export function describeUsage(u: SchemaUsageCountLike): string {
  const head = `${u.resourceType}#${u.relation}`;
  const s = u.subject;
  if (!s) return head;
  let out = `${head}@${s.type}${s.wildcard ? ':*' : s.relation === '...' ? '' : `#${s.relation}`}`;
  if (s.caveat) out += ` with ${s.caveat}`;
  if (s.expiration) out += s.caveat ? ' and expiration' : ' with expiration';
  return out;
}

type SchemaUsageCountLike = Omit<SchemaUsageCount, 'count'>;
