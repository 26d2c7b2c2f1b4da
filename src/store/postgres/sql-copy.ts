/**
 * The Postgres bulk-import fast path: tuples stream through `COPY ... FROM STDIN` (text format) into
 * a temporary staging table, and each segment moves into `clove_tuples` with one
 * `INSERT ... SELECT ... ON CONFLICT DO NOTHING`. COPY skips per-row parameter parsing and the
 * `unnest` array decoding of the multi-row INSERT, which dominated the import's cost.
 */
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { sql } from 'drizzle-orm';
import { StoreError } from '../../errors.ts';
import type { Revision, Tuple } from '../../model/index.ts';
import { rowsOf, type SqlTx, sqlStateOf, type TxClient, txClientOf } from './driver.ts';
import { rowToTuple, type TupleRow } from './sql-helpers.ts';
import { resolveShortfall } from './sql-import.ts';

/**
 * Rows per staging segment. Each segment moves into `clove_tuples` sorted in the forward index's
 * order, so the btree inserts walk the indexes rather than hitting random pages: measured 5-10%
 * faster at 1M generated rows that already arrive nearly in order, and meant for imports that do
 * not. Why not one segment for the whole import: the staging table (and the rows read back to
 * diagnose a conflict) would grow with the import; 200k rows keeps both bounded.
 */
export const COPY_SEGMENT_ROWS = 200_000;

/** Rows encoded per `write` call, so backpressure is checked without one write per row. */
const ROWS_PER_CHUNK = 500;

/**
 * Escapes one value for COPY text format: backslash, tab, newline and carriage return are the only
 * characters with meaning there. `null`/`undefined` become `\N`; a NUL character is refused
 * (`invalid_tuple`).
 */
export function copyText(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  const s = String(v);
  // Why check NUL here: Postgres text cannot hold it, and a COPY that fails after its last chunk
  // is sent leaves postgres.js waiting forever; refuse before sending (the INSERT path errors too).
  if (s.includes('\0'))
    throw new StoreError('invalid_tuple', 'a tuple field contains a NUL character');
  return /[\\\t\n\r]/.test(s)
    ? s.replace(/[\\\t\n\r]/g, (c) =>
        c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
      )
    : s;
}

/** One staging row (resource type, id, relation, subject type, id, relation, caveat, context, expiry). */
export function copyRow(t: Tuple): string {
  const ctx = t.caveat?.context === undefined ? null : JSON.stringify(t.caveat.context);
  return `${copyText(t.resource.type)}\t${copyText(t.resource.id)}\t${copyText(t.relation)}\t${copyText(t.subject.type)}\t${copyText(t.subject.id)}\t${copyText(t.subject.relation)}\t${copyText(t.caveat?.name)}\t${copyText(ctx)}\t${copyText(t.expiresAt)}\n`;
}

/**
 * Imports `source` inside the caller's write transaction `tx` (Postgres only) at revision `rev`, with
 * CREATE semantics identical to `importBatch`. `onBatch(k)` fires after every `batchSize` rows read
 * and encoded (so progress moves while segments stream) and with the total at the end (also for 0).
 */
export async function copyImport(
  tx: SqlTx,
  source: AsyncIterable<Tuple> | Iterable<Tuple>,
  rev: Revision,
  now: number,
  batchSize: number,
  onBatch: (imported: number) => void,
): Promise<number> {
  const client = txClientOf(tx);
  // ON COMMIT DROP: the table lives only as long as this import's transaction (also on rollback).
  await tx.execute(sql`CREATE TEMP TABLE clove_import_stage (
      rt text, rid text, rel text, st text, sid text, sr text, cav text, ctx text, exp bigint
    ) ON COMMIT DROP`);
  // Why: the per-segment sort would otherwise spill to disk at the default 4 MB.
  await tx.execute(sql`SET LOCAL work_mem = '128MB'`);
  let sent = 0;
  let staged = 0; // rows encoded for the next segment
  let chunks: string[] = [];
  let chunk = '';
  let inChunk = 0;
  // Why a pipeline: the database's work (the sorted INSERT of a segment) and ours (pulling and
  // encoding the next segment) then run at the same time, on different cores.
  let moving: Promise<void> | undefined;

  const ship = async () => {
    if (inChunk > 0) chunks.push(chunk);
    chunk = '';
    inChunk = 0;
    if (staged === 0) return;
    // The previous segment's INSERT must be done before the staging table is refilled.
    if (moving) await moving;
    const rows = staged;
    const out = chunks;
    staged = 0;
    chunks = [];
    const stream =
      await client`COPY clove_import_stage (rt, rid, rel, st, sid, sr, cav, ctx, exp) FROM STDIN`.writable();
    try {
      for (const c of out) if (!stream.write(c)) await once(stream, 'drain');
      stream.end();
      await finished(stream);
    } catch (err) {
      // A server error mid-COPY: abort it (CopyFail) so the connection returns to the transaction,
      // which the caller then rolls back.
      stream.destroy(err instanceof Error ? err : new Error(String(err)));
      await finished(stream).catch(() => {});
      throw err;
    }
    moving = moveSegment(tx, rows, rev, now);
    moving.catch(() => {}); // awaited later; this only keeps it from counting as unhandled
  };

  try {
    for await (const t of source) {
      chunk += copyRow(t);
      if (++inChunk >= ROWS_PER_CHUNK) {
        chunks.push(chunk);
        chunk = '';
        inChunk = 0;
      }
      staged++;
      sent++;
      if (sent % batchSize === 0) onBatch(sent);
      if (staged >= COPY_SEGMENT_ROWS) await ship();
    }
    await ship();
    if (moving) await moving;
  } catch (err) {
    // Let a running segment INSERT settle before the caller rolls the transaction back.
    if (moving) await moving.catch(() => {});
    throw err;
  }
  if (sent === 0 || sent % batchSize !== 0) onBatch(sent);
  return sent;
}

