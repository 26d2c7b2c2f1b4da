/**
 * The forward walk behind lookupSubjects: starting from `resource#permission`, evaluate permission
 * expressions and read relation tuples (batched per node and round) until no node gains a member,
 * collecting every subject `subjectType:id[#subjectRelation]` met on the way, wildcards included.
 * Only nodes that can produce such subjects are visited.
 *
 * Each subject carries the strength of its best path: `EXACT` (pure union of uncaveated tuples:
 * surely allowed), `POSITIVE` (a candidate to confirm with check) or `NEGATIVE` (met only on an
 * exclusion's subtracted side; walked only when asked, to list a wildcard's exclusions).
 */
import { ELLIPSIS, type ObjectRef } from '../../model/index.ts';
import type { SnapshotReader, TupleQuery } from '../../store/types.ts';
import { WalkReads } from './walk-reads.ts';
import { assertTime, type Budget } from './budget.ts';
import { MAX_IDS_PER_QUERY } from './reverse-walk.ts';
import {
  EXACT,
  NEGATIVE,
  nodeKey,
  POSITIVE,
  type NodeKey,
  type SchemaGraph,
  type Strength,
} from './schema-graph.ts';

/** Subject id ("*" for a wildcard) → strength of the best path that found it. */
export type FoundSubjects = Map<string, Strength>;

/** What to collect and whether to walk subtracted sides. */
export interface ForwardTarget {
  readonly subjectType: string;
  readonly subjectRelation: string;
  readonly includeNegative: boolean;
}

/**
 * Every subject of the target type reachable from `resource#permission`. A superset of the subjects
 * check allows (conditionally or not), plus, with `includeNegative`, every such subject the
 * expression mentions anywhere. Throws `OutOfTime` when the budget runs out mid-walk.
 */
export async function forwardCollect(
  reader: SnapshotReader,
  graph: SchemaGraph,
  resource: ObjectRef,
  permission: string,
  target: ForwardTarget,
  budget: Budget,
): Promise<FoundSubjects> {
  const { subjectType, subjectRelation } = target;
  const producing = graph.producingNodes(subjectType, subjectRelation);
  const found: FoundSubjects = new Map();
  const state = new Map<NodeKey, Map<string, Strength>>();
  let dirty = new Map<NodeKey, Map<string, Strength>>();
  // Paths weaker than `floor` are dropped at once: without `includeNegative`, a subtracted side can
  // only take access away, so walking it would cost reads and add nothing to the answer.
  const floor = target.includeNegative ? NEGATIVE : POSITIVE;
  // A round's reads as one store call on networked readers (walk-reads.ts).
  const walkReads = new WalkReads(reader);
  const roundReads = { query: (q: TupleQuery) => walkReads.query(q) };

  const record = (id: string, s: Strength): void => {
    const prev = found.get(id);
    if (prev === undefined || s > prev) found.set(id, s);
  };
  // Adds `type:id` as a member of node `type#rel`; the identity rule makes the node itself a subject.
  const add = (type: string, rel: string, id: string, s: Strength): void => {
    if (s < floor) return;
    const node = nodeKey(type, rel);
    if (type === subjectType && rel === subjectRelation) record(id, s);
    if (!producing.has(node)) return;
    let members = state.get(node);
    if (!members) {
      members = new Map();
      state.set(node, members);
    }
    const prev = members.get(id);
    if (prev !== undefined && prev >= s) return;
    members.set(id, s);
    let d = dirty.get(node);
    if (!d) {
      d = new Map();
      dirty.set(node, d);
    }
    d.set(id, s);
  };

  add(resource.type, permission, resource.id, EXACT);
  while (dirty.size > 0) {
    assertTime(budget);
    const round = dirty;
    dirty = new Map();
    const reads: Promise<void>[] = [];
    for (const [node, ids] of round) {
      const type = node.slice(0, node.indexOf('#'));
      for (const step of graph.forward.get(node) ?? []) {
        switch (step.kind) {
          case 'computed':
            for (const [id, s] of ids) add(type, step.relation, id, min(s, step.strength));
            break;
          case 'self':
            if (type === subjectType && subjectRelation === ELLIPSIS) {
              for (const [id, s] of ids)
                if (min(s, step.strength) >= floor) record(id, min(s, step.strength));
            }
            break;
          // One batched read per node and round: every id that became dirty since the last round.
          case 'tuples':
            reads.push(
              readTuples(roundReads, type, step.relation, ids, (t, s) => {
                const sub = t.subject;
                if (sub.relation === ELLIPSIS) {
                  if (sub.type === subjectType && subjectRelation === ELLIPSIS && s >= floor)
                    record(sub.id, s);
                } else add(sub.type, sub.relation, sub.id, s);
              }),
            );
            break;
          case 'arrow':
            if (step.strength < floor) break;
            reads.push(
              readTuples(roundReads, type, step.tupleset, ids, (t, s) => {
                // The arrow evaluates `computed` on the subject object, whatever its subject relation.
                if (graph.hasNode(t.subject.type, step.computed)) {
                  add(t.subject.type, step.computed, t.subject.id, min(s, step.strength));
                }
              }),
            );
            break;
        }
      }
    }
    await Promise.all(reads);
  }
  return found;
}

function min(a: Strength, b: Strength): Strength {
  return a < b ? a : b;
}

/** Reads `type:ids#relation` tuples in batches; `each` gets the path strength through the tuple. */
async function readTuples(
  reader: Pick<SnapshotReader, 'query'>,
  type: string,
  relation: string,
  ids: Map<string, Strength>,
  each: (t: { subject: { type: string; id: string; relation: string } }, s: Strength) => void,
): Promise<void> {
  const all = [...ids.keys()];
  for (let i = 0; i < all.length; i += MAX_IDS_PER_QUERY) {
    const tuples = await reader.query({
      resourceType: type,
      resourceIds: all.slice(i, i + MAX_IDS_PER_QUERY),
      relation,
    });
    for (const t of tuples) {
      const s = ids.get(t.resource.id) ?? NEGATIVE;
      each(t, t.caveat && s === EXACT ? POSITIVE : s);
    }
  }
}
