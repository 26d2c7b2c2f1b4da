/**
 * The Postgres bulk-import fast path: tuples stream through `COPY ... FROM STDIN` (text format) into
 * a temporary staging table, and each segment moves into `clove_tuples` with one
 * `INSERT ... SELECT ... ON CONFLICT DO NOTHING`. COPY skips per-row parameter parsing and the
 * `unnest` array decoding of the multi-row INSERT, which dominated the import's cost.
 */
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import type { Revision, Tuple } from '../../model/index.ts';
import { rowsOf, type SqlTx } from './driver.ts';
import { resolveShortfall } from './sql-import.ts';

/** The postgres.js transaction handle under a drizzle transaction (for COPY, which drizzle lacks). */
type CopyClient = (
  strings: TemplateStringsArray,
  ...values: unknown[]
) => { writable(): Promise<Writable> };

/**
 * Rows per staging segment. Why not one segment for the whole import: the staging table (and the
 * tuples kept in memory to diagnose a conflict) would grow with the import; 50k rows keeps both small
 * while the per-segment statements cost well under 1% of the segment's time.
 */
export const COPY_SEGMENT_ROWS = 50_000;

/** Rows encoded per `write` call, so backpressure is checked without one write per row. */
const ROWS_PER_CHUNK = 500;

/**
 * Escapes one value for COPY text format: backslash, tab, newline and carriage return are the only
 * characters with meaning there. `null`/`undefined` become `\N`.
 */
export function copyText(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  const s = String(v);
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
 * CREATE semantics identical to `importBatch`. `onBatch(k)` fires after every `batchSize` rows sent
 * to the server (so progress moves while COPY streams) and with the total at the end (also for 0).
 */
export async function copyImport(
  tx: SqlTx,
  source: AsyncIterable<Tuple> | Iterable<Tuple>,
  rev: Revision,
  now: number,
  batchSize: number,
  onBatch: (imported: number) => void,
): Promise<number> {
  const client = (tx as unknown as { session: { client: CopyClient } }).session.client;
  // ON COMMIT DROP: the table lives only as long as this import's transaction (also on rollback).
  await tx.execute(sql`CREATE TEMP TABLE clove_import_stage (
      rt text, rid text, rel text, st text, sid text, sr text, cav text, ctx text, exp bigint
    ) ON COMMIT DROP`);
  let sent = 0;
  let segment: Tuple[] = [];
  let stream: Writable | undefined;
  let chunk = '';
  let inChunk = 0;

  const flushChunk = async () => {
    if (inChunk === 0 || !stream) return;
    const ok = stream.write(chunk);
    chunk = '';
    inChunk = 0;
    if (!ok) await once(stream, 'drain');
  };
  const endSegment = async () => {
    if (!stream) return;
    await flushChunk();
    const s = stream;
    stream = undefined;
    s.end();
    await finished(s);
    await moveSegment(tx, segment, rev, now);
    segment = [];
  };

  try {
    for await (const t of source) {
      if (!stream)
        stream =
          await client`COPY clove_import_stage (rt, rid, rel, st, sid, sr, cav, ctx, exp) FROM STDIN`.writable();
      segment.push(t);
      chunk += copyRow(t);
      inChunk++;
      sent++;
      if (inChunk >= ROWS_PER_CHUNK) await flushChunk();
      if (sent % batchSize === 0) onBatch(sent);
      if (segment.length >= COPY_SEGMENT_ROWS) await endSegment();
    }
    await endSegment();
  } catch (err) {
    // A failed source (or server error) mid-COPY: abort the COPY (CopyFail) and let the connection
    // return to the transaction, which the caller then rolls back.
    if (stream) {
      stream.destroy(err instanceof Error ? err : new Error(String(err)));
      await finished(stream).catch(() => {});
    }
    throw err;
  }
  if (sent === 0 || sent % batchSize !== 0) onBatch(sent);
  return sent;
}

/** Moves the staged segment into `clove_tuples`; a shortfall is diagnosed exactly as `importBatch` does. */
async function moveSegment(tx: SqlTx, segment: Tuple[], rev: Revision, now: number) {
  const [ins] = await rowsOf<{ n: string | number }>(
    tx,
    sql`WITH ins AS (
        INSERT INTO clove_tuples (resource_type, resource_id, relation, subject_type, subject_id, subject_relation, caveat_name, caveat_context, expires_at, created_rev)
        SELECT rt, rid, rel, st, sid, sr, cav, ctx, exp, ${rev}::bigint FROM clove_import_stage
        ON CONFLICT (resource_type, relation, resource_id, subject_type, subject_id, subject_relation) WHERE deleted_rev IS NULL DO NOTHING
        RETURNING 1)
      SELECT count(*) AS n FROM ins`,
  );
  await tx.execute(sql`TRUNCATE clove_import_stage`);
  const inserted = Number(ins?.n ?? 0);
  if (inserted < segment.length) await resolveShortfall(tx, segment, rev, now, inserted);
}
