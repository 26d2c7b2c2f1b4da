/**
 * Reconstructs the change log for watch from MVCC rows: a revision's changes are the rows it created
 * (touch) and the rows it deleted (delete), except deletions that were the old half of a TOUCH at the
 * same revision, or of a tuple already expired at commit time (invisible, so not a change).
 */
import { sql } from 'drizzle-orm';
import { type Revision, tupleKey } from '../../model/index.ts';
import { revisionExpired } from '../shared/errors.ts';
import type { WatchLogEntry } from '../shared/watch-loop.ts';
import type { TransactionMetadata, TupleAttribution, TupleChange } from '../types.ts';
import { rowsOf, type SqlExec } from './driver.ts';
import { pgArray, rowToTuple, type TupleRow } from './sql-helpers.ts';

/** Revisions fetched per watch round (a bound on memory per round, not on events). */
const REVISIONS_PER_ROUND = 200;

/** The committed entries after `after`, oldest first; `revision_expired` if GC passed `after`. */
export async function loadLogAfter(db: SqlExec, after: Revision): Promise<WatchLogEntry[]> {
  const [meta] = await rowsOf<{ value: string }>(
    db,
    sql`SELECT value FROM clove_store_meta WHERE key = 'gc_boundary'`,
  );
  const boundary = meta ? Number(meta.value) : 0;
  if (after < boundary) throw revisionExpired(after, boundary);
  const revs = await rowsOf<{
    revision: string | number;
    committed_at: string | number;
    metadata: string | null;
  }>(
    db,
    sql`SELECT revision, committed_at, metadata FROM clove_revisions WHERE revision > ${after}::bigint
        ORDER BY revision LIMIT ${REVISIONS_PER_ROUND}`,
  );
  if (revs.length === 0) return [];
  const hi = Number((revs[revs.length - 1] as { revision: string | number }).revision);
  const rows = await rowsOf<
    TupleRow & { createdRev: string | number; deletedRev: string | number | null }
  >(
    db,
    sql`SELECT resource_type AS "resourceType", resource_id AS "resourceId", relation,
          subject_type AS "subjectType", subject_id AS "subjectId", subject_relation AS "subjectRelation",
          caveat_name AS "caveatName", caveat_context AS "caveatContext", expires_at AS "expiresAt",
          created_rev AS "createdRev", deleted_rev AS "deletedRev"
        FROM clove_tuples
        WHERE (created_rev > ${after}::bigint AND created_rev <= ${hi}::bigint)
           OR (deleted_rev > ${after}::bigint AND deleted_rev <= ${hi}::bigint)`,
  );
  const committedAt = new Map(revs.map((r) => [Number(r.revision), Number(r.committed_at)]));
  const changes = new Map<Revision, TupleChange[]>();
  const created = new Set<string>();
  const push = (rev: Revision, c: TupleChange) => {
    const list = changes.get(rev);
    if (list) list.push(c);
    else changes.set(rev, [c]);
  };
  for (const r of rows) {
    const c = Number(r.createdRev);
    if (c > after && c <= hi) {
      const tuple = rowToTuple(r);
      push(c, { op: 'touch', tuple });
      created.add(`${c}|${tupleKey(tuple)}`);
    }
  }
  for (const r of rows) {
    if (r.deletedRev === null) continue;
    const d = Number(r.deletedRev);
    if (d <= after || d > hi) continue;
    const tuple = rowToTuple(r);
    if (created.has(`${d}|${tupleKey(tuple)}`)) continue;
    if (tuple.expiresAt !== undefined && tuple.expiresAt <= (committedAt.get(d) ?? 0)) continue;
    push(d, { op: 'delete', tuple });
  }
  return revs.map((r) => {
    const revision = Number(r.revision);
    const metadata =
      r.metadata === null ? undefined : (JSON.parse(r.metadata) as TransactionMetadata);
    return { revision, changes: changes.get(revision) ?? [], ...(metadata && { metadata }) };
  });
}

/**
 * Attributes a page of tuples from their created revisions: one primary-key lookup of the page's
 * distinct revisions (a page written by one transaction costs one row), each metadata parsed once.
 */
export async function attributeRevisions(
  db: SqlExec,
  createdRevs: readonly Revision[],
): Promise<TupleAttribution[]> {
  if (createdRevs.length === 0) return [];
  const distinct = [...new Set(createdRevs)];
  const rows = await rowsOf<{ revision: string | number; metadata: string }>(
    db,
    sql`SELECT revision, metadata FROM clove_revisions
        WHERE revision = ANY(${pgArray(distinct)}::bigint[]) AND metadata IS NOT NULL`,
  );
  const byRev = new Map<Revision, TupleAttribution>();
  for (const r of rows) {
    const revision = Number(r.revision);
    byRev.set(revision, { revision, metadata: JSON.parse(r.metadata) as TransactionMetadata });
  }
  return createdRevs.map((revision) => byRev.get(revision) ?? { revision });
}
