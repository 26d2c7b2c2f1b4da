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
import type { ClosureAlsoRead, ClosureQuery, ClosureResult, ClosureUpRead } from '../types.ts';
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
 * `$1:id` (with subject relation `$6` when typed) and follows their resource ids. Why each level's
 * ids probe the subject index through a LATERAL subquery behind `OFFSET 0` (never flattened): the
 * planner underestimates a nesting relation's rows (its four equal columns are correlated, 15
 * estimated for 895 `group#member@group:…#member` tuples on docs medium), so a custom plan (PGlite
 * plans every statement anew) hash-joined a scan of all of them on every level: 3.2 ms p50 where
 * the probes take 1.1 ms. Postgres' generic plans probed already and still do.
 */
function upClosure(typed: boolean, from?: number): string {
  const subject = typed ? ' AND t.subject_relation = $6' : '';
  // From a start subject (`ClosureQuery.startSubject`): its type at `$from`, its relation or ''
  // for any at `$from + 1`, on the first level only.
  const first =
    from === undefined
      ? ` AND t.subject_type = $1 AND t.subject_id = ANY($3::text[])${subject}`
      : ` AND t.subject_type = $${from} AND t.subject_id = ANY($3::text[])` +
        ` AND ($${from + 1}::text = '' OR t.subject_relation = $${from + 1}::text)`;
  return (
    `WITH RECURSIVE e(${COLS}) AS (` +
    `SELECT ${T_COLS} FROM clove_tuples t WHERE t.resource_type = $1 AND t.relation = $2` +
    `${first}${VISIBLE}` +
    ` UNION SELECT u.* FROM e CROSS JOIN LATERAL (SELECT ${T_COLS} FROM clove_tuples t` +
    ' WHERE t.resource_type = $1 AND t.relation = $2 AND t.subject_type = $1' +
    ` AND t.subject_id = e.resource_id${subject}${VISIBLE} OFFSET 0) u` +
    ')'
  );
}

/** The upward closure alone. */
function upStatement(typed: boolean, fromSubject = false): string {
  return `${upClosure(typed, fromSubject ? (typed ? 7 : 6) : undefined)} SELECT false AS d, ${COLS} FROM e`;
}

/**
 * Upwards with by-subject reads on every expanded id (`ClosureQuery.upReads`): rows carry `k`, -1
 * for the closure's own tuples and the read's index otherwise. The reads are bound as parallel
 * arrays, one row per read, from `$6` whole or `$7` typed (whole binds no `$6`, and Postgres
 * refuses a parameter it cannot type): index, resource type, relation, and subject relation or ''
 * for any ('' is neither a relation name nor `...`). `x` is the expanded set, each id once (UNION),
 * so an id two chains reach gives its reads once.
 *
 * Why a LATERAL subquery behind `OFFSET 0` (which keeps the planner from flattening it): each
 * (id, read) pair must probe the subject index on (subject type, subject id, resource type,
 * relation). Joined flat, the planner (200k tuples) probed (subject type, subject id) only and
 * hash-joined the reads after, reading every tuple naming each id (a folder's documents when only
 * its grants were asked); with the pairs materialised first, the generic plan on a 10k-tuple store
 * hash-joined a scan of every visible tuple (2.4 ms where 0.1 ms do). EXPLAIN ANALYZE of this form
 * showed the four-column probe on 10k and 200k tuples, custom and generic plans alike.
 */