/** SQLSTATE unique_violation: the live-key index refused a row. */
const UNIQUE_VIOLATION = '23505';

/**
 * Moves the staged segment (`staged` rows) into `clove_tuples`. It first tries a plain INSERT in a
 * savepoint. Why: `ON CONFLICT DO NOTHING` makes every row a speculative insertion (probe the unique
 * index, insert, confirm), measured 20-25% slower for a 200k-row segment, and conflicts are rare.
 * Only when the live key refuses a row does the segment roll back to the savepoint and go again
 * with `ON CONFLICT DO NOTHING`, whose shortfall is diagnosed exactly as `importBatch` does.
 */
async function moveSegment(tx: SqlTx, staged: number, rev: Revision, now: number) {
  try {
    await txClientOf(tx).savepoint((sp) => insertStaged(sp, rev));
  } catch (err) {
    if (sqlStateOf(err) !== UNIQUE_VIOLATION) throw err;
    await moveSegmentResolvingConflicts(tx, staged, rev, now);
  }
  await tx.execute(sql`TRUNCATE clove_import_stage`);
}

/** Moves every staged row into `clove_tuples` at `rev`, in the forward index's order. */
function insertStaged(sp: TxClient, rev: Revision) {
  return sp`INSERT INTO clove_tuples (resource_type, resource_id, relation, subject_type, subject_id, subject_relation, caveat_name, caveat_context, expires_at, created_rev)
    SELECT rt, rid, rel, st, sid, sr, cav, ctx, exp, ${rev}::bigint FROM clove_import_stage
    ORDER BY rt COLLATE "C", rel COLLATE "C", rid COLLATE "C", st COLLATE "C", sid COLLATE "C", sr COLLATE "C"`;
}

/** The conflict path: inserts what the live key allows, then explains (or replaces) the rest. */
async function moveSegmentResolvingConflicts(
  tx: SqlTx,
  staged: number,
  rev: Revision,
  now: number,
) {
  const [ins] = await rowsOf<{ n: string | number }>(
    tx,
    sql`WITH ins AS (
        INSERT INTO clove_tuples (resource_type, resource_id, relation, subject_type, subject_id, subject_relation, caveat_name, caveat_context, expires_at, created_rev)
        SELECT rt, rid, rel, st, sid, sr, cav, ctx, exp, ${rev}::bigint FROM clove_import_stage
        ORDER BY rt COLLATE "C", rel COLLATE "C", rid COLLATE "C", st COLLATE "C", sid COLLATE "C", sr COLLATE "C"
        ON CONFLICT (resource_type, relation, resource_id, subject_type, subject_id, subject_relation) WHERE deleted_rev IS NULL DO NOTHING
        RETURNING 1)
      SELECT count(*) AS n FROM ins`,
  );
  const inserted = Number(ins?.n ?? 0);
  if (inserted < staged) {
    const rows = await rowsOf<TupleRow>(
      tx,
      sql`SELECT rt AS "resourceType", rid AS "resourceId", rel AS "relation", st AS "subjectType",
            sid AS "subjectId", sr AS "subjectRelation", cav AS "caveatName", ctx AS "caveatContext",
            exp AS "expiresAt"
          FROM clove_import_stage`,
    );
    await resolveShortfall(tx, rows.map(rowToTuple), rev, now, inserted);
  }
}
