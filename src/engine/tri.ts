/**
 * Three-valued check outcomes and their combinators (Kleene logic). A check over caveated tuples is
 * `true`, `false`, or `conditional` on a set of caveat parameters the request did not supply. The
 * combinators below are what `+`, `&`, `-` and arrows reduce with; they keep the missing-parameter
 * sets exact: `cond[x] & cond[y]` is `cond[x, y]`, `true - cond[x]` is `cond[x]`.
 */
import type { Proof } from './proof.ts';

/** One resource's outcome. `missing` is sorted and only present when `v === 'C'`. */
export interface Tri {
  readonly v: 'T' | 'F' | 'C';
  readonly missing?: readonly string[];
  /** Why (explain mode only): the grant (for T) or one conditional path (for C). */
  readonly proof?: Proof;
}

export const TRUE: Tri = Object.freeze({ v: 'T' });
export const FALSE: Tri = Object.freeze({ v: 'F' });

/** A conditional outcome on the given parameters. */
export function conditional(missing: Iterable<string>, proof?: Proof): Tri {
  const list = [...new Set(missing)].sort();
  return proof ? { v: 'C', missing: list, proof } : { v: 'C', missing: list };
}

function mergeMissing(a: Tri, b: Tri): string[] {
  return [...(a.missing ?? []), ...(b.missing ?? [])];
}

/** `a OR b`: a grant wins, both false is false, otherwise conditional on both sides' parameters. */
export function or(a: Tri, b: Tri): Tri {
  if (a.v === 'T') return a;
  if (b.v === 'T') return b;
  if (a.v === 'F') return b;
  if (b.v === 'F') return a;
  return conditional(mergeMissing(a, b), a.proof);
}

/** `a AND b`: a denial wins, both true is true, otherwise conditional on both sides' parameters. */
export function and(a: Tri, b: Tri, proof?: Proof): Tri {
  if (a.v === 'F') return a;
  if (b.v === 'F') return b;
  if (a.v === 'T' && b.v === 'T') return proof ? { v: 'T', proof } : TRUE;
  return conditional(mergeMissing(a, b), proof ?? a.proof ?? b.proof);
}

/** `base AND NOT subtract`: a true subtract denies, a conditional one makes a grant conditional. */
export function andNot(base: Tri, subtract: Tri): Tri {
  if (base.v === 'F') return base;
  if (subtract.v === 'T') return FALSE;
  if (subtract.v === 'F') return base;
  return conditional(mergeMissing(base, subtract), base.proof);
}

/** Attaches a proof to an outcome (no-op for false). */
export function withProof(t: Tri, proof: Proof | undefined): Tri {
  if (!proof || t.v === 'F') return t;
  return { ...t, proof };
}
