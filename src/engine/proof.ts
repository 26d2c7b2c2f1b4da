/**
 * What `explain: true` returns. A grant is a tree of steps from the checked `resource#permission`
 * down to the subject: each step names the node (`folder:f1#edit`), how it was satisfied (a stored
 * tuple, a schema rule, the identity rule or `self`) and the steps below it (several for `&` and
 * `.all`, one otherwise). A denial is a bounded list of the nodes that were tried.
 */
import {
  formatObject,
  formatSubject,
  formatTuple,
  type ObjectRef,
  type SubjectRef,
  type Tuple,
} from '../model/index.ts';

/** One node of a grant (or of one conditional path). */
export interface ProofStep {
  readonly kind: 'step';
  readonly resource: ObjectRef;
  /** The relation or permission satisfied at this node. */
  readonly name: string;
  /**
   * `tuple`: a stored relationship of relation `name` (its subject is the subject, or the subject set
   * explained by `children`); `rule`: permission `name` held via the expression in `rule`;
   * `identity`: the checked subject is this very subject set; `self`: the `self` keyword.
   */
  readonly via: 'tuple' | 'rule' | 'identity' | 'self';
  /** For `rule`: the branch taken, as schema text (`parent->edit`, `viewer & member`). */
  readonly rule?: string;
  /** For `tuple`: the relationship used. */
  readonly tuple?: Tuple;
  /** For a caveated tuple: the caveat and what it evaluated to. */
  readonly caveat?: { readonly name: string; readonly result: 'true' | 'conditional' };
  readonly children: readonly ProofStep[];
}

/** Why a check was denied: the first nodes tried (bounded), in visiting order. */
export interface DenialSummary {
  readonly kind: 'denied';
  readonly tried: readonly string[];
  /** True when more nodes were tried than listed. */
  readonly truncated: boolean;
}

export type Proof = ProofStep | DenialSummary;

/** The most nodes a denial summary lists. */
export const MAX_TRIED = 50;

function node(o: ObjectRef, name: string): string {
  return `${formatObject(o)}#${name}`;
}

/**
 * One-line chain of a proof, following the first child at each step: the checked node, then the
 * `resource#relation` of every tuple used, then the subject, e.g.
 * `document:d1#edit <- agent_session:s1#workflow <- workflow:w1#owner <- user:alice`.
 * Intersections show their first operand's chain. A denial prints as `denied (tried: …)`.
 */
export function formatProof(proof: Proof): string {
  if (proof.kind === 'denied')
    return `denied (tried: ${proof.tried.join(', ')}${proof.truncated ? ', …' : ''})`;
  const parts = [node(proof.resource, proof.name)];
  let step: ProofStep | undefined = proof;
  let last: SubjectRef | undefined;
  while (step) {
    if (step.via === 'tuple' && step.tuple) {
      const here = node(step.tuple.resource, step.tuple.relation);
      if (parts[parts.length - 1] !== here) parts.push(here);
      last = step.tuple.subject;
    } else if (step.via === 'identity' || step.via === 'self') {
      last = undefined;
    }
    step = step.children[0];
  }
  if (last) {
    const s = formatSubject(last);
    if (parts[parts.length - 1] !== s) parts.push(s);
  }
  return parts.join(' <- ');
}

/** The tuples of a proof chain in order (handy for tests and UIs). */
export function proofTuples(proof: Proof): string[] {
  const out: string[] = [];
  const walk = (s: ProofStep): void => {
    if (s.tuple) out.push(formatTuple(s.tuple));
    for (const c of s.children) walk(c);
  };
  if (proof.kind === 'step') walk(proof);
  return out;
}
