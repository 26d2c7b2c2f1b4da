/**
 * The reverse walk behind lookupResources: starting from the subject, follow reverse edges of the
 * schema graph (tuples naming the subject or a subject set it belongs to, refs, `self`, arrows walked
 * backwards through their tupleset) until no node gains a member. Only nodes that can reach the target
 * node are visited. Store reads are batched: one query per edge and round for every new id at once.
 *
 * Each member carries `exact`: true when a pure union path of uncaveated tuples proves it (surely
 * allowed, no check needed), false when it is a candidate that the check engine must confirm.
 */
import { ELLIPSIS, type SubjectRef, type Tuple } from '../../model/index.ts';
import type { ClosureUpRead, SnapshotReader, TupleQuery } from '../../store/types.ts';
import { assertTime, type Budget } from './budget.ts';
import type { Members } from './members.ts';
import { nodeKey, type NodeKey, type ReverseEdge, type SchemaGraph } from './schema-graph.ts';
import { type IdSink, isBounded } from './smallest-ids.ts';
import { hasOrderedQuery } from './types.ts';
import { WalkReads } from './walk-reads.ts';

/** Most ids per store query; larger sets are split (SQL parameter and plan limits). */
export const MAX_IDS_PER_QUERY = 4096;

/**
 * Every object `targetType:id` that the subject may reach at `targetType#targetRel`, with `exact`
 * set when membership is proven. A superset of the allowed and conditional answers of check; throws
 * `OutOfTime` when the budget runs out mid-walk.
 *
 * With a `sink`, the members of the sink side (the target, and same-type nodes that reach it only
 * through refs) go to the sink instead, and the returned map is empty. Why: the bulk of a large
 * answer lands there, and a bounded sink (`SmallestIds`) keeps a page of 100 out of 10,000 in a heap
 * instead of a map to be sorted. With a bounded sink and a reader that serves `queryOrdered`, reads
 * into the sink side are limited to the sink's capacity after its `after` (docs/lookups.md, "How a
 * page is found"). A recursive target keeps its members for the walk and hands them over at the end.
 */