function upWithReads(typed: boolean, fromSubject = false): string {
  const from = fromSubject ? (typed ? 7 : 6) : undefined;
  const n = (typed ? 7 : 6) + (fromSubject ? 2 : 0);
  // From a start subject, the start ids are of another type: only the resources found expand.
  const expanded = fromSubject
    ? 'SELECT DISTINCT e.resource_id FROM e'
    : 'SELECT unnest($3::text[]) UNION SELECT e.resource_id FROM e';
  return (
    `${upClosure(typed, from)}, x(id) AS (${expanded})` +
    ` SELECT -1 AS k, ${COLS} FROM e UNION ALL SELECT a.k, r.* FROM x CROSS JOIN` +
    ` unnest($${n}::int4[], $${n + 1}::text[], $${n + 2}::text[], $${n + 3}::text[])` +
    ` AS a(k, rt, rel, sr) CROSS JOIN LATERAL (SELECT ${T_COLS} FROM clove_tuples t` +
    ' WHERE t.subject_type = $1 AND t.subject_id = x.id AND t.resource_type = a.rt' +
    ` AND t.relation = a.rel AND (a.sr = '' OR t.subject_relation = a.sr)${VISIBLE} OFFSET 0) r`
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

/**
 * Whole closures with extra reads on every expanded id (`ClosureQuery.also`): rows carry `k`, -1
 * for the closure's own tuples and the read's index otherwise. The reads are bound as parallel
 * arrays from `$n` (index, relation, subject type, subject id or '' for any, subject relation).
 * From a start type, the start ids' own reads (`ClosureQuery.startReads`) follow as six more
 * arrays, one row per read, start id and subject id (the start id bound per row, as `queryMany`
 * binds its reads: a second `unnest` of the start ids cross-joined to the reads made the generic
 * plan hash-join a scan of every visible tuple, 3 ms on a 10k-tuple store), their rows carrying
 * `k` = -2 - the read's index.
 */
function withAlso(fromStart: boolean): string {
  const start = fromStart ? '$6' : '$1';
  const n = fromStart ? 7 : 6;
  // DISTINCT: several chains can reach the same folder, whose extra reads must come once.
  const expanded = fromStart
    ? 'SELECT DISTINCT e.subject_id FROM e WHERE e.subject_type = $1'
    : 'SELECT unnest($3::text[]) UNION SELECT e.subject_id FROM e WHERE e.subject_type = $1';
  return (
    `WITH RECURSIVE e(${COLS}) AS (` +
    `SELECT ${T_COLS} FROM clove_tuples t WHERE t.resource_type = ${start} AND t.relation = $2` +
    ` AND t.resource_id = ANY($3::text[])${VISIBLE}` +
    ` UNION SELECT ${T_COLS} FROM e JOIN clove_tuples t ON t.resource_type = $1 AND t.relation = $2` +
    ` AND t.resource_id = e.subject_id${VISIBLE} WHERE e.subject_type = $1` +
    `), x(id) AS (${expanded})` +
    ` SELECT false AS d, -1 AS k, ${COLS} FROM e` +
    ` UNION ALL SELECT false AS d, a.k, ${T_COLS} FROM x CROSS JOIN` +
    ` unnest($${n}::int4[], $${n + 1}::text[], $${n + 2}::text[], $${n + 3}::text[], $${n + 4}::text[])` +
    ' AS a(k, rel, st, sid, sr) JOIN clove_tuples t ON t.resource_type = $1 AND t.relation = a.rel' +
    ' AND t.resource_id = x.id AND t.subject_type = a.st AND t.subject_relation = a.sr' +
    ` AND (a.sid = '' OR t.subject_id = a.sid)${VISIBLE}` +
    (fromStart
      ? ` UNION ALL SELECT false AS d, -2 - b.k, ${T_COLS} FROM` +
        ` unnest($${n + 5}::int4[], $${n + 6}::text[], $${n + 7}::text[], $${n + 8}::text[], $${n + 9}::text[], $${n + 10}::text[])` +
        ' AS b(k, rid, rel, st, sid, sr) JOIN clove_tuples t ON t.resource_type = $6 AND t.relation = b.rel' +
        ' AND t.resource_id = b.rid AND t.subject_type = b.st AND t.subject_relation = b.sr' +
        ` AND (b.sid = '' OR t.subject_id = b.sid)${VISIBLE}`
      : '')
  );
}

/**
 * Statement texts: by `typed * 2 + direct` downwards, then up whole (4), up typed (5), from a
 * start type (6), whole with extra reads (7), from a start type with extra reads (8), up whole
 * with reads (9), up typed with reads (10).
 */
const TEXTS = [
  statement(false, false),
  statement(false, true),
  statement(true, false),
  statement(true, true),
  upStatement(false),
  upStatement(true),
  FROM_START_TYPE,
  withAlso(false),
  withAlso(true),
  upWithReads(false),
  upWithReads(true),
  upStatement(false, true),
  upStatement(true, true),
  upWithReads(false, true),
  upWithReads(true, true),
];

/**
 * The reads that can match anything, with their positions in `reads`: a read naming no subject id
 * matches nothing (as `query` does with an empty id list), so it is left out of the statement.
 */
function liveReads(reads: readonly ClosureAlsoRead[]) {
  const index = reads
    .map((_, i) => i)
    .filter((i) => {
      const ids = (reads[i] as ClosureAlsoRead).subjectIds;
      return ids === undefined || ids.length > 0;
    });
  return { reads: index.map((i) => reads[i] as ClosureAlsoRead), index };
}

/** The extra reads as the statement's parallel arrays (one row per read and subject id). */
function alsoParams(also: readonly ClosureAlsoRead[]): unknown[] {
  const k: number[] = [];
  const rel: string[] = [];
  const st: string[] = [];
  const sid: string[] = [];
  const sr: string[] = [];
  also.forEach((a, i) => {
    for (const id of a.subjectIds === undefined ? [''] : [...new Set(a.subjectIds)]) {
      k.push(i);
      rel.push(a.relation);
      st.push(a.subjectType);
      sid.push(id);
      sr.push(a.subjectRelation);
    }
  });
  return [`{${k.join(',')}}`, textArray(rel), textArray(st), textArray(sid), textArray(sr)];
}

/** The start reads as the statement's parallel arrays (one row per read, start id and subject id). */
function startParams(reads: readonly ClosureAlsoRead[], ids: readonly string[]): unknown[] {
  const k: number[] = [];
  const rid: string[] = [];
  const rel: string[] = [];
  const st: string[] = [];
  const sid: string[] = [];
  const sr: string[] = [];
  reads.forEach((a, i) => {
    for (const id of ids)
      for (const subject of a.subjectIds === undefined ? [''] : [...new Set(a.subjectIds)]) {
        k.push(i);
        rid.push(id);
        rel.push(a.relation);
        st.push(a.subjectType);
        sid.push(subject);
        sr.push(a.subjectRelation);
      }
  });
  return [
    `{${k.join(',')}}`,
    textArray(rid),
    textArray(rel),
    textArray(st),
    textArray(sid),
    textArray(sr),
  ];
}

/** The up reads as the statement's parallel arrays (one row per read; '' for any subject relation). */
function upReadParams(reads: readonly ClosureUpRead[]): unknown[] {
  return [
    `{${reads.map((_, i) => i).join(',')}}`,
    textArray(reads.map((r) => r.resourceType)),
    textArray(reads.map((r) => r.relation)),
    textArray(reads.map((r) => r.subjectRelation ?? '')),
  ];
}

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
    if (start.length === 0) {
      const down = q.direction !== 'up';
      const whole = down && q.subjectRelation === undefined;
      if (whole && q.startType !== undefined && q.startReads)
        return {
          expanded: [],
          tuples: [],
          ...(q.also ? { also: q.also.map(() => []) } : {}),
          start: q.startReads.map(() => []),
        };
      if (q.also && whole) return { expanded: [], tuples: [], also: q.also.map(() => []) };
      if (!down)
        return {
          expanded: [],
          tuples: [],
          ...(q.upReads ? { up: q.upReads.map(() => []) } : {}),
          ...(q.startSubject ? { fromSubject: true } : {}),
        };
      return q.direct && down && q.startType === undefined
        ? { expanded: [], tuples: [], direct: [] }
        : { expanded: [], tuples: [] };
    }
    const typed = q.subjectRelation !== undefined;
    const params: unknown[] = [q.resourceType, q.relation, textArray(start), rev, now];
    if (typed) params.push(q.subjectRelation);
    const startReads = q.startType !== undefined ? q.startReads : undefined;
    if ((q.also !== undefined || startReads !== undefined) && !typed && q.direction !== 'up') {
      const fromStart = q.startType !== undefined;
      if (fromStart) params.push(q.startType);
      const alsoReads = liveReads(q.also ?? []);
      params.push(...alsoParams(alsoReads.reads));
      const startOnes = liveReads(startReads ?? []);
      if (fromStart) params.push(...startParams(startOnes.reads, start));
      const rows = await run(fromStart ? 8 : 7, params);
      const decoded = toTuples(rows);
      const tuples: Tuple[] = [];
      const also: Tuple[][] = (q.also ?? []).map(() => []);
      const startRows: Tuple[][] = (startReads ?? []).map(() => []);
      for (let i = 0; i < rows.length; i++) {
        const k = Number((rows[i] as unknown as { k: number }).k);
        if (k === -1) tuples.push(decoded[i] as Tuple);
        else if (k >= 0) (also[alsoReads.index[k] as number] as Tuple[]).push(decoded[i] as Tuple);
        else (startRows[startOnes.index[-2 - k] as number] as Tuple[]).push(decoded[i] as Tuple);
      }
      const expanded = new Set<string>(fromStart ? [] : start);
      for (const t of tuples) if (t.subject.type === q.resourceType) expanded.add(t.subject.id);
      return {
        expanded: [...expanded],
        tuples,
        ...(q.also !== undefined ? { also } : {}),
        ...(startReads !== undefined ? { start: startRows } : {}),
      };
    }
    if (q.startType !== undefined && !typed && q.direction !== 'up') {
      params.push(q.startType);
      const tuples = toTuples(await run(6, params));
      const expanded = new Set<string>();
      for (const t of tuples) if (t.subject.type === q.resourceType) expanded.add(t.subject.id);
      return { expanded: [...expanded], tuples };
    }
    const from = q.direction === 'up' ? q.startSubject : undefined;
    if (from) params.push(from.type, from.relation ?? '');
    // Texts 9 and 10 up with reads; 11-14 the same four from a start subject.
    const shift = from ? (q.upReads !== undefined && q.upReads.length > 0 ? 4 : 7) : 0;
    if (q.direction === 'up' && q.upReads !== undefined && q.upReads.length > 0) {
      params.push(...upReadParams(q.upReads));
      const rows = await run((typed ? 10 : 9) + shift, params);
      const decoded = toTuples(rows);
      const tuples: Tuple[] = [];
      const up: Tuple[][] = q.upReads.map(() => []);
      for (let i = 0; i < rows.length; i++) {
        const k = Number((rows[i] as unknown as { k: number }).k);
        (k === -1 ? tuples : (up[k] as Tuple[])).push(decoded[i] as Tuple);
      }
      const expanded = new Set(from ? [] : start);
      for (const t of tuples) expanded.add(t.resource.id);
      return { expanded: [...expanded], tuples, up, ...(from ? { fromSubject: true } : {}) };
    }
    if (q.direction === 'up') {
      const tuples = toTuples(await run((typed ? 5 : 4) + shift, params));
      const expanded = new Set(from ? [] : start);
      for (const t of tuples) expanded.add(t.resource.id);
      return {
        expanded: [...expanded],
        tuples,
        ...(q.upReads ? { up: [] } : {}),
        ...(from ? { fromSubject: true } : {}),
      };
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
