/**
 * SQL fragments shared by the SQL store: the MVCC visibility predicate, filter conditions, array
 * parameters and row decoding. Every value travels as a bound parameter; identifiers are fixed.
 */
import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { ELLIPSIS, type Revision, type Tuple, WILDCARD } from '../../model/index.ts';
import type { SchemaUsage, TupleQuery } from '../types.ts';
import { tuples } from './tables.ts';

/**
 * The store-wide advisory lock ("clove" in ASCII as the key, fixed in the SQL text) that every
 * mutation takes first, so revision allocation and commit are serialised.
 */
export const WRITE_LOCK = sql`SELECT pg_advisory_xact_lock(435711194725)`;

/** Visible at revision `rev` for a reader whose clock reads `now` (the MVCC predicate). */
export function visibleAt(rev: Revision, now: number): SQL {
  return sql`${tuples.createdRev} <= ${rev} AND (${tuples.deletedRev} IS NULL OR ${tuples.deletedRev} > ${rev}) AND (${tuples.expiresAt} IS NULL OR ${tuples.expiresAt} > ${now})`;
}

/** WHERE conditions for a query (without visibility). */
export function queryConditions(q: TupleQuery): SQL[] {
  const c: SQL[] = [eq(tuples.resourceType, q.resourceType)];
  if (q.relation !== undefined) c.push(eq(tuples.relation, q.relation));
  if (q.resourceIds !== undefined) c.push(inArray(tuples.resourceId, [...q.resourceIds]));
  if (q.subjectType !== undefined) c.push(eq(tuples.subjectType, q.subjectType));
  if (q.subjectIds !== undefined) c.push(inArray(tuples.subjectId, [...q.subjectIds]));
  if (q.subjectRelation !== undefined) c.push(eq(tuples.subjectRelation, q.subjectRelation));
  return c;
}

/** WHERE condition selecting the tuples of one schema usage shape. */
export function usageCondition(u: SchemaUsage): SQL {
  const c: SQL[] = [eq(tuples.resourceType, u.resourceType), eq(tuples.relation, u.relation)];
  const s = u.subject;
  if (s) {
    c.push(eq(tuples.subjectType, s.type));
    if (s.wildcard) c.push(eq(tuples.subjectId, WILDCARD));
    else c.push(sql`${tuples.subjectId} <> ${WILDCARD}`, eq(tuples.subjectRelation, s.relation));
    c.push(s.caveat === null ? sql`${tuples.caveatName} IS NULL` : eq(tuples.caveatName, s.caveat));
    c.push(s.expiration ? sql`${tuples.expiresAt} IS NOT NULL` : sql`${tuples.expiresAt} IS NULL`);
  }
  return and(...c) as SQL;
}

/**
 * A Postgres array literal for a `$n::text[]` parameter. Every element is quoted (so ids such as
 * `NULL` stay strings) and `"`/`\` are escaped; `null` becomes an SQL NULL element.
 */
export function pgArray(values: readonly (string | number | null | undefined)[]): string {
  const parts = values.map((v) =>
    v === null || v === undefined ? 'NULL' : `"${String(v).replace(/[\\"]/g, '\\$&')}"`,
  );
  return `{${parts.join(',')}}`;
}

/** The selected columns of a tuple row. */
export const TUPLE_COLUMNS = {
  resourceType: tuples.resourceType,
  resourceId: tuples.resourceId,
  relation: tuples.relation,
  subjectType: tuples.subjectType,
  subjectId: tuples.subjectId,
  subjectRelation: tuples.subjectRelation,
  caveatName: tuples.caveatName,
  caveatContext: tuples.caveatContext,
  expiresAt: tuples.expiresAt,
};

export interface TupleRow {
  resourceType: string;
  resourceId: string;
  relation: string;
  subjectType: string;
  subjectId: string;
  subjectRelation: string;
  caveatName: string | null;
  caveatContext: string | null;
  expiresAt: number | string | null;
}

