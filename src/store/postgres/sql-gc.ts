/**
 * Garbage collection for the SQL store, under the write lock: tuple versions deleted at or before
 * the boundary revision, tuples expired before the cutoff, revisions older than the boundary (except
 * those whose metadata still attributes a stored tuple), and schemas superseded before it. The boundary is recorded so watches can't resume before it.
 */
import { sql } from 'drizzle-orm';
import { rowsOf, type SqlDb } from './driver.ts';
import { WRITE_LOCK } from './sql-helpers.ts';

/** Runs one GC pass for `cutoff` (= now − GC window, epoch ms). */
export function collectGarbage(
  db: SqlDb,
  cutoff: number,
): Promise<{ tuplesRemoved: number; revisionsRemoved: number }> {
  return db.transaction(async (tx) => {
    await tx.execute(WRITE_LOCK);
    const [b] = await rowsOf<{ b: string | number }>(
      tx,
      sql`SELECT coalesce((SELECT max(revision) FROM clove_revisions WHERE committed_at < ${cutoff}::bigint),
            (SELECT min(revision) - 1 FROM clove_revisions), 0) AS b`,
    );
    const boundary = Number(b?.b ?? 0);
    const [t] = await rowsOf<{ n: string | number }>(
      tx,
      sql`WITH gone AS (DELETE FROM clove_tuples WHERE deleted_rev <= ${boundary}::bigint OR expires_at < ${cutoff}::bigint RETURNING 1)
          SELECT count(*) AS n FROM gone`,
    );
    const [r] = await rowsOf<{ n: string | number }>(
      tx,
      // A revision whose metadata still attributes a stored tuple version stays (read results show
      // who wrote each tuple); it is below the boundary, so no snapshot or watch can use it.
      sql`WITH gone AS (DELETE FROM clove_revisions r WHERE r.revision < ${boundary}::bigint
            AND (r.metadata IS NULL OR NOT EXISTS (SELECT 1 FROM clove_tuples t WHERE t.created_rev = r.revision))
            RETURNING 1)
          SELECT count(*) AS n FROM gone`,
    );
    await tx.execute(
      sql`DELETE FROM clove_schemas WHERE revision < (SELECT max(revision) FROM clove_schemas WHERE revision <= ${boundary}::bigint)`,
    );
    await tx.execute(
      sql`INSERT INTO clove_store_meta (key, value) VALUES ('gc_boundary', ${String(boundary)})
          ON CONFLICT (key) DO UPDATE SET value = GREATEST(clove_store_meta.value::bigint, EXCLUDED.value::bigint)::text`,
    );
    return { tuplesRemoved: Number(t?.n ?? 0), revisionsRemoved: Number(r?.n ?? 0) };
  });
}
