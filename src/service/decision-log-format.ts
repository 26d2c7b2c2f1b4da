/**
 * Formatting of decision log lines (JSON objects, one per line). Runs in the log's background drain,
 * never on the check path: the check path only captures references (see `decision-log.ts`).
 * Lines are built as strings, not objects plus `JSON.stringify`: names and ids from the tuple
 * grammar need no escaping, and fragments shared by many decisions (time, caller, zookie) are
 * formatted once and reused.
 */
import { AppError } from '../errors.ts';
import { formatObject, formatSubject } from '../model/index.ts';
import { formatProof, type Proof, type ProofStep, proofTuples } from '../engine/index.ts';
import type { CheckResult } from '../engine/index.ts';
import type { CheckInput } from './types.ts';

const RESULT = {
  allowed: 'has_permission',
  denied: 'no_permission',
  conditional: 'conditional_permission',
} as const;

/** What a check line says: the question, the answer (or error) and where it was answered. */
export interface CheckLineInput {
  readonly caller?: string;
  readonly request: CheckInput;
  readonly zookie: string;
  readonly result?: CheckResult;
  readonly error?: unknown;
  readonly bulkIndex?: number;
}

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

let lastMs = Number.NaN;
let lastIso = '';
/** ISO time, formatted once per millisecond (many decisions share one at high rates). */
export function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/** One-entry caches: consecutive decisions mostly share the caller and the zookie. */
let lastCaller: string | undefined;
let lastCallerJson = '';
let lastZookie: string | undefined;
let lastZookieJson = '';

/**
 * One check decision as a JSON object text without its closing brace (the proof fields may follow).
 * `now` is the epoch ms captured when the decision was recorded.
 */
export function checkHead(d: CheckLineInput, now: number): string {
  const r = d.request;
  let out = `{"time":"${isoTime(now)}","kind":"${d.bulkIndex === undefined ? 'check' : 'bulk_check'}"`;
  if (d.caller !== undefined) {
    if (d.caller !== lastCaller) {
      lastCaller = d.caller;
      lastCallerJson = str(d.caller);
    }
    out += `,"caller":${lastCallerJson}`;
  }
  out += `,"resource":${str(formatObject(r.resource))},"permission":${str(r.permission)}`;
  out += `,"subject":${str(formatSubject(r.subject))}`;
  if (r.context && Object.keys(r.context).length > 0) out += `,"context":${safeJson(r.context)}`;
  if (d.zookie !== lastZookie) {
    lastZookie = d.zookie;
    lastZookieJson = str(d.zookie);
  }
  out += `,"result":"${d.result ? RESULT[d.result.permissionship] : 'error'}","zookie":${lastZookieJson}`;
  if (d.bulkIndex !== undefined) out += `,"index":${d.bulkIndex}`;
  const missing = d.result?.missingParams;
  if (missing && missing.length > 0) out += `,"missingContext":${JSON.stringify(missing)}`;
  if (!d.result) out += `,"error":${str(errorCode(d.error))}`;
  return out;
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
