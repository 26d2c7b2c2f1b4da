/**
 * The reader the lookups' walks see on a networked store when the engine has a read cache: the same
 * answers as the store's reader, with every read that names one list of ids (by subject, as the
 * reverse walk reads, or by resource, as the forward walk reads) answered per id from the cache, and
 * only the missing ids sent to the store. Upward closures (the groups a group is nested in, the
 * folders below a folder) are rebuilt from cached per-id answers when every level is held, and
 * otherwise read whole and recorded per expanded id. Why only lookups: a check's warm answers are
 * cached whole by the dispatch cache, while a lookup's answer is too large to cache and its walk is
 * a handful of dependent store rounds, each worth about half a millisecond on Postgres.
 */
import type { Tuple } from '../../model/index.ts';
import type {
  ClosureQuery,
  ClosureResult,
  ClosureUpRead,
  SnapshotReader,
  TupleQuery,
} from '../../store/types.ts';
import { schemaTag } from '../check/dispatcher.ts';
import type { ReadCache } from '../read-cache.ts';
import type { EvalContext } from '../types.ts';

/** A read split per id: the ids (distinct, in order) and which side of the tuple they name. */
interface PerId {
  readonly ids: readonly string[];
  readonly bySubject: boolean;
  readonly base: string;
}

/** The ids of a read that names exactly one non-empty list of ids, with its key base. */
function perIdOf(scope: string, q: TupleQuery): PerId | undefined {
  const bySubject = q.subjectIds !== undefined;
  if (bySubject === (q.resourceIds !== undefined)) return undefined;
  const list = (bySubject ? q.subjectIds : q.resourceIds) as readonly string[];
  if (list.length === 0) return undefined;
  const base = `${scope}${bySubject ? 's' : 'r'}\u0000${q.resourceType}\u0000${q.relation ?? '\u0001'}\u0000${q.subjectType ?? '\u0001'}\u0000${q.subjectRelation ?? '\u0001'}\u0000`;
  return { ids: list.length === 1 ? list : [...new Set(list)], bySubject, base };
}

/** The ids the cache does not hold, and the answers of those it does. */
function lookUp(cache: ReadCache, p: PerId, now: number) {
  const held: (readonly Tuple[])[] = [];
  const missing: string[] = [];
  for (const id of p.ids) {
    const got = cache.get(p.base + id, now);
    if (got) held.push(got);
    else missing.push(id);
  }
  return { held, missing };
}

/** Records the answer of `p`'s read on `asked` per id, and returns it with the held answers. */
function record(
  cache: ReadCache,
  p: PerId,
  asked: readonly string[],
  found: Tuple[],
  held: readonly (readonly Tuple[])[],
  now: number,
): Tuple[] {
  const byId = new Map<string, Tuple[]>();
  for (const t of found) {
    const id = p.bySubject ? t.subject.id : t.resource.id;
    const list = byId.get(id);
    if (list) list.push(t);
    else byId.set(id, [t]);
  }
  for (const id of asked) cache.set(p.base + id, byId.get(id) ?? [], now);
  for (const h of held) for (const t of h) found.push(t);
  return found;
}

function narrowed(q: TupleQuery, p: PerId, ids: readonly string[]): TupleQuery {
  return p.bySubject ? { ...q, subjectIds: ids } : { ...q, resourceIds: ids };
}

const flat = (held: readonly (readonly Tuple[])[]): Tuple[] => {
  const out: Tuple[] = [];
  for (const h of held) for (const t of h) out.push(t);
  return out;
};

/** An upward closure with no reads but `upReads`, the only kind the walks ask for. */
function plainUp(q: ClosureQuery): boolean {
  return (
    q.direction === 'up' &&
    q.also === undefined &&
    q.startReads === undefined &&
    q.direct === undefined &&
    q.startType === undefined
  );
}

/** The per-id read one level of an upward closure asks (`closureLevelQuery` in the store). */
function levelRead(q: ClosureQuery, ids: readonly string[]): TupleQuery {
  return {
    resourceType: q.resourceType,
    relation: q.relation,
    subjectType: q.resourceType,
    subjectIds: ids,
    ...(q.subjectRelation !== undefined ? { subjectRelation: q.subjectRelation } : {}),
  };
}

/** The by-subject read `r` of an upward closure on `type` over `ids` (`ClosureQuery.upReads`). */
function upRead(type: string, r: ClosureUpRead, ids: readonly string[]): TupleQuery {
  return {
    resourceType: r.resourceType,
    relation: r.relation,
    subjectType: type,
    subjectIds: ids,
    ...(r.subjectRelation !== undefined ? { subjectRelation: r.subjectRelation } : {}),
  };
}

/**
 * `reader` with its reads answered from `cache` where it can (see the module comment). `scope`
 * (`schemaTag|revision|`) pins the snapshot. Readers without `queryMany` (in-process stores, whose
 * reads cost microseconds) are returned as they are.
 */
