/**
 * The SQL store's hot read path (`SnapshotReader.query`) without the query builder: one fixed SQL
 * text per query shape (which optional `TupleQuery` fields are present: 2^5 shapes at most, built
 * once and cached), ids bound as one `text[]` parameter each (`= ANY($n::text[])`), run directly on
 * the driver's client: postgres.js `unsafe(text, params, { prepare: true })` (a named prepared
 * statement per shape and connection) or PGlite `query(text, params)`.
 *
 * Why: an uncached check on Postgres issues ~20-100 of these reads; through drizzle each one built
 * its SQL object tree and parameter list anew (~80 KB allocated per read, most of a check's 2.2 MB),
 * and the GC pauses that garbage caused dominated the tail latency. Semantics are those of the
 * builder path it replaces (same WHERE, MVCC visibility and expiration, same row decoding); one
 * array parameter carries any number of ids, so no chunking is needed.
 */
import type { PGlite } from '@electric-sql/pglite';
import type { Sql } from 'postgres';
import type { Revision, Tuple } from '../../model/index.ts';
import type { TupleQuery } from '../types.ts';
import type { SqlDriver } from './driver.ts';

/** Reads the live tuples matching `q` at revision `rev` for a reader whose clock reads `now`. */
export type PointQuery = (q: TupleQuery, rev: Revision, now: number) => Promise<Tuple[]>;

/** A `clove_tuples` row as the drivers return it (snake_case columns, int8 as string or number). */
export interface RawTupleRow {
  resource_type: string;
  resource_id: string;
  relation: string;
  subject_type: string;
  subject_id: string;
  subject_relation: string;
  caveat_name: string | null;
  caveat_context: string | null;
  expires_at: string | number | bigint | null;
}

const RESOURCE_IDS = 1;
const RELATION = 2;
const SUBJECT_TYPE = 4;
const SUBJECT_IDS = 8;
const SUBJECT_RELATION = 16;

/** SQL text per shape mask, built on first use. */
const TEXTS: (string | undefined)[] = new Array(32);

/**
 * The statement for one shape. Parameters: `$1` resource type, then the present fields in a fixed
 * order (relation, resource ids, subject type, subject ids, subject relation), then revision and now.
 * Conditions appear in the order the builder emitted them, so the plans match the previous ones.
 */
function textFor(mask: number): string {
  const cached = TEXTS[mask];
  if (cached !== undefined) return cached;
  let n = 1;
  let where = 'resource_type = $1';
  if (mask & RELATION) where += ` AND relation = $${++n}`;
  if (mask & RESOURCE_IDS) where += ` AND resource_id = ANY($${++n}::text[])`;
  if (mask & SUBJECT_TYPE) where += ` AND subject_type = $${++n}`;
  if (mask & SUBJECT_IDS) where += ` AND subject_id = ANY($${++n}::text[])`;
  if (mask & SUBJECT_RELATION) where += ` AND subject_relation = $${++n}`;
  const rev = ++n;
  const now = ++n;
  const text =
    'SELECT resource_type, resource_id, relation, subject_type, subject_id, subject_relation,' +
    ' caveat_name, caveat_context, expires_at FROM clove_tuples WHERE ' +
    where +
    ` AND created_rev <= $${rev} AND (deleted_rev IS NULL OR deleted_rev > $${rev})` +
    ` AND (expires_at IS NULL OR expires_at > $${now})`;
  TEXTS[mask] = text;
  return text;
}