export async function reverseReach(
  reader: SnapshotReader,
  graph: SchemaGraph,
  subject: SubjectRef,
  targetType: string,
  targetRel: string,
  budget: Budget,
  sink?: IdSink,
): Promise<Members> {
  const target = nodeKey(targetType, targetRel);
  const relevant = graph.reachingNodes(target);
  const state = new Map<NodeKey, Members>();
  let dirty = new Map<NodeKey, Members>();

  // Nodes with no relevant edge out (usually the target itself) are never re-queued: the bulk of a
  // large answer lands there, and queueing it would only cost map writes.
  const leadsOn = new Map<NodeKey, boolean>();
  const leads = (node: NodeKey): boolean => {
    let l = leadsOn.get(node);
    if (l === undefined) {
      l = (graph.reverse.get(node) ?? []).some((e) => relevant.has(e.to));
      leadsOn.set(node, l);
    }
    return l;
  };

  // Sink-side nodes: the target (when it leads nowhere else) and same-type nodes whose every relevant
  // edge is a ref into a sink-side node (`view = viewer + edit`: document#viewer). Their members are
  // never read back by the walk, so they go straight to the sink, exact when some ref path is.
  const sinkSide =
    sink === undefined ? NO_SINK_SIDE : sinkSideNodes(graph, relevant, target, leads);
  const ordered = sink !== undefined && hasOrderedQuery(reader) ? reader : undefined;
  const bound = isBounded(sink) && ordered ? sink : undefined;

  // Records a member; re-queues it only when it is new or upgraded from candidate to exact.
  const add = (node: NodeKey, id: string, exact: boolean): void => {
    const viaRefs = sinkSide.get(node);
    if (viaRefs !== undefined) {
      (sink as IdSink).add(id, exact && viaRefs);
      return;
    }
    let members = state.get(node);
    if (!members) {
      members = new Map();
      state.set(node, members);
    }
    const prev = members.get(id);
    if (prev === true || (prev === false && !exact)) return;
    members.set(id, exact);
    if (!leads(node)) return;
    let d = dirty.get(node);
    if (!d) {
      d = new Map();
      dirty.set(node, d);
    }
    d.set(id, exact);
  };

  // An edge into the sink side delivers straight to the sink, with the ref path's exactness
  // looked up once per edge instead of once per tuple (the bulk of a large answer passes here).
  const sinkAdder = (node: NodeKey): ((_: NodeKey, id: string, exact: boolean) => void) => {
    const s = sink as IdSink;
    return sinkSide.get(node)
      ? (_node, id, exact) => s.add(id, exact)
      : (_node, id) => s.add(id, false);
  };

  // Reads for an edge into the sink side: with an ordered store and a bounded sink, only the
  // `capacity` first tuples by resource id after the sink's `after`. A full page of tuples cuts the
  // sink after its last resource id (ids beyond it were not read).
  const walkReads = new WalkReads(reader);
  const plain = (q: TupleQuery) => walkReads.query(q);
  const limited =
    bound && ordered
      ? async (q: TupleQuery): Promise<Tuple[]> => {
          const limit = bound.capacity;
          const tuples = await ordered.queryOrdered(q, {
            ...(bound.after !== undefined ? { afterResourceId: bound.after } : {}),
            limit,
          });
          const last = tuples[tuples.length - 1];
          if (tuples.length >= limit && last) bound.cutAfter(last.resource.id);
          return tuples;
        }
      : plain;

  const start = nodeKey(subject.type, subject.relation);
  if (relevant.has(start)) add(start, subject.id, true);

  // On a networked reader, reads the walk cannot answer from closures wait (merged per edge)
  // until nothing else can progress, then go out together: after one closure has answered a
  // nesting, every level of it is walked in memory and the reads below all its levels (the
  // documents of every folder in a subtree) are one store round instead of one per level.
  let deferred = new Map<ReverseEdge, Members>();
  // The node each deferred edge leaves (edges are the graph's own objects, one list per node).
  const source = new Map<ReverseEdge, NodeKey>();
  const defer = (edge: ReverseEdge, ids: Members, from: NodeKey): void => {
    source.set(edge, from);
    const prev = deferred.get(edge);
    if (!prev) {
      deferred.set(edge, new Map(ids));
      return;
    }
    for (const [id, exact] of ids) if (exact || !prev.has(id)) prev.set(id, exact);
  };
  // A read the plain path serves (not a nesting's closure, not a page's limited read).
  const plainRead = (edge: ReverseEdge): boolean =>
    sinkSide.has(edge.to) ? !bound : !selfNesting(edge);
  const followEdge = (
    edge: ReverseEdge,
    ids: Members,
    upReads: readonly ClosureUpRead[] = [],
  ): Promise<void> => {
    const toSink = sinkSide.has(edge.to);
    const read = toSink
      ? limited
      : selfNesting(edge)
        ? (q: TupleQuery) => walkReads.nested(q, upReads)
        : plain;
    return follow(read, edge, ids, toSink ? sinkAdder(edge.to) : add);
  };
  // The plain reads of the edges out of `node` but `except`, as a closure's `upReads`.
  const upReadsOf = (node: NodeKey, except: ReverseEdge): ClosureUpRead[] => {
    const out: ClosureUpRead[] = [];
    for (const e of graph.reverse.get(node) ?? []) {
      if (e === except || !relevant.has(e.to) || !plainRead(e)) continue;
      const r = upReadOf(e);
      if (r) out.push(r);
    }
    return out;
  };
  // A plain direct edge from another type into a nesting (a user's groups, nested in groups): its
  // read goes as a closure from the subjects (`WalkReads.entering`), which also answers the
  // nesting on every group above and the reads of the other edges out of it.
  const enterNesting = (edge: ReverseEdge, ids: Members): Promise<void> | undefined => {
    if (edge.kind !== 'direct' || edge.subjectType === edge.toType || sinkSide.has(edge.to))
      return undefined;
    if (!walkReads.networked || !plainRead(edge)) return undefined;
    const nesting = (graph.reverse.get(edge.to) ?? []).find(
      (e) =>
        e.kind === 'direct' &&
        selfNesting(e) &&
        relevant.has(e.to) &&
        e.toType === edge.toType &&
        e.toRel === edge.toRel,
    );
    if (nesting?.kind !== 'direct') return undefined;
    const upReads = upReadsOf(edge.to, nesting);
    const read = (q: TupleQuery) => walkReads.entering(q, nesting.subjectRelation, upReads);
    return follow(read, edge, ids, add);
  };

  while (dirty.size > 0 || deferred.size > 0) {
    assertTime(budget);
    const reads: Promise<void>[] = [];
    if (dirty.size === 0) {
      const work = deferred;
      deferred = new Map();
      // A nesting's closure carries the plain reads of the other edges out of its node, on every
      // id it reaches (the grants to every group found, the documents of every folder below):
      // those edges go after it and find their answers recorded, one store round fewer.
      const carried = new Set<ReverseEdge>();
      const withClosure: [ReverseEdge, Members, ClosureUpRead[]][] = [];
      for (const [edge, ids] of work) {
        if (sinkSide.has(edge.to) || !selfNesting(edge) || !walkReads.networked) continue;
        const from = source.get(edge);
        const upReads: ClosureUpRead[] = [];
        for (const other of work.keys()) {
          if (other === edge || source.get(other) !== from || !plainRead(other)) continue;
          const r = upReadOf(other);
          if (!r) continue;
          upReads.push(r);
          carried.add(other);
        }
        withClosure.push([edge, ids, upReads]);
      }
      for (const [edge, ids, upReads] of withClosure) reads.push(followEdge(edge, ids, upReads));
      for (const [edge, ids] of work)
        if (!carried.has(edge) && !withClosure.some(([e]) => e === edge))
          reads.push(enterNesting(edge, ids) ?? followEdge(edge, ids));
      await Promise.all(reads);
      const after: Promise<void>[] = [];
      for (const edge of carried) after.push(followEdge(edge, work.get(edge) as Members));
      await Promise.all(after);
      continue;
    }
    const round = dirty;
    dirty = new Map();
    for (const [node, ids] of round) {
      for (const edge of graph.reverse.get(node) ?? []) {
        if (!relevant.has(edge.to)) continue;
        if (
          walkReads.networked &&
          edge.kind !== 'computed' &&
          !walkReads.knows(edgeQuery(edge, ids))
        )
          defer(edge, ids, node);
        else reads.push(followEdge(edge, ids));
      }
    }
    await Promise.all(reads);
  }
  const found = state.get(target) ?? new Map();
  if (sink === undefined) return found;
  // A recursive target kept its members for the walk; the sink gets them now.
  for (const [id, exact] of found) sink.add(id, exact);
  return new Map();
}

