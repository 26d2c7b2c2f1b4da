/**
 * Bulk-import batches for the SQL store: one multi-row INSERT per batch on the fast path, and a
 * precise diagnosis only when it inserted fewer rows than given.
 */
import { type SQL, sql } from 'drizzle-orm';
import { type Revision, type Tuple, tupleKey } from '../../model/index.ts';
import { alreadyExists, duplicateInBatch, duplicateInImport } from '../shared/errors.ts';
import { rowsOf, type SqlTx } from './driver.ts';
import {
  insertTuplesSql,
  markDeletedSql,
  rowToTuple,
  type TupleRow,
  tupleArrays,
} from './sql-helpers.ts';

/**
 * Inserts one import batch with CREATE semantics (the PGlite path; Postgres streams with COPY, see
 * `sql-copy.ts`). Fast path: one INSERT ... ON CONFLICT DO NOTHING; only when it inserted fewer rows
 * than given do we look at why (`resolveShortfall`).
 */
export async function importBatch(
  tx: SqlTx,
  batch: Tuple[],
  rev: Revision,
  now: number,
): Promise<void> {
  const [ins] = await rowsOf<{ n: string | number }>(
    tx,
    sql`WITH ins AS (${insertTuplesSql(batch, rev, true)} RETURNING 1) SELECT count(*) AS n FROM ins`,
  );
  const inserted = Number(ins?.n ?? 0);
  if (inserted < batch.length) await resolveShortfall(tx, batch, rev, now, inserted);
}

/**
 * Explains why an `ON CONFLICT DO NOTHING` insert of `batch` at `rev` inserted only `inserted` rows:
 * a tuple repeated within the batch → `duplicate_tuple_in_batch`; an existing live tuple →
 * `tuple_already_exists`; an expired one → replaced (deleted at `rev` and inserted again); a tuple
 * inserted by an earlier batch of the same import → `duplicate_tuple_in_batch`.
 */
export async function resolveShortfall(
  tx: SqlTx,
  batch: readonly Tuple[],
  rev: Revision,
  now: number,
  inserted: number,
): Promise<void> {
  const seen = new Set<string>();
  for (const t of batch) {
    const key = tupleKey(t);
    if (seen.has(key)) throw duplicateInBatch(t);
    seen.add(key);
  }
  const live = await rowsOf<TupleRow & { createdRev: string | number }>(
    tx,
    sql`SELECT t.resource_type AS "resourceType", t.resource_id AS "resourceId", t.relation,
          t.subject_type AS "subjectType", t.subject_id AS "subjectId", t.subject_relation AS "subjectRelation",
          t.caveat_name AS "caveatName", t.caveat_context AS "caveatContext", t.expires_at AS "expiresAt",
          t.created_rev AS "createdRev"
        FROM clove_tuples t WHERE t.deleted_rev IS NULL AND t.created_rev < ${rev}::bigint AND (t.resource_type, t.relation, t.resource_id, t.subject_type, t.subject_id, t.subject_relation) IN (
          SELECT * FROM unnest(${sqlArrays(batch)}))`,
  );
  const expired: Tuple[] = [];
  for (const r of live) {
    const t = rowToTuple(r);
    if (t.expiresAt === undefined || t.expiresAt > now) throw alreadyExists(t);
    expired.push(t);
  }
  if (expired.length > 0) {
    await tx.execute(markDeletedSql(expired, rev));
    const keys = new Set(expired.map(tupleKey));
    const again = batch.filter((t) => keys.has(tupleKey(t)));
    await tx.execute(insertTuplesSql(again, rev, false));
  }
  if (inserted + expired.length < batch.length) throw duplicateInImport();
}

/** The identity columns of a batch as six `text[]` parameters, in the forward index's order. */
function sqlArrays(batch: readonly Tuple[]): SQL {
  const a = tupleArrays(batch);
  return sql`${a.rt}::text[], ${a.rel}::text[], ${a.rid}::text[], ${a.st}::text[], ${a.sid}::text[], ${a.sr}::text[]`;
}
