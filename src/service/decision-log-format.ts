/**
 * JSON fragments the decision log builds in the main thread, off the check path: proof fields,
 * caller-supplied context, error codes and lookup lines. Check lines themselves are formatted by
 * `decision-log-worker.mjs`.
 */
import { AppError } from '../errors.ts';
import { formatProof, type Proof, type ProofStep, proofTuples } from '../engine/index.ts';

/** Strings that need no JSON escaping (names, ids, zookies, key ids): written as they are. */
const PLAIN = /^[A-Za-z0-9_:./|=+*#@-]*$/;

/** A JSON string literal for `v`, without escaping work when it needs none. */
export function str(v: string): string {
  return PLAIN.test(v) ? `"${v}"` : JSON.stringify(v);
}

/** JSON of a caller-supplied value; an unserialisable one (BigInt, cycle) never fails the log. */
export function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'null';
  } catch {
    return '"[unserialisable]"';
  }
}

/** The proof fields: the one-line path (`formatProof`) and every tuple the grant used (both sides of an `&`). */
export function proofJson(proof: Proof): string {
  return `,"proof":${JSON.stringify(formatProof(proof))},"proofTuples":${JSON.stringify(proofTuples(proof))}`;
}

/** When the first tuple a proof rests on expires (the proof is no longer a reason after that). */
export function earliestExpiry(proof: Proof): number {
  let until = Number.POSITIVE_INFINITY;
  const walk = (s: ProofStep): void => {
    if (s.tuple?.expiresAt !== undefined && s.tuple.expiresAt < until) until = s.tuple.expiresAt;
    for (const c of s.children) walk(c);
  };
  if (proof.kind === 'step') walk(proof);
  return until;
}

/** The stable code of a failure (`internal` for anything that is not an AppError). */
export function errorCode(err: unknown): string {
  return err instanceof AppError ? err.code : 'internal';
}