const NO_SINK_SIDE: ReadonlyMap<NodeKey, boolean> = new Map();

/**
 * An edge whose read names subjects of the type it reaches, through the same relation on every
 * level: a group nested in groups (`group#member@group#member`), a folder's `parent` walked down.
 * Such reads go through `WalkReads.nested` (one closure for the whole nesting).
 */
function selfNesting(edge: ReverseEdge): boolean {
  if (edge.kind === 'direct')
    return edge.toType === edge.subjectType && edge.toRel === edge.subjectRelation;
  return edge.kind === 'arrow' && edge.toType === edge.subjectType;
}

/** Sink-side nodes (see reverseReach) → whether some ref path from them to the target is exact. */
function sinkSideNodes(
  graph: SchemaGraph,
  relevant: ReadonlySet<NodeKey>,
  target: NodeKey,
  leads: (node: NodeKey) => boolean,
): ReadonlyMap<NodeKey, boolean> {
  const out = new Map<NodeKey, boolean>();
  if (leads(target)) return out;
  out.set(target, true);
  for (let changed = true; changed; ) {
    changed = false;
    for (const node of relevant) {
      if (out.has(node)) continue;
      const edges = (graph.reverse.get(node) ?? []).filter((e) => relevant.has(e.to));
      if (edges.length === 0) continue;
      let exact = false;
      let all = true;
      for (const e of edges) {
        const to = e.kind === 'computed' ? out.get(e.to) : undefined;
        if (to === undefined) {
          all = false;
          break;
        }
        exact ||= (e as { exact: boolean }).exact && to;
      }
      if (all) {
        out.set(node, exact);
        changed = true;
      }
    }
  }
  return out;
}

