/**
 * Set algebra over reverse walks: the candidates of lookupResources for a permission built with `&`,
 * `-` or `.all`, computed from its parts so that most ids are decided without a check.
 *
 * Every part yields `Members` (id → exact) with two guarantees: an exact id surely has the part, and an
 * id not listed surely lacks it. Combining keeps both: `a & b` lists ids in every child (exact when
 * exact in all); `a - b` drops ids exactly in `b`, keeps ids absent from `b` as they are in `a`, and
 * marks the rest candidates; `.all` yields candidates. Only candidates go to the check engine.
 * Pure unions and recursive permissions are answered by one reverse walk (exact for unions).
 */
import { ELLIPSIS, type SubjectRef } from '../../model/index.ts';
import type { ExprIR } from '../../schema/ir.ts';
import type { SnapshotReader } from '../../store/types.ts';
import { assertTime, type Budget } from './budget.ts';
import {
  addMember,
  intersectMembers,
  type Members,
  needsSetAlgebra,
  subtractMembers,
  unionMembers,
} from './members.ts';
import { MAX_IDS_PER_QUERY, reverseReach } from './reverse-walk.ts';
import { nodeKey, type SchemaGraph } from './schema-graph.ts';

/**
 * True when `type#name` is answered by one reverse walk (a relation, a recursive permission, or a
 * pure union that reaches no `&`, `-` or `.all`), so a bounded sink can be pushed into that walk;
 * false when set algebra combines parts (see `needsSetAlgebra`).
 */
export function answeredByOneWalk(graph: SchemaGraph, type: string, name: string): boolean {
  return !needsSetAlgebra(graph, type, name);
}

/**
 * The members of `type#name` for `subject`: a superset of the ids check does not deny, with `exact`
 * on ids check surely allows. Memoised per call, so shared parts are walked once.
 */
export async function resourceMembers(
  reader: SnapshotReader,
  graph: SchemaGraph,
  subject: SubjectRef,
  type: string,
  name: string,
  budget: Budget,
): Promise<Members> {
  // Why a promise memo: parts such as `view` in `read = view - banned` and `delete = view & owner`
  // are shared; concurrent askers wait on the same walk instead of starting another.
  const memo = new Map<string, Promise<Members>>();

  const node = (t: string, n: string): Promise<Members> => {
    const key = nodeKey(t, n);
    let p = memo.get(key);
    if (!p) {
      p = evalNode(t, n);
      memo.set(key, p);
    }
    return p;
  };

  const evalNode = async (t: string, n: string): Promise<Members> => {
    assertTime(budget);
    const perm = graph.schema.definitions[t]?.permissions[n];
    if (!perm || answeredByOneWalk(graph, t, n)) {
      return reverseReach(reader, graph, subject, t, n, budget);
    }
    const out = await evalExpr(t, perm.expr);
    // Identity rule: `t:id#n` always has `t:id#n`.
    if (subject.type === t && subject.relation === n) out.set(subject.id, true);
    return out;
  };

  const evalExpr = async (t: string, e: ExprIR): Promise<Members> => {
    switch (e.kind) {
      case 'nil':
        return new Map();
      case 'self':
        return subject.type === t && subject.relation === ELLIPSIS
          ? new Map([[subject.id, true]])
          : new Map();
      case 'ref':
        return new Map(await node(t, e.name));
      case 'union':
        return unionMembers(await Promise.all(e.children.map((c) => evalExpr(t, c))));
      case 'intersection':
        return intersectMembers(await Promise.all(e.children.map((c) => evalExpr(t, c))));
      case 'exclusion': {
        const [base, sub] = await Promise.all([evalExpr(t, e.base), evalExpr(t, e.subtract)]);
        return subtractMembers(base, sub);
      }
      case 'arrow':
        return arrow(t, e.tupleset, e.computed, e.mode);
    }
  };

  // `t:?#tupleset@U:x` for every member x of `U#computed`; exact only for `.any` over plain tuples.
  const arrow = async (
    t: string,
    tupleset: string,
    computed: string,
    mode: 'any' | 'all',
  ): Promise<Members> => {
    const out: Members = new Map();
    const types = new Set<string>();
    for (const a of graph.schema.definitions[t]?.relations[tupleset]?.allowed ?? []) {
      if (!a.wildcard && graph.hasNode(a.type, computed)) types.add(a.type);
    }
    for (const u of types) {
      const members = await node(u, computed);
      const ids = [...members.keys()];
      for (let i = 0; i < ids.length; i += MAX_IDS_PER_QUERY) {
        assertTime(budget);
        const tuples = await reader.query({
          resourceType: t,
          relation: tupleset,
          subjectType: u,
          subjectIds: ids.slice(i, i + MAX_IDS_PER_QUERY),
        });
        for (const tu of tuples) {
          addMember(
            out,
            tu.resource.id,
            mode === 'any' && !tu.caveat && members.get(tu.subject.id) === true,
          );
        }
      }
    }
    return out;
  };

  return node(type, name);
}
