/**
 * Many point reads in one statement (`SnapshotReader.queryMany` on PGlite and Postgres). The engine
 * issues a wave of reads together (direct subjects, subject sets, arrow tuplesets on several
 * resources); as separate statements each paid its own round trip, protocol messages, executor
 * start and result promise, and an uncached check on Postgres spent most of its time there (a
 * p99 check made ~90 statements). Here every query of the wave becomes lookup rows bound as
 * parallel arrays, and one fixed, prepared statement joins them to the tuple index: three
 * branches, one per shape the engine reads, each an indexed nested loop (EXPLAIN checked on 200k
 * rows). Each row comes back tagged with the number of the query it answers.
 *
 * Shapes served in the statement (relation and resource ids always present):
 * - exact: subject type, subject ids and subject relation (one lookup row per resource × subject);
 * - typed: subject type and subject relation, any subject id (subject sets of one type);
 * - whole: no subject fields (arrow tuplesets).
 * A query of any other shape is answered by the single-query path alongside, so the result is
 * always `qs.map(query)`.
 */
import type { PGlite } from '@electric-sql/pglite';
import type { Sql } from 'postgres';
import type { Revision, Tuple } from '../../model/index.ts';
import type { TupleQuery } from '../types.ts';
import type { SqlDriver } from './driver.ts';
import { type PointQuery, type RawTupleRow, textArray, toTuples } from './sql-point-queries.ts';

/** Answers `qs` at revision `rev` for a reader whose clock reads `now`: `qs.map(query)`. */
export type BatchQuery = (
  qs: readonly TupleQuery[],
  rev: Revision,
  now: number,
) => Promise<Tuple[][]>;

const COLUMNS =
  't.resource_type, t.resource_id, t.relation, t.subject_type, t.subject_id, t.subject_relation,' +
  ' t.caveat_name, t.caveat_context, t.expires_at';
const VISIBLE =
  't.created_rev <= $18 AND (t.deleted_rev IS NULL OR t.deleted_rev > $18)' +
  ' AND (t.expires_at IS NULL OR t.expires_at > $19)';

/** The one statement: `$1..$7` exact rows, `$8..$13` typed rows, `$14..$17` whole rows, `$18` revision, `$19` now. */
const BATCH_SQL =
  `SELECT l.q, ${COLUMNS} FROM unnest($1::int4[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])` +
  ' AS l(q, rt, rel, rid, st, sid, sr) JOIN clove_tuples t ON t.resource_type = l.rt AND t.relation = l.rel' +
  ' AND t.resource_id = l.rid AND t.subject_type = l.st AND t.subject_id = l.sid AND t.subject_relation = l.sr' +
  ` WHERE ${VISIBLE}` +
  ` UNION ALL SELECT l.q, ${COLUMNS} FROM unnest($8::int4[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])` +
  ' AS l(q, rt, rel, rid, st, sr) JOIN clove_tuples t ON t.resource_type = l.rt AND t.relation = l.rel' +
  ' AND t.resource_id = l.rid AND t.subject_type = l.st AND t.subject_relation = l.sr' +
  ` WHERE ${VISIBLE}` +
  ` UNION ALL SELECT l.q, ${COLUMNS} FROM unnest($14::int4[], $15::text[], $16::text[], $17::text[])` +
  ' AS l(q, rt, rel, rid) JOIN clove_tuples t ON t.resource_type = l.rt AND t.relation = l.rel' +
  ' AND t.resource_id = l.rid' +
  ` WHERE ${VISIBLE}`;

/** Lookup rows of one branch as parallel columns (the statement's array parameters). */
class Rows {
  readonly cols: string[][];
  readonly q: number[] = [];
  constructor(width: number) {
    this.cols = Array.from({ length: width }, () => []);
  }
  push(q: number, values: readonly string[]): void {
    this.q.push(q);
    for (let i = 0; i < values.length; i++) (this.cols[i] as string[]).push(values[i] as string);
  }
  params(): string[] {
    return [`{${this.q.join(',')}}`, ...this.cols.map(textArray)];
  }
}

