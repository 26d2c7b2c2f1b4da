/**
 * `SnapshotReader.queryClosure` on PGlite and Postgres: one recursive statement instead of one
 * round trip per level. Why: nested groups and folder parent chains made an uncached check wait
 * for a store answer per level (a group nested four deep, a folder six deep); a recursive CTE walks
 * the whole relation below the starting ids in the database. `UNION` (not `UNION ALL`) keeps each
 * tuple once, so data cycles end. The rows are exactly those `query` returns for the level reads
 * (same visibility, expiration and decoding), which the contract suite checks against the
 * level-by-level reference (shared/closure.ts).
 */
import type { PGlite } from '@electric-sql/pglite';
import type { Sql } from 'postgres';
import type { Revision, Tuple } from '../../model/index.ts';
import type { ClosureQuery, ClosureResult } from '../types.ts';
import type { SqlDriver } from './driver.ts';
import { type RawTupleRow, textArray, toTuples } from './sql-point-queries.ts';

/** Answers a closure at revision `rev` for a reader whose clock reads `now`. */
export type ClosureRead = (q: ClosureQuery, rev: Revision, now: number) => Promise<ClosureResult>;

const COLS =
  'resource_type, resource_id, relation, subject_type, subject_id, subject_relation, caveat_name,' +
  ' caveat_context, expires_at';
const T_COLS = COLS.split(', ')
  .map((c) => `t.${c.trim()}`)
  .join(', ');
const VISIBLE =
  ' AND t.created_rev <= $4 AND (t.deleted_rev IS NULL OR t.deleted_rev > $4)' +
  ' AND (t.expires_at IS NULL OR t.expires_at > $5)';

/**
 * `$1` resource type, `$2` relation, `$3` starting ids, `$4` revision, `$5` now; when typed `$6`
 * the subject relation; with a direct subject, its type, ids and relation next. Whole mode follows
 * only subjects of the resource type. Rows carry `d`: true for the direct subject's tuples.
 */
function statement(typed: boolean, direct: boolean): string {
  const subject = typed ? ' AND t.subject_type = $1 AND t.subject_relation = $6' : '';
  const closure =
    `WITH RECURSIVE e(${COLS}) AS (` +
    `SELECT ${T_COLS} FROM clove_tuples t WHERE t.resource_type = $1 AND t.relation = $2` +
    ` AND t.resource_id = ANY($3::text[])${subject}${VISIBLE}` +
    ` UNION SELECT ${T_COLS} FROM e JOIN clove_tuples t ON t.resource_type = $1 AND t.relation = $2` +
    ` AND t.resource_id = e.subject_id${subject}${VISIBLE} WHERE e.subject_type = $1` +
    ')';
  if (!direct) return `${closure} SELECT false AS d, ${COLS} FROM e`;
  const n = typed ? 7 : 6;
  // The direct subject is matched on every expanded id: the start ids and e's followed subjects.
  return (
    `${closure} SELECT false AS d, ${COLS} FROM e UNION ALL SELECT true AS d, ${T_COLS}` +
    ' FROM clove_tuples t WHERE t.resource_type = $1 AND t.relation = $2 AND t.resource_id IN' +
    ' (SELECT unnest($3::text[]) UNION SELECT e.subject_id FROM e WHERE e.subject_type = $1)' +
    ` AND t.subject_type = $${n} AND t.subject_id = ANY($${n + 1}::text[])` +
    ` AND t.subject_relation = $${n + 2}${VISIBLE}`
  );
}

/**
 * Upwards (`direction: 'up'`): `$3` are subject ids; each level reads the tuples whose subject is
 * `$1:id` (with subject relation `$6` when typed) and follows their resource ids.
 */
