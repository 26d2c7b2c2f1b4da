/**
 * The reference `queryClosure`: a breadth-first walk with one `query` per level (every id of a
 * level in one read). The memory store serves it as is (its reads are in-process); the SQL stores
 * answer the same question with one recursive statement, and the contract suite holds both to it.
 */
import { type Tuple, tupleKey } from '../../model/index.ts';
import type { ClosureAlsoRead, ClosureQuery, ClosureResult, TupleQuery } from '../types.ts';

/** The `TupleQuery` a closure runs on `ids` (the read it answers for each expanded id). */
export function closureLevelQuery(q: ClosureQuery, ids: readonly string[]): TupleQuery {
  if (q.direction === 'up')
    return q.subjectRelation === undefined
      ? {
          resourceType: q.resourceType,
          relation: q.relation,
          subjectType: q.resourceType,
          subjectIds: ids,
        }
      : {
          resourceType: q.resourceType,
          relation: q.relation,
          subjectType: q.resourceType,
          subjectIds: ids,
          subjectRelation: q.subjectRelation,
        };
  return q.subjectRelation === undefined
    ? { resourceType: q.resourceType, relation: q.relation, resourceIds: ids }
    : {
        resourceType: q.resourceType,
        relation: q.relation,
        resourceIds: ids,
        subjectType: q.resourceType,
        subjectRelation: q.subjectRelation,
      };
}

/** `queryClosure` by repeated `query` (see `ClosureQuery` / `ClosureResult` for the contract). */
export async function closureByLevels(query: Query, q: ClosureQuery): Promise<ClosureResult> {
  const up = q.direction === 'up';
  // A start type (down, whole) reads its ids once; only `resourceType` ids are expanded after.
  const from = !up && q.subjectRelation === undefined ? q.startType : undefined;
  // A start subject (up) reads the relation naming its ids once; only `resourceType` ids follow.
  const subject = up ? q.startSubject : undefined;
  const fromOther = from !== undefined || subject !== undefined;
  const seen = new Set<string>(fromOther ? [] : q.resourceIds);
  const tuples: Tuple[] = [];
  let level = fromOther ? [...new Set(q.resourceIds)] : [...seen];
  let first = fromOther;
  while (level.length > 0) {
    const found = await query(
      !first
        ? closureLevelQuery(q, level)
        : subject
          ? {
              resourceType: q.resourceType,
              relation: q.relation,
              subjectType: subject.type,
              subjectIds: level,
              ...(subject.relation !== undefined ? { subjectRelation: subject.relation } : {}),
            }
          : { resourceType: from as string, relation: q.relation, resourceIds: level },
    );
    // From subjects of the closure's own type, a first-level tuple can be read again on a later
    // level (its subject reached as a resource): each tuple counts once, as in SQL's UNION.
    const again =
      subject?.type === q.resourceType && !first ? new Set(tuples.map(tupleKey)) : undefined;
    first = false;
    const next: string[] = [];
    for (const t of found) {
      if (again?.has(tupleKey(t))) continue;
      tuples.push(t);
      const id = up ? t.resource.id : t.subject.id;
      if ((!up && t.subject.type !== q.resourceType) || seen.has(id)) continue;
      seen.add(id);
      next.push(id);
    }
    level = next;
  }
  const expanded = [...seen];
  const start = from !== undefined && q.startReads ? await startReads(query, q, from) : undefined;
  if (start) {
    const also = q.also ? await alsoReads(query, q, expanded) : undefined;
    return also ? { expanded, tuples, also, start } : { expanded, tuples, start };
  }
  if (q.also && !up && q.subjectRelation === undefined) {
    return { expanded, tuples, also: await alsoReads(query, q, expanded) };
  }
  if (up && subject) {
    const ack = { fromSubject: true } as const;
    return q.upReads
      ? { expanded, tuples, up: await upReads(query, q, expanded), ...ack }
      : { expanded, tuples, ...ack };
  }
  if (up && q.upReads) return { expanded, tuples, up: await upReads(query, q, expanded) };
  if (!q.direct || up || from !== undefined) return { expanded, tuples };
  const direct = await query({
    resourceType: q.resourceType,
    relation: q.relation,
    resourceIds: expanded,
    ...q.direct,
  });
  return { expanded, tuples, direct };
}

type Query = (q: TupleQuery) => Promise<Tuple[]> | Tuple[];

/** The read `a` on `ids` of `type`, as `query` states it. */
function extraRead(type: string, ids: readonly string[], a: ClosureAlsoRead): TupleQuery {
  return {
    resourceType: type,
    relation: a.relation,
    resourceIds: ids,
    subjectType: a.subjectType,
    ...(a.subjectIds !== undefined ? { subjectIds: a.subjectIds } : {}),
    subjectRelation: a.subjectRelation,
  };
}

async function alsoReads(query: Query, q: ClosureQuery, expanded: readonly string[]) {
  const out: Tuple[][] = [];
  for (const a of q.also ?? []) out.push(await query(extraRead(q.resourceType, expanded, a)));
  return out;
}

async function startReads(query: Query, q: ClosureQuery, from: string) {
  const out: Tuple[][] = [];
  for (const a of q.startReads ?? []) out.push(await query(extraRead(from, q.resourceIds, a)));
  return out;
}

async function upReads(query: Query, q: ClosureQuery, expanded: readonly string[]) {
  const out: Tuple[][] = [];
  for (const r of q.upReads ?? [])
    out.push(
      await query({
        resourceType: r.resourceType,
        relation: r.relation,
        subjectType: q.resourceType,
        subjectIds: expanded,
        ...(r.subjectRelation !== undefined ? { subjectRelation: r.subjectRelation } : {}),
      }),
    );
  return out;
}
