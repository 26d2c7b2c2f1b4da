/**
 * `Members`: a set of object ids with, for each, whether membership is proven (`exact`) or only
 * possible (a candidate for check). Every producer guarantees two things, and every combinator below
 * keeps them: an exact id surely has the permission, and an id not listed surely lacks it.
 */
import type { ExprIR } from '../../schema/ir.ts';

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