const NEEDS_ESCAPE = /[\\"]/;

/**
 * A Postgres array literal for a `$n::text[]` parameter: every element quoted (so an id such as
 * `NULL` stays a string), `"` and `\` escaped (only tested for, not replaced, in the common case).
 */
export function textArray(values: readonly string[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as string;
    if (i > 0) out += ',';
    out += `"${NEEDS_ESCAPE.test(v) ? v.replace(/[\\"]/g, '\\$&') : v}"`;
  }
  return `${out}}`;
}

/** The shape mask and bound parameters of `q`, in `textFor`'s order. */
function bind(q: TupleQuery, rev: Revision, now: number): { mask: number; params: unknown[] } {
  let mask = 0;
  const params: unknown[] = [q.resourceType];
  if (q.relation !== undefined) {
    mask |= RELATION;
    params.push(q.relation);
  }
  if (q.resourceIds !== undefined) {
    mask |= RESOURCE_IDS;
    params.push(textArray(q.resourceIds));
  }
  if (q.subjectType !== undefined) {
    mask |= SUBJECT_TYPE;
    params.push(q.subjectType);
  }
  if (q.subjectIds !== undefined) {
    mask |= SUBJECT_IDS;
    params.push(textArray(q.subjectIds));
  }
  if (q.subjectRelation !== undefined) {
    mask |= SUBJECT_RELATION;
    params.push(q.subjectRelation);
  }
  params.push(rev, now);
  return { mask, params };
}

/** Decodes rows straight into Tuples (optional fields absent, not null), one object per row. */
export function toTuples(rows: readonly RawTupleRow[]): Tuple[] {
  const out: Tuple[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as RawTupleRow;
    const t: {
      resource: Tuple['resource'];
      relation: string;
      subject: Tuple['subject'];
      caveat?: Tuple['caveat'];
      expiresAt?: number;
    } = {
      resource: { type: r.resource_type, id: r.resource_id },
      relation: r.relation,
      subject: { type: r.subject_type, id: r.subject_id, relation: r.subject_relation },
    };
    if (r.caveat_name !== null)
      t.caveat =
        r.caveat_context === null
          ? { name: r.caveat_name }
          : { name: r.caveat_name, context: JSON.parse(r.caveat_context) };
    if (r.expires_at !== null) t.expiresAt = Number(r.expires_at);
    out[i] = t;
  }
  return out;
}

/**
 * The builder-free `query` for a driver: same answers as the drizzle path (contract suite), an
 * empty id list answers `[]` without a round trip. Errors are the driver's; callers map them.
 */
export function createPointQuery(driver: SqlDriver): PointQuery {
  const client = driver.reads ?? (driver.db as unknown as { $client: unknown }).$client;
  if (driver.kind === 'postgres') {
    const pg = client as Sql;
    return async (q, rev, now) => {
      if (q.resourceIds?.length === 0 || q.subjectIds?.length === 0) return [];
      const { mask, params } = bind(q, rev, now);
      const rows = await pg.unsafe(textFor(mask), params as never[], { prepare: true });
      return toTuples(rows as unknown as RawTupleRow[]);
    };
  }
  const lite = client as PGlite;
  return async (q, rev, now) => {
    if (q.resourceIds?.length === 0 || q.subjectIds?.length === 0) return [];
    const { mask, params } = bind(q, rev, now);
    const res = await lite.query<RawTupleRow>(textFor(mask), params);
    return toTuples(res.rows);
  };
}

/** The head revision (0 for an empty store). */
const HEAD_SQL = 'SELECT coalesce(max(revision), 0) AS head FROM clove_revisions';

/**
 * `headRevision` outside transactions: one fixed, prepared statement on the read pool. Why: a
 * `fully_consistent` request reads the head every time, and through the query builder that read
 * built and mapped its statement anew on every request.
 */
export function createHeadRead(driver: SqlDriver): () => Promise<number> {
  const client = driver.reads ?? (driver.db as unknown as { $client: unknown }).$client;
  if (driver.kind === 'postgres') {
    const pg = client as Sql;
    return async () => {
      const rows = (await pg.unsafe(HEAD_SQL, [], { prepare: true })) as unknown as {
        head: string | number;
      }[];
      return Number(rows[0]?.head ?? 0);
    };
  }
  const lite = client as PGlite;
  return async () => {
    const res = await lite.query<{ head: string | number }>(HEAD_SQL);
    return Number(res.rows[0]?.head ?? 0);
  };
}