/** Distinct values of a list (a repeated id must not return its tuples twice). */
function distinct(ids: readonly string[]): readonly string[] {
  return ids.length < 2 ? ids : [...new Set(ids)];
}

type Branch = 'exact' | 'typed' | 'whole' | 'other';

function branchOf(q: TupleQuery): Branch {
  if (q.relation === undefined || q.resourceIds === undefined) return 'other';
  const { subjectType: st, subjectIds: sids, subjectRelation: sr } = q;
  if (st === undefined && sids === undefined && sr === undefined) return 'whole';
  if (st !== undefined && sr !== undefined) return sids === undefined ? 'typed' : 'exact';
  return 'other';
}

/** The statement's parameters for the queries the statement serves; `others` lists the rest. */
function bindBatch(
  qs: readonly TupleQuery[],
  rev: Revision,
  now: number,
): { params: unknown[] | undefined; others: number[] } {
  const exact = new Rows(6);
  const typed = new Rows(5);
  const whole = new Rows(3);
  const others: number[] = [];
  for (let i = 0; i < qs.length; i++) {
    const q = qs[i] as TupleQuery;
    if (q.resourceIds?.length === 0 || q.subjectIds?.length === 0) continue;
    const branch = branchOf(q);
    if (branch === 'other') {
      others.push(i);
      continue;
    }
    const rel = q.relation as string;
    for (const rid of distinct(q.resourceIds as readonly string[])) {
      if (branch === 'whole') whole.push(i, [q.resourceType, rel, rid]);
      else if (branch === 'typed')
        typed.push(i, [
          q.resourceType,
          rel,
          rid,
          q.subjectType as string,
          q.subjectRelation as string,
        ]);
      else
        for (const sid of distinct(q.subjectIds as readonly string[]))
          exact.push(i, [
            q.resourceType,
            rel,
            rid,
            q.subjectType as string,
            sid,
            q.subjectRelation as string,
          ]);
    }
  }
  if (exact.q.length + typed.q.length + whole.q.length === 0) return { params: undefined, others };
  return {
    params: [...exact.params(), ...typed.params(), ...whole.params(), rev, now],
    others,
  };
}

/** Splits tagged rows into one tuple list per query. */
function distribute(out: Tuple[][], rows: readonly (RawTupleRow & { q: number })[]): void {
  const tuples = toTuples(rows);
  for (let i = 0; i < rows.length; i++)
    (out[(rows[i] as { q: number }).q] as Tuple[]).push(tuples[i] as Tuple);
}

/**
 * The batched read for a driver. `single` answers queries of shapes the statement does not serve
 * (and is what a one-query batch uses: no arrays to build). Errors are the driver's.
 */
export function createBatchQuery(driver: SqlDriver, single: PointQuery): BatchQuery {
  const client = driver.reads ?? (driver.db as unknown as { $client: unknown }).$client;
  const run: (params: unknown[]) => Promise<(RawTupleRow & { q: number })[]> =
    driver.kind === 'postgres'
      ? async (params) =>
          (await (client as Sql).unsafe(BATCH_SQL, params as never[], {
            prepare: true,
          })) as unknown as (RawTupleRow & { q: number })[]
      : async (params) =>
          (await (client as PGlite).query<RawTupleRow & { q: number }>(BATCH_SQL, params)).rows;
  return async (qs, rev, now) => {
    if (qs.length === 1) return [await single(qs[0] as TupleQuery, rev, now)];
    const out: Tuple[][] = qs.map(() => []);
    const { params, others } = bindBatch(qs, rev, now);
    const pending: Promise<void>[] = others.map(async (i) => {
      out[i] = await single(qs[i] as TupleQuery, rev, now);
    });
    if (params) pending.push(run(params).then((rows) => distribute(out, rows)));
    await Promise.all(pending);
    return out;
  };
}
