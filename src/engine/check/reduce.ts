/**
 * Short-circuiting reducers over concurrently running operands. Each resolves as soon as the answer
 * is decided (a grant for OR, a denial for AND, a denied base or granted subtract for difference);
 * an error decides only when no other operand could. Late settlements of losing operands are still
 * observed, so they never surface as unhandled rejections.
 */
import type { Tuple } from '../../model/index.ts';
import type { ProofStep } from '../proof.ts';
import { and, andNot, FALSE, or, TRUE, type Tri } from '../tri.ts';
import type { Outcome } from './run.ts';

/**
 * Accumulates the cache-relevant facts of a node: earliest expiry read, cycle cut-offs, and whether
 * a cycle ran through a subtracted side (`Outcome.unstable`).
 */
export class Meta {
  until = Number.POSITIVE_INFINITY;
  cutoffs: Set<string> | undefined;
  unstable = false;
  /** The deepest child result's `depth` (see `Outcome.depth`). */
  depth = 0;

  /** The Meta for the subtracted side of an exclusion: a cycle cut off there makes this unstable. */
  subtracted(): Meta {
    return new SubtractedMeta(this);
  }

  tuples(ts: readonly Tuple[]): void {
    for (const t of ts)
      if (t.expiresAt !== undefined && t.expiresAt < this.until) this.until = t.expiresAt;
  }

  add(o: Outcome): void {
    if (o.unstable) this.unstable = true;
    if (o.depth !== undefined && o.depth > this.depth) this.depth = o.depth;
    if (o.until < this.until) this.until = o.until;
    if (o.cutoffs && o.cutoffs.size > 0) {
      this.cutoffs ??= new Set();
      for (const k of o.cutoffs) this.cutoffs.add(k);
    }
  }

  outcome(tri: Tri): Outcome {
    // Copy the cut-offs: branches that lose a race may still report into this Meta later.
    // `depth`: this node's own dispatch level over its deepest child.
    const depth = this.depth + 1;
    const o: Outcome = this.cutoffs
      ? { tri, until: this.until, cutoffs: new Set(this.cutoffs), depth }
      : { tri, until: this.until, depth };
    return this.unstable ? { ...o, unstable: true } : o;
  }
}

/** Reports into `parent`; an outcome with cut-offs marks the parent unstable (see `Meta.subtracted`). */
class SubtractedMeta extends Meta {
  constructor(private readonly parent: Meta) {
    super();
  }

  override tuples(ts: readonly Tuple[]): void {
    this.parent.tuples(ts);
  }

  override add(o: Outcome): void {
    if (o.cutoffs && o.cutoffs.size > 0) this.parent.unstable = true;
    this.parent.add(o);
  }

  override subtracted(): Meta {
    return this;
  }
}

/**
 * Resolves to the OR of `items` as they settle, early on the first grant. Errors reject only when no
 * item granted (a found grant is an answer). Late settlements after resolution are ignored but
 * always observed, so a losing branch never becomes an unhandled rejection.
 */
export function anyGrant(
  items: readonly Promise<Outcome>[],
  meta: Meta | undefined,
  init: Tri,
): Promise<Tri> {
  if (items.length === 0 || init.v === 'T') return Promise.resolve(init);
  return new Promise((resolve, reject) => {
    let acc = init;
    let left = items.length;
    let error: unknown;
    let done = false;
    const settle = (): void => {
      if (--left > 0 || done) return;
      done = true;
      if (error !== undefined) reject(error);
      else resolve(acc);
    };
    for (const p of items) {
      p.then(
        (o) => {
          if (done) return;
          meta?.add(o);
          acc = or(acc, o.tri);
          if (acc.v === 'T') {
            done = true;
            resolve(acc);
            return;
          }
          settle();
        },
        (err: unknown) => {
          if (done) return;
          error ??= err;
          settle();
        },
      );
    }
  });
}

/** Like `anyGrant` for AND: resolves early on the first denial; no items means false. */
export function allGrant(
  items: readonly Promise<Outcome>[],
  meta: Meta | undefined,
  wrap: (proofs: ProofStep[]) => ProofStep,
): Promise<Tri> {
  if (items.length === 0) return Promise.resolve(FALSE);
  return new Promise((resolve, reject) => {
    let acc: Tri = TRUE;
    // Slots in operand order (not completion order), so the proof lists the operands as the schema
    // writes them and `formatProof` follows the first one deterministically.
    const slots: (ProofStep | undefined)[] = [];
    let left = items.length;
    let error: unknown;
    let done = false;
    for (const [i, p] of items.entries()) {
      p.then(
        (o) => {
          if (done) return;
          meta?.add(o);
          acc = and(acc, o.tri);
          if (o.tri.proof?.kind === 'step') slots[i] = o.tri.proof;
          if (acc.v === 'F') {
            done = true;
            resolve(acc);
            return;
          }
          if (--left === 0) {
            done = true;
            if (error !== undefined) reject(error);
            else {
              const proofs = slots.filter((s): s is ProofStep => s !== undefined);
              resolve(proofs.length > 0 ? { ...acc, proof: wrap(proofs) } : acc);
            }
          }
        },
        (err: unknown) => {
          if (done) return;
          error ??= err;
          if (--left === 0) {
            done = true;
            reject(error);
          }
        },
      );
    }
  });
}

/**
 * `base - subtract` over two running operands: denied as soon as base denies or subtract grants,
 * otherwise combined once both settle. An error decides only when the other side did not.
 */
export function difference(base: Promise<Tri>, subtract: Promise<Tri>): Promise<Tri> {
  return new Promise((resolve, reject) => {
    const side = { b: undefined as Tri | undefined, s: undefined as Tri | undefined };
    let bErr: unknown;
    let sErr: unknown;
    let settled = 0;
    let done = false;
    const decide = (): void => {
      if (done) return;
      if (side.b?.v === 'F' || side.s?.v === 'T') {
        done = true;
        resolve(FALSE);
        return;
      }
      if (settled < 2) return;
      done = true;
      if (bErr !== undefined) reject(bErr);
      else if (sErr !== undefined) reject(sErr);
      else resolve(andNot(side.b as Tri, side.s as Tri));
    };
    base.then(
      (t) => {
        side.b = t;
        settled++;
        decide();
      },
      (err: unknown) => {
        bErr = err;
        settled++;
        decide();
      },
    );
    subtract.then(
      (t) => {
        side.s = t;
        settled++;
        decide();
      },
      (err: unknown) => {
        sErr = err;
        settled++;
        decide();
      },
    );
  });
}
