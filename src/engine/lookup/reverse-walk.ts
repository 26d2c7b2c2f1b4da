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
import type { SnapshotReader, TupleQuery } from '../../store/types.ts';
import { assertTime, type Budget } from './budget.ts';
import type { Members } from './members.ts';
import { nodeKey, type NodeKey, type ReverseEdge, type SchemaGraph } from './schema-graph.ts';
import type { IdSink } from './smallest-ids.ts';

/** Most ids per store query; larger sets are split (SQL parameter and plan limits). */
export const MAX_IDS_PER_QUERY = 4096;

/**
 * Every object `targetType:id` that the subject may reach at `targetType#targetRel`, with `exact`
 * set when membership is proven. A superset of the allowed and conditional answers of check; throws
 * `OutOfTime` when the budget runs out mid-walk.
 *
 * With a `sink`, the target's members go to the sink instead (and the returned map is empty). Why:
 * the target is usually where the bulk of a large answer lands, and a bounded sink (`SmallestIds`)
 * keeps a page of 100 out of 10,000 in a heap instead of a map to be sorted. When the target leads
 * on to itself (a recursive target), its members are still needed by the walk and are handed to the
 * sink at the end.
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

  // A target that leads nowhere delivers straight to the sink: nothing reads its members back.
  const direct = sink !== undefined && !leads(target) ? sink : undefined;

  // Records a member; re-queues it only when it is new or upgraded from candidate to exact.
  const add = (node: NodeKey, id: string, exact: boolean): void => {
    if (direct !== undefined && node === target) {
      direct.add(id, exact);
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

  const start = nodeKey(subject.type, subject.relation);
  if (relevant.has(start)) add(start, subject.id, true);

  while (dirty.size > 0) {
    assertTime(budget);
    const round = dirty;
    dirty = new Map();
    const reads: Promise<void>[] = [];
    for (const [node, ids] of round) {
      for (const edge of graph.reverse.get(node) ?? []) {
        if (!relevant.has(edge.to)) continue;
        reads.push(follow(reader, edge, ids, add));
      }
    }
    await Promise.all(reads);
  }
  const found = state.get(target) ?? new Map();
  if (sink === undefined) return found;
  for (const [id, exact] of found) sink.add(id, exact);
  return new Map();
}

async function follow(
  reader: SnapshotReader,
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
      const tuples = await reader.query({
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
        reader,
        (t) => add(edge.to, t.resource.id, (ids.get(t.subject.id) ?? false) && !t.caveat),
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
        reader,
        (t) =>
          add(edge.to, t.resource.id, edge.exact && (ids.get(t.subject.id) ?? false) && !t.caveat),
      );
      return;
  }
}

async function batched(
  ids: Members,
  query: (subjectIds: string[]) => TupleQuery,
  reader: SnapshotReader,
  each: (t: Tuple) => void,
): Promise<void> {
  const all = [...ids.keys()];
  for (let i = 0; i < all.length; i += MAX_IDS_PER_QUERY) {
    const chunk = all.length <= MAX_IDS_PER_QUERY ? all : all.slice(i, i + MAX_IDS_PER_QUERY);
    const tuples = await reader.query(query(chunk));
    for (let j = 0; j < tuples.length; j++) each(tuples[j] as Tuple);
  }
}
