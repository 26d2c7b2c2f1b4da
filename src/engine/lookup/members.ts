/**
 * `Members`: a set of object ids with, for each, whether membership is proven (`exact`) or only
 * possible (a candidate for check). Every producer guarantees two things, and every combinator below
 * keeps them: an exact id surely has the permission, and an id not listed surely lacks it.
 */
import type { ExprIR } from '../../schema/ir.ts';
import { nodeKey, type SchemaGraph } from './schema-graph.ts';

/** Object id → exact. */
export type Members = Map<string, boolean>;

/** Records `id`, upgrading a candidate to exact but never the reverse. */
export function addMember(out: Members, id: string, exact: boolean): void {
  if (exact || !out.has(id)) out.set(id, exact);
}

/** `a + b + …`: listed anywhere; exact when exact anywhere. */
export function unionMembers(parts: readonly Members[]): Members {
  const out: Members = new Map();
  for (const part of parts) for (const [id, exact] of part) addMember(out, id, exact);
  return out;
}

/** `a & b & …`: listed in every part; exact when exact in all. Walks the smallest part. */
export function intersectMembers(parts: readonly Members[]): Members {
  const sorted = [...parts].sort((a, b) => a.size - b.size);
  const [first, ...rest] = sorted;
  const out: Members = new Map();
  for (const [id, exact] of first ?? []) {
    let all = exact;
    let everywhere = true;
    for (const p of rest) {
      const x = p.get(id);
      if (x === undefined) {
        everywhere = false;
        break;
      }
      all &&= x;
    }
    if (everywhere) out.set(id, all);
  }
  return out;
}

/**
 * `base - subtract`: an id exactly in `subtract` is surely denied (dropped); an id absent from it
 * keeps its status in `base`; an id possibly in it becomes a candidate.
 */
export function subtractMembers(base: Members, subtract: Members): Members {
  const out: Members = new Map();
  for (const [id, exact] of base) {
    const s = subtract.get(id);
    if (s === undefined) out.set(id, exact);
    else if (!s) out.set(id, false);
  }
  return out;
}

/**
 * True when `e` uses only `+`, refs, `->`/`.any`, `self` and `nil`: a single walk then proves every
 * member it finds through uncaveated tuples, so set algebra would add nothing.
 */
export function isPureUnion(e: ExprIR): boolean {
  if (e.kind === 'union') return e.children.every(isPureUnion);
  if (e.kind === 'intersection' || e.kind === 'exclusion') return false;
  return e.kind !== 'arrow' || e.mode === 'any';
}

/**
 * True when set algebra over the parts beats one walk (forward or reverse): a non-recursive
 * permission that is, or reaches through refs and arrows, a `&`, `-` or `.all`. Why the reach
 * matters: in one walk an intersection generates candidates from its first part alone. For agents'
 * `view = ... + agent_view` with `agent_view = delegated_view & workflow->running`, that is every
 * session of every user who can view the document (~200), or every document a session's user can
 * view, each confirmed by a full check, when intersecting the parts leaves a handful.
 */
export function needsSetAlgebra(graph: SchemaGraph, type: string, name: string): boolean {
  let memo = ALGEBRA.get(graph);
  if (!memo) {
    memo = new Map();
    ALGEBRA.set(graph, memo);
  }
  return needsAlgebra(graph, type, name, memo);
}

// Per graph: the answer depends on the schema only.
const ALGEBRA = new WeakMap<SchemaGraph, Map<string, boolean>>();

function needsAlgebra(
  graph: SchemaGraph,
  type: string,
  name: string,
  memo: Map<string, boolean>,
): boolean {
  const key = nodeKey(type, name);
  const known = memo.get(key);
  if (known !== undefined) return known;
  const perm = graph.schema.definitions[type]?.permissions[name];
  if (perm === undefined || graph.isRecursive(key)) {
    memo.set(key, false);
    return false;
  }
  // A non-recursive node never reaches itself, so this recursion ends; the guard is for safety.
  memo.set(key, false);
  const reaches = (e: ExprIR): boolean => {
    switch (e.kind) {
      case 'ref':
        return needsAlgebra(graph, type, e.name, memo);
      case 'union':
        return e.children.some(reaches);
      case 'arrow':
        return (graph.schema.definitions[type]?.relations[e.tupleset]?.allowed ?? []).some(
          (a) => !a.wildcard && needsAlgebra(graph, a.type, e.computed, memo),
        );
      default:
        return false;
    }
  };
  const out = !isPureUnion(perm.expr) || reaches(perm.expr);
  memo.set(key, out);
  return out;
}