/** The by-subject read an edge makes for `ids` (what `follow` asks; wildcard and refs: none). */
function edgeQuery(edge: ReverseEdge, ids: Members): TupleQuery | undefined {
  if (edge.kind === 'direct')
    return {
      resourceType: edge.toType,
      relation: edge.toRel,
      subjectType: edge.subjectType,
      subjectIds: [...ids.keys()],
      subjectRelation: edge.subjectRelation,
    };
  if (edge.kind === 'arrow')
    return {
      resourceType: edge.toType,
      relation: edge.tupleset,
      subjectType: edge.subjectType,
      subjectIds: [...ids.keys()],
    };
  return undefined;
}

/** An edge's by-subject read as a closure's `upReads` entry (wildcard and refs: none). */
function upReadOf(edge: ReverseEdge): ClosureUpRead | undefined {
  if (edge.kind === 'direct')
    return {
      resourceType: edge.toType,
      relation: edge.toRel,
      subjectRelation: edge.subjectRelation,
    };
  if (edge.kind === 'arrow') return { resourceType: edge.toType, relation: edge.tupleset };
  return undefined;
}

async function follow(
  query: (q: TupleQuery) => Promise<Tuple[]>,
  edge: ReverseEdge,
  ids: Members,
  add: (node: NodeKey, id: string, exact: boolean) => void,
): Promise<void> {
  switch (edge.kind) {
    case 'computed':
      for (const [id, exact] of ids) add(edge.to, id, exact && edge.exact);
      return;
    case 'wildcard': {
      // Out of `type#...`: only the subject object itself lives there.
      const tuples = await query({
        resourceType: edge.toType,
        relation: edge.toRel,
        subjectType: edge.subjectType,
        subjectIds: ['*'],
        subjectRelation: ELLIPSIS,
      });
      const anyExact = [...ids.values()].some((e) => e);
      for (const t of tuples) add(edge.to, t.resource.id, anyExact && !t.caveat);
      return;
    }
    case 'direct':
      await batched(
        ids,
        (subjectIds) => ({
          resourceType: edge.toType,
          relation: edge.toRel,
          subjectType: edge.subjectType,
          subjectIds,
          subjectRelation: edge.subjectRelation,
        }),
        query,
        allExact(ids)
          ? (t) => add(edge.to, t.resource.id, !t.caveat)
          : (t) => add(edge.to, t.resource.id, (ids.get(t.subject.id) ?? false) && !t.caveat),
      );
      return;
    case 'arrow':
      // Arrows ignore the tupleset tuple's subject relation: no subjectRelation filter.
      await batched(
        ids,
        (subjectIds) => ({
          resourceType: edge.toType,
          relation: edge.tupleset,
          subjectType: edge.subjectType,
          subjectIds,
        }),
        query,
        !edge.exact
          ? (t) => add(edge.to, t.resource.id, false)
          : allExact(ids)
            ? (t) => add(edge.to, t.resource.id, !t.caveat)
            : (t) => add(edge.to, t.resource.id, (ids.get(t.subject.id) ?? false) && !t.caveat),
      );
      return;
  }
}

async function batched(
  ids: Members,
  build: (subjectIds: string[]) => TupleQuery,
  query: (q: TupleQuery) => Promise<Tuple[]>,
  each: (t: Tuple) => void,
): Promise<void> {
  const all = [...ids.keys()];
  for (let i = 0; i < all.length; i += MAX_IDS_PER_QUERY) {
    const chunk = all.length <= MAX_IDS_PER_QUERY ? all : all.slice(i, i + MAX_IDS_PER_QUERY);
    const tuples = await query(build(chunk));
    for (let j = 0; j < tuples.length; j++) each(tuples[j] as Tuple);
  }
}

/** True when every member is proven, so a tuple's exactness depends on its caveat alone. */
function allExact(ids: Members): boolean {
  for (const exact of ids.values()) if (!exact) return false;
  return true;
}
