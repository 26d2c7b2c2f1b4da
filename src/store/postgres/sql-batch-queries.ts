/**
 * Many point reads in one statement (`SnapshotReader.queryMany` on PGlite and Postgres). The engine
 * issues a wave of reads together (direct subjects, subject sets, arrow tuplesets on several
 * resources); as separate statements each paid its own round trip, protocol messages, executor
 * start and result promise, and an uncached check on Postgres spent most of its time there (a
 * p99 check made ~90 statements). Here every query of the wave becomes lookup rows bound as
 * parallel arrays, and one fixed, prepared statement joins them to the tuple index: five
 * branches, one per shape the engine and the lookups read, each an indexed nested loop (EXPLAIN
 * checked on 200k rows). Each row comes back tagged with the number of the query it answers.
 *
 * Shapes served in the statement (relation always present):
 * - exact: resource ids, subject type, subject ids and subject relation (a row per resource × subject);
 * - typed: resource ids, subject type and subject relation, any subject id (subject sets of one type);
 * - whole: resource ids, no subject fields (arrow tuplesets);
 * - by subject: subject type and ids, with or without subject relation, no resource ids (the
 *   reverse reads of lookups, on the subject index).
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

/**
 * The statement's branches: the lookup columns each binds (besides the query number) and the
 * tuple columns they equal. Forward branches carry a resource id (resource index); reverse ones a
 * subject id and no resource id (subject index: lookups walking from a subject).
 */
const BRANCHES = {
  exact: ['rt', 'rel', 'rid', 'st', 'sid', 'sr'],
  typed: ['rt', 'rel', 'rid', 'st', 'sr'],
  whole: ['rt', 'rel', 'rid'],
  bySubject: ['rt', 'rel', 'st', 'sid', 'sr'],
  bySubjectAnyRelation: ['rt', 'rel', 'st', 'sid'],
} as const;
type Branch = keyof typeof BRANCHES;
const BRANCH_NAMES = Object.keys(BRANCHES) as Branch[];

const COLUMN_OF: Record<string, string> = {
  rt: 'resource_type',
  rel: 'relation',
  rid: 'resource_id',
  st: 'subject_type',
  sid: 'subject_id',
  sr: 'subject_relation',
};

/**
 * The statement for the set of branches in use (`mask`, bit i for BRANCH_NAMES[i]): per branch in
 * use, an int4 array of query numbers and a text array per lookup column, then the revision and
 * now. Built from constants on first use (at most 31 texts). Why per set rather than one statement
 * with every branch: PGlite plans every statement anew, and planning five branches (four of them
 * often empty) made one batch slower than its queries one by one.
 */
const BATCH_TEXTS: (string | undefined)[] = [];

function batchText(mask: number): string {
  const cached = BATCH_TEXTS[mask];
  if (cached !== undefined) return cached;
  let n = 0;
  const parts: string[] = [];
  BRANCH_NAMES.forEach((name, i) => {
    if ((mask & (1 << i)) === 0) return;
    const cols = BRANCHES[name];
    const arrays = [`$${++n}::int4[]`, ...cols.map(() => `$${++n}::text[]`)];
    const on = cols.map((c) => `t.${COLUMN_OF[c]} = l.${c}`).join(' AND ');
    parts.push(
      `SELECT l.q, ${COLUMNS} FROM unnest(${arrays.join(', ')}) AS l(q, ${cols.join(', ')}) JOIN clove_tuples t ON ${on} WHERE VISIBLE`,
    );
  });
  const rev = ++n;
  const now = ++n;
  const visible =
    `t.created_rev <= $${rev} AND (t.deleted_rev IS NULL OR t.deleted_rev > $${rev})` +
    ` AND (t.expires_at IS NULL OR t.expires_at > $${now})`;
  const text = parts.map((p) => p.replace('VISIBLE', visible)).join(' UNION ALL ');
  BATCH_TEXTS[mask] = text;
  return text;
}

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

function branchOf(q: TupleQuery): Branch | undefined {
  const { relation, resourceIds: rids, subjectType: st, subjectIds: sids, subjectRelation: sr } = q;
  if (relation === undefined) return undefined;
  if (rids === undefined) {
    if (st === undefined || sids === undefined) return undefined;
    return sr === undefined ? 'bySubjectAnyRelation' : 'bySubject';
  }
  if (st === undefined && sids === undefined && sr === undefined) return 'whole';
  if (st !== undefined && sr !== undefined) return sids === undefined ? 'typed' : 'exact';
  return undefined;
}

/** Pushes the lookup rows of query `i` (every resource id × subject id it names). */
function explode(rows: Rows, i: number, q: TupleQuery, branch: Branch): void {
  const cols = BRANCHES[branch];
  const rids = cols.includes('rid' as never) ? distinct(q.resourceIds as readonly string[]) : [''];
  const sids = cols.includes('sid' as never) ? distinct(q.subjectIds as readonly string[]) : [''];
  const value: Record<string, string> = {
    rt: q.resourceType,
    rel: q.relation as string,
    st: q.subjectType ?? '',
    sr: q.subjectRelation ?? '',
  };
  for (const rid of rids)
    for (const sid of sids) {
      value.rid = rid;
      value.sid = sid;
      rows.push(
        i,
        cols.map((c) => value[c] as string),
      );
    }
}

/** The statement's parameters for the queries the statement serves; `others` lists the rest. */
function bindBatch(
  qs: readonly TupleQuery[],
  rev: Revision,
  now: number,
): { mask: number; params: unknown[] | undefined; others: number[] } {
  const rows = new Map<Branch, Rows>(BRANCH_NAMES.map((b) => [b, new Rows(BRANCHES[b].length)]));
  const others: number[] = [];
  let served = 0;
  for (let i = 0; i < qs.length; i++) {
    const q = qs[i] as TupleQuery;
    if (q.resourceIds?.length === 0 || q.subjectIds?.length === 0) continue;
    const branch = branchOf(q);
    if (branch === undefined) {
      others.push(i);
      continue;
    }
    explode(rows.get(branch) as Rows, i, q, branch);
    served++;
  }
  if (served === 0) return { mask: 0, params: undefined, others };
  const params: unknown[] = [];
  let mask = 0;
  BRANCH_NAMES.forEach((b, i) => {
    const r = rows.get(b) as Rows;
    if (r.q.length === 0) return;
    mask |= 1 << i;
    params.push(...r.params());
  });
  params.push(rev, now);
  return { mask, params, others };
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
  // `mask` picks one of the constant texts (batchText); every value is a bound parameter.
  const run: (mask: number, params: unknown[]) => Promise<(RawTupleRow & { q: number })[]> =
    driver.kind === 'postgres'
      ? async (mask, params) =>
          (await (client as Sql).unsafe(batchText(mask), params as never[], {
            prepare: true,
          })) as unknown as (RawTupleRow & { q: number })[]
      : async (mask, params) =>
          (await (client as PGlite).query<RawTupleRow & { q: number }>(batchText(mask), params))
            .rows;
  return async (qs, rev, now) => {
    if (qs.length === 1) return [await single(qs[0] as TupleQuery, rev, now)];
    const out: Tuple[][] = qs.map(() => []);
    const { mask, params, others } = bindBatch(qs, rev, now);
    const pending: Promise<void>[] = others.map(async (i) => {
      out[i] = await single(qs[i] as TupleQuery, rev, now);
    });
    if (params) pending.push(run(mask, params).then((rows) => distribute(out, rows)));
    await Promise.all(pending);
    return out;
  };
}
