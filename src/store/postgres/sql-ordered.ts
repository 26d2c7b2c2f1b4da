/**
 * The SQL store's ordered, limited reads (`SnapshotReader.queryOrdered`): the WHERE of `query` plus
 * `resource_id > $after ORDER BY resource_id LIMIT $n`. `resource_id` is `COLLATE "C"` (migration
 * 0001), so the order is bytewise: the same as the memory store's JS `<` for the model's ASCII ids.
 *
 * Plan: with subject ids (lookupResources' last hop) Postgres reads the matching rows through
 * `clove_tuples_subject_idx` and keeps the first `limit` in a top-N heapsort, so the work is the
 * matching rows of the asked subjects but only `limit` rows are decoded and sent; with few rows per
 * resource it may instead walk `clove_tuples_resource_idx` in resource id order and stop at `limit`.
 */
import { and, asc, gt, type SQL } from 'drizzle-orm';
import type { Revision, Tuple } from '../../model/index.ts';
import type { OrderedPage, TupleQuery } from '../types.ts';
import type { SqlDb } from './driver.ts';
import { queryConditions, rowToTuple, TUPLE_COLUMNS, visibleAt } from './sql-helpers.ts';
import { tuples } from './tables.ts';

function compareIds(a: Tuple, b: Tuple): number {
  const x = a.resource.id;
  const y = b.resource.id;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Tuples matching `q` at (`rev`, `now`) with resource id above `page.afterResourceId`, ascending by
 * resource id, at most `page.limit`. More than `idsPerQuery` ids are read in chunks, each chunk
 * limited, then merged and cut (the first `limit` overall are among the first `limit` of each chunk).
 */
export async function queryOrderedAt(
  db: SqlDb,
  q: TupleQuery,
  rev: Revision,
  now: number,
  page: OrderedPage,
  idsPerQuery: number,
): Promise<Tuple[]> {
  const limit = page.limit;
  if (!(limit > 0) || q.resourceIds?.length === 0 || q.subjectIds?.length === 0) return [];
  const ids = q.resourceIds ?? q.subjectIds;
  if (ids && ids.length > idsPerQuery) {
    const field = q.resourceIds ? 'resourceIds' : 'subjectIds';
    const unique = [...new Set(ids)];
    const out: Tuple[] = [];
    for (let i = 0; i < unique.length; i += idsPerQuery) {
      const chunk = { ...q, [field]: unique.slice(i, i + idsPerQuery) };
      out.push(...(await queryOrderedAt(db, chunk, rev, now, page, idsPerQuery)));
    }
    return out.sort(compareIds).slice(0, limit);
  }
  const conds: SQL[] = [...queryConditions(q), visibleAt(rev, now)];
  if (page.afterResourceId !== undefined) conds.push(gt(tuples.resourceId, page.afterResourceId));
  const rows = await db
    .select(TUPLE_COLUMNS)
    .from(tuples)
    .where(and(...conds))
    .orderBy(asc(tuples.resourceId))
    .limit(Math.min(limit, Number.MAX_SAFE_INTEGER));
  return rows.map(rowToTuple);
}