function upStatement(typed: boolean): string {
  const subject = typed ? ' AND t.subject_relation = $6' : '';
  return (
    `WITH RECURSIVE e(${COLS}) AS (` +
    `SELECT ${T_COLS} FROM clove_tuples t WHERE t.resource_type = $1 AND t.relation = $2` +
    ` AND t.subject_type = $1 AND t.subject_id = ANY($3::text[])${subject}${VISIBLE}` +
    ` UNION SELECT ${T_COLS} FROM e JOIN clove_tuples t ON t.resource_type = $1 AND t.relation = $2` +
    ` AND t.subject_type = $1 AND t.subject_id = e.resource_id${subject}${VISIBLE}` +
    `) SELECT false AS d, ${COLS} FROM e`
  );
}

/**
 * Whole downwards from ids of another type: `$6` is that start type, read on the first level only;
 * the subjects of `$1` it names are followed through `$1`'s own relation.
 */
const FROM_START_TYPE =
  `WITH RECURSIVE e(${COLS}) AS (` +
  `SELECT ${T_COLS} FROM clove_tuples t WHERE t.resource_type = $6 AND t.relation = $2` +
  ` AND t.resource_id = ANY($3::text[])${VISIBLE}` +
  ` UNION SELECT ${T_COLS} FROM e JOIN clove_tuples t ON t.resource_type = $1 AND t.relation = $2` +
  ` AND t.resource_id = e.subject_id${VISIBLE} WHERE e.subject_type = $1` +
  `) SELECT false AS d, ${COLS} FROM e`;

/** Statement texts: by `typed * 2 + direct` downwards, then up whole (4), up typed (5), from a start type (6). */
const TEXTS = [
  statement(false, false),
  statement(false, true),
  statement(true, false),
  statement(true, true),
  upStatement(false),
  upStatement(true),
  FROM_START_TYPE,
];

/** Builds the closure read for a driver (prepared statements on Postgres). */
export function createClosureRead(driver: SqlDriver): ClosureRead {
  const client = driver.reads ?? (driver.db as unknown as { $client: unknown }).$client;
  // `which` picks one of the constant texts in TEXTS; every value is a bound parameter.
  const run: (which: number, params: unknown[]) => Promise<RawTupleRow[]> =
    driver.kind === 'postgres'
      ? async (which, params) =>
          (await (client as Sql).unsafe(TEXTS[which] as string, params as never[], {
            prepare: true,
          })) as unknown as RawTupleRow[]
      : async (which, params) =>
          (await (client as PGlite).query<RawTupleRow>(TEXTS[which] as string, params)).rows;
  return async (q, rev, now) => {
    const start = [...new Set(q.resourceIds)];
    if (start.length === 0)
      return q.direct && q.direction !== 'up'
        ? { expanded: [], tuples: [], direct: [] }
        : { expanded: [], tuples: [] };
    const typed = q.subjectRelation !== undefined;
    const params: unknown[] = [q.resourceType, q.relation, textArray(start), rev, now];
    if (typed) params.push(q.subjectRelation);
    if (q.startType !== undefined && !typed && q.direction !== 'up') {
      params.push(q.startType);
      const tuples = toTuples(await run(6, params));
      const expanded = new Set<string>();
      for (const t of tuples) if (t.subject.type === q.resourceType) expanded.add(t.subject.id);
      return { expanded: [...expanded], tuples };
    }
    if (q.direction === 'up') {
      const tuples = toTuples(await run(typed ? 5 : 4, params));
      const expanded = new Set(start);
      for (const t of tuples) expanded.add(t.resource.id);
      return { expanded: [...expanded], tuples };
    }
    const d = q.direct;
    if (d) params.push(d.subjectType, textArray(d.subjectIds), d.subjectRelation);
    const rows = await run((typed ? 2 : 0) + (d ? 1 : 0), params);
    const tuples: Tuple[] = [];
    const direct: Tuple[] = [];
    const decoded = toTuples(rows);
    for (let i = 0; i < rows.length; i++)
      ((rows[i] as unknown as { d: boolean }).d ? direct : tuples).push(decoded[i] as Tuple);
    const expanded = new Set(start);
    for (const t of tuples) if (t.subject.type === q.resourceType) expanded.add(t.subject.id);
    return d ? { expanded: [...expanded], tuples, direct } : { expanded: [...expanded], tuples };
  };
}