export function withReadCache(
  reader: SnapshotReader,
  cache: ReadCache | undefined,
  scope: string,
): SnapshotReader {
  const many = reader.queryMany?.bind(reader);
  if (!cache || !many) return reader;
  const now = reader.now;
  const closure = reader.queryClosure?.bind(reader);

  const query = async (q: TupleQuery): Promise<Tuple[]> => {
    const p = perIdOf(scope, q);
    if (!p) return reader.query(q);
    const { held, missing } = lookUp(cache, p, now);
    if (missing.length === 0) return flat(held);
    return record(cache, p, missing, await reader.query(narrowed(q, p, missing)), held, now);
  };

  const queryMany = async (qs: readonly TupleQuery[]): Promise<Tuple[][]> => {
    const plans = qs.map((q) => {
      const p = perIdOf(scope, q);
      return p ? { p, ...lookUp(cache, p, now) } : undefined;
    });
    const sent: TupleQuery[] = [];
    const slot: number[] = [];
    qs.forEach((q, i) => {
      const plan = plans[i];
      if (plan && plan.missing.length === 0) return;
      slot[i] = sent.length;
      sent.push(plan ? narrowed(q, plan.p, plan.missing) : q);
    });
    const answers = sent.length > 0 ? await many(sent) : [];
    return qs.map((_, i) => {
      const plan = plans[i];
      const got = slot[i] === undefined ? undefined : (answers[slot[i]] ?? []);
      if (!plan) return got ?? [];
      if (got === undefined) return flat(plan.held);
      return record(cache, plan.p, plan.missing, got, plan.held, now);
    });
  };

  const queryClosure = closure
    ? async (q: ClosureQuery): Promise<ClosureResult> => {
        const from = q.startSubject;
        // From subjects of the closure's own type, a first-level tuple cannot be told apart.
        if (!plainUp(q) || q.resourceIds.length === 0 || from?.type === q.resourceType)
          return closure(q);
        const nest = perIdOf(scope, levelRead(q, q.resourceIds)) as PerId;
        const ups = (q.upReads ?? []).map(
          (r) => perIdOf(scope, upRead(q.resourceType, r, q.resourceIds)) as PerId,
        );
        const first = from ? (perIdOf(scope, startRead(q, from)) as PerId) : undefined;
        const held = rebuild(cache, { nest, ups, first, withUp: q.upReads !== undefined }, q, now);
        if (held) return held;
        const res = await closure(q);
        // A reader that does not know `startSubject` answered something else: keep nothing.
        if (first && res.fromSubject !== true) return res;
        const firstLevel = first ? res.tuples.filter((t) => t.subject.type === from?.type) : [];
        if (first) record(cache, first, first.ids, firstLevel, [], now);
        const nesting = first
          ? res.tuples.filter((t) => t.subject.type !== from?.type)
          : res.tuples;
        record(cache, nest, res.expanded, nesting, [], now);
        // A store that ignores `upReads` answers without `up`: nothing to record for them.
        if (res.up)
          ups.forEach((u, i) => {
            record(cache, u, res.expanded, res.up?.[i] ?? [], [], now);
          });
        return res;
      }
    : undefined;

  return {
    revision: reader.revision,
    now,
    query,
    queryMany,
    ...(queryClosure ? { queryClosure } : {}),
    ...(reader.queryOrdered ? { queryOrdered: reader.queryOrdered.bind(reader) } : {}),
  };
}

/** The reader a lookup's walks use: `ctx.reader` behind the engine's read cache, when it has one. */
export function walkReader(reads: ReadCache | undefined, ctx: EvalContext): SnapshotReader {
  return withReadCache(ctx.reader, reads, `${schemaTag(ctx.schema.hash)}|${ctx.reader.revision}|`);
}

/** The first level of a closure from subjects of another type (`ClosureQuery.startSubject`). */
function startRead(q: ClosureQuery, from: NonNullable<ClosureQuery['startSubject']>): TupleQuery {
  return {
    resourceType: q.resourceType,
    relation: q.relation,
    subjectType: from.type,
    subjectIds: q.resourceIds,
    ...(from.relation !== undefined ? { subjectRelation: from.relation } : {}),
  };
}

/**
 * A whole closure answer from the cache (first level, nesting, up reads), or undefined when one
 * of its per-id answers is not held.
 */
function rebuild(
  cache: ReadCache,
  reads: {
    readonly nest: PerId;
    readonly ups: readonly PerId[];
    readonly first: PerId | undefined;
    readonly withUp: boolean;
  },
  q: ClosureQuery,
  now: number,
): ClosureResult | undefined {
  const { nest, ups, first } = reads;
  let firstLevel: Tuple[] = [];
  let from = q.resourceIds;
  if (first) {
    const got = lookUp(cache, first, now);
    if (got.missing.length > 0) return undefined;
    firstLevel = flat(got.held);
    from = [...new Set(firstLevel.map((t) => t.resource.id))];
  }
  const closure = closureFromCache(cache, nest.base, from, now);
  if (!closure) return undefined;
  const up = ups.map((u) => lookUp(cache, { ...u, ids: closure.expanded }, now));
  if (up.some((u) => u.missing.length > 0)) return undefined;
  return {
    expanded: closure.expanded,
    tuples: first ? [...firstLevel, ...closure.tuples] : closure.tuples,
    ...(reads.withUp ? { up: up.map((u) => flat(u.held)) } : {}),
    ...(first ? { fromSubject: true as const } : {}),
  };
}

/** An upward closure from per-id answers, level by level, or undefined when one is not held. */
function closureFromCache(
  cache: ReadCache,
  base: string,
  start: readonly string[],
  now: number,
): ClosureResult | undefined {
  const seen = new Set(start);
  const tuples: Tuple[] = [];
  let level = [...seen];
  while (level.length > 0) {
    const next: string[] = [];
    for (const id of level) {
      const got = cache.get(base + id, now);
      if (!got) return undefined;
      for (const t of got) {
        tuples.push(t);
        if (seen.has(t.resource.id)) continue;
        seen.add(t.resource.id);
        next.push(t.resource.id);
      }
    }
    level = next;
  }
  return { expanded: [...seen], tuples };
}