/** Decodes a row into a Tuple (optional fields absent, not null). */
export function rowToTuple(r: TupleRow): Tuple {
  const tuple: {
    resource: Tuple['resource'];
    relation: string;
    subject: Tuple['subject'];
    caveat?: Tuple['caveat'];
    expiresAt?: number;
  } = {
    resource: { type: r.resourceType, id: r.resourceId },
    relation: r.relation,
    subject: { type: r.subjectType, id: r.subjectId, relation: r.subjectRelation ?? ELLIPSIS },
  };
  if (r.caveatName !== null)
    tuple.caveat =
      r.caveatContext === null
        ? { name: r.caveatName }
        : { name: r.caveatName, context: JSON.parse(r.caveatContext) };
  if (r.expiresAt !== null) tuple.expiresAt = Number(r.expiresAt);
  return tuple;
}

/** Column arrays of a batch, for `unnest($1::text[], ...)` inserts and key joins. */
export function tupleArrays(batch: readonly Tuple[]) {
  return {
    rt: pgArray(batch.map((t) => t.resource.type)),
    rid: pgArray(batch.map((t) => t.resource.id)),
    rel: pgArray(batch.map((t) => t.relation)),
    st: pgArray(batch.map((t) => t.subject.type)),
    sid: pgArray(batch.map((t) => t.subject.id)),
    sr: pgArray(batch.map((t) => t.subject.relation)),
    cav: pgArray(batch.map((t) => t.caveat?.name)),
    ctx: pgArray(
      batch.map((t) => (t.caveat?.context === undefined ? null : JSON.stringify(t.caveat.context))),
    ),
    exp: pgArray(batch.map((t) => t.expiresAt)),
  };
}

/** `INSERT ... SELECT FROM unnest(...)`: one statement, nine parameters, any batch size. */
export function insertTuplesSql(batch: readonly Tuple[], rev: Revision, onConflict: boolean): SQL {
  const a = tupleArrays(batch);
  const conflict = onConflict
    ? sql` ON CONFLICT (resource_type, relation, resource_id, subject_type, subject_id, subject_relation) WHERE deleted_rev IS NULL DO NOTHING`
    : sql``;
  return sql`INSERT INTO clove_tuples (resource_type, resource_id, relation, subject_type, subject_id, subject_relation, caveat_name, caveat_context, expires_at, created_rev)
    SELECT rt, rid, rel, st, sid, sr, cav, ctx, exp::bigint, ${rev}::bigint
    FROM unnest(${a.rt}::text[], ${a.rid}::text[], ${a.rel}::text[], ${a.st}::text[], ${a.sid}::text[], ${a.sr}::text[], ${a.cav}::text[], ${a.ctx}::text[], ${a.exp}::text[])
      AS u(rt, rid, rel, st, sid, sr, cav, ctx, exp)${conflict}`;
}

/**
 * Stamps `deleted_rev = rev` on the undeleted versions of the given tuples (by identity) and returns
 * them, so the caller can tell which existed and whether they had expired.
 */
export function markDeletedSql(batch: readonly Tuple[], rev: Revision): SQL {
  const a = tupleArrays(batch);
  return sql`UPDATE clove_tuples AS t SET deleted_rev = ${rev}::bigint
    FROM unnest(${a.rt}::text[], ${a.rid}::text[], ${a.rel}::text[], ${a.st}::text[], ${a.sid}::text[], ${a.sr}::text[])
      AS k(rt, rid, rel, st, sid, sr)
    WHERE t.deleted_rev IS NULL AND t.resource_type = k.rt AND t.relation = k.rel AND t.resource_id = k.rid
      AND t.subject_type = k.st AND t.subject_id = k.sid AND t.subject_relation = k.sr
    RETURNING t.resource_type AS "resourceType", t.resource_id AS "resourceId", t.relation,
      t.subject_type AS "subjectType", t.subject_id AS "subjectId", t.subject_relation AS "subjectRelation",
      t.caveat_name AS "caveatName", t.caveat_context AS "caveatContext", t.expires_at AS "expiresAt",
      t.created_rev AS "createdRev"`;
}
