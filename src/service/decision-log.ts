/**
 * The decision log: an optional audit stream with one JSON line per authorization decision (time,
 * caller key id, resource, permission, subject, result, zookie and, for grants, the proof path).
 * Bulk checks log one line per item; lookups log one summary line.
 *
 * Why it costs little on the check path: recording a decision formats one object and pushes a
 * string onto the batched sink (`decision-log-sink.ts`); disk writes happen later, in batches,
 * off the response path. Proofs are the expensive part (an explained check bypasses the engine's
 * cache), so by default (`proofs: 'deferred'`) a grant's proof is recomputed after the answer has
 * been returned, at the same snapshot (same revision and expiration clock, so the same answer),
 * with bounded concurrency and a bounded backlog. Proofs are memoised per (revision, question) and
 * reused while no tuple they rest on has expired, so a question asked again at the same revision
 * costs no second evaluation (the same reasoning as the engine's cache: a revision never changes).
 * `'inline'` explains the check itself (one uncached pass, no second evaluation); `'off'` logs no
 * proofs.
 */
import { createWriteStream, openSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { LRUCache } from 'lru-cache';
import { AppError } from '../errors.ts';
import { formatObject, formatSubject } from '../model/index.ts';
import {
  type CheckResult,
  type Engine,
  type EvalContext,
  formatProof,
  type Proof,
  type ProofStep,
  proofTuples,
} from '../engine/index.ts';
import { createLineSink, type LineSink, type LineSinkStats } from './decision-log-sink.ts';
import type { CheckInput } from './types.ts';

/** How grants get their proof path: recomputed after answering, from the check itself, or never. */
export type DecisionProofMode = 'deferred' | 'inline' | 'off';

export const DECISION_PROOF_MODES = ['deferred', 'inline', 'off'] as const;

export interface DecisionLogOptions {
  /** Fraction of decisions logged, in (0, 1]; default 1 (every decision). */
  readonly sampleRate?: number;
  /** Default `deferred`. */
  readonly proofs?: DecisionProofMode;
  /** Deferred proofs computed at once (default 2). */
  readonly proofConcurrency?: number;
  /** Deferred proofs waiting; beyond it a grant is logged with `proofSkipped: "backlog"` (default 10,000). */
  readonly maxPendingProofs?: number;
  /** Deferred proofs memoised per (revision, question); 0 disables (default 10,000). */
  readonly proofCacheSize?: number;
  /** Random source for sampling (tests). */
  readonly random?: () => number;
  /** Wall clock for the `time` field (tests). */
  readonly clock?: () => number;
}

/** One check decision as the service reports it: an answer or the error it failed with. */
export interface CheckDecision {
  /** API key id of the caller (`anonymous` when auth is off; absent for in-process calls). */
  readonly caller?: string;
  readonly request: CheckInput;
  readonly zookie: string;
  readonly result?: CheckResult;
  readonly error?: unknown;
  /** Position in a bulk check. */
  readonly bulkIndex?: number;
}

/** A lookup's summary line. */
export interface LookupDecision {
  readonly caller?: string;
  readonly kind: 'lookup_resources' | 'lookup_subjects';
  /** `document` for lookup_resources, `document:d1` for lookup_subjects. */
  readonly resource: string;
  readonly permission: string;
  /** `user:alice` for lookup_resources, the subject type (and relation) for lookup_subjects. */
  readonly subject: string;
  readonly zookie: string;
  readonly found: number;
  readonly error?: unknown;
}

/** Counters: what the sink wrote or dropped, decisions sampled out, proofs skipped for backlog. */
export interface DecisionLogStats extends LineSinkStats {
  readonly sampledOut: number;
  readonly proofsSkipped: number;
  readonly proofsPending: number;
}

/** The decision log. Recording never throws and never waits for I/O. */
export interface DecisionLog {
  readonly proofs: DecisionProofMode;
  /** Decides (once per decision, before evaluating) whether this decision is logged. */
  sample(): boolean;
  /**
   * Logs a sampled check decision. `explainAt` (the engine and the context the check ran in) lets a
   * deferred proof be recomputed at the same snapshot for a grant without a proof.
   */
  recordCheck(d: CheckDecision, explainAt?: { engine: Engine; ctx: EvalContext }): void;
  recordLookup(d: LookupDecision): void;
  /** Waits for pending proofs and for every queued line to reach the stream. */
  flush(): Promise<void>;
  /** Flushes, then closes the destination (a file; stdout stays open). */
  close(): Promise<void>;
  stats(): DecisionLogStats;
}

const RESULT = {
  allowed: 'has_permission',
  denied: 'no_permission',
  conditional: 'conditional_permission',
} as const;

/** Builds a decision log writing to `sink`. Throws `invalid_config` for a bad sample rate. */
export function createDecisionLog(sink: LineSink, opts: DecisionLogOptions = {}): DecisionLog {
  const rate = opts.sampleRate ?? 1;
  if (!(rate > 0 && rate <= 1))
    throw new AppError('invalid_config', 'the decision log sample rate must be in (0, 1]', {
      details: { sampleRate: rate },
    });
  const proofs = opts.proofs ?? 'deferred';
  const random = opts.random ?? Math.random;
  const clock = opts.clock ?? Date.now;
  const concurrency = opts.proofConcurrency ?? 2;
  const maxPending = opts.maxPendingProofs ?? 10_000;
  let sampledOut = 0;
  let proofsSkipped = 0;
  let running = 0;
  const backlog: (() => Promise<void>)[] = [];
  const idle: (() => void)[] = [];
  const cacheSize = opts.proofCacheSize ?? 10_000;
  const memo =
    cacheSize > 0
      ? new LRUCache<string, { json: string; until: number }>({ max: cacheSize })
      : undefined;
  /** Proofs being computed, shared by identical questions arriving meanwhile. */
  const computing = new Map<string, Promise<string>>();

  function pump(): void {
    while (running < concurrency && backlog.length > 0) {
      const job = backlog.shift() as () => Promise<void>;
      running++;
      // Start on a later turn: the answer goes back to the caller before any proof work begins.
      setImmediate(() => {
        job().finally(() => {
          running--;
          pump();
          if (running === 0 && backlog.length === 0) for (const w of idle.splice(0)) w();
        });
      });
    }
  }

  function emit(line: Record<string, unknown>): void {
    sink.write(JSON.stringify(line));
  }

  return {
    proofs,
    sample() {
      if (rate >= 1 || random() < rate) return true;
      sampledOut++;
      return false;
    },

    recordCheck(d, explainAt) {
      const head = checkHead(d, clock());
      const proof = d.result?.proof;
      if (d.result?.permissionship !== 'allowed' || proofs === 'off' || proof) {
        sink.write(proof && proof.kind === 'step' ? head + proofJson(proof) + '}' : `${head}}`);
        return;
      }
      if (!explainAt) {
        sink.write(`${head}}`);
        return;
      }
      const reader = explainAt.ctx.reader;
      const r = d.request;
      const key = `${reader.revision}|${formatObject(r.resource)}#${r.permission}@${formatSubject(r.subject)}|${
        r.context === undefined ? '' : safeJson(r.context)
      }`;
      const hit = memo?.get(key);
      if (hit && reader.now < hit.until) {
        sink.write(`${head + hit.json}}`);
        return;
      }
      const shared = computing.get(key);
      if (shared) {
        void shared.then((p) => sink.write(`${head + p}}`));
        return;
      }
      if (backlog.length >= maxPending) {
        proofsSkipped++;
        sink.write(`${head},"proofSkipped":"backlog"}`);
        return;
      }
      // Recompute at the same snapshot, without the request's signal or deadline: the request may
      // already be finished (or cancelled) when the proof runs.
      const ctx: EvalContext = { reader, schema: explainAt.ctx.schema };
      let settle: (fragment: string) => void = () => {};
      computing.set(key, new Promise((res) => (settle = res)));
      backlog.push(async () => {
        let fragment: string;
        try {
          const res = await explainAt.engine.check(ctx, { ...r, explain: true });
          if (res.proof && res.proof.kind === 'step') {
            fragment = proofJson(res.proof);
            memo?.set(key, { json: fragment, until: earliestExpiry(res.proof) });
          } else fragment = ',"proofSkipped":"not_reproduced"';
        } catch {
          fragment = ',"proofSkipped":"error"';
        }
        computing.delete(key);
        settle(fragment);
        sink.write(`${head + fragment}}`);
      });
      pump();
    },

    recordLookup(d) {
      const line: Record<string, unknown> = {
        time: isoTime(clock()),
        kind: d.kind,
        ...(d.caller !== undefined ? { caller: d.caller } : {}),
        resource: d.resource,
        permission: d.permission,
        subject: d.subject,
        zookie: d.zookie,
        found: d.found,
      };
      if (d.error !== undefined) {
        line.result = 'error';
        line.error = errorCode(d.error);
      }
      emit(line);
    },

    async flush() {
      if (running > 0 || backlog.length > 0) await new Promise<void>((r) => idle.push(r));
      await sink.flush();
    },

    async close() {
      if (running > 0 || backlog.length > 0) await new Promise<void>((r) => idle.push(r));
      await sink.close();
    },

    stats() {
      return {
        ...sink.stats(),
        sampledOut,
        proofsSkipped,
        proofsPending: running + backlog.length,
      };
    },
  };
}

/** Strings that need no JSON escaping (names, ids, zookies, key ids): written as they are. */
const PLAIN = /^[A-Za-z0-9_:./|=+*#@-]*$/;

function str(v: string): string {
  return PLAIN.test(v) ? `"${v}"` : JSON.stringify(v);
}

/** JSON of a caller-supplied value; an unserialisable one (BigInt, cycle) never fails the check. */
function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'null';
  } catch {
    return '"[unserialisable]"';
  }
}

let lastMs = Number.NaN;
let lastIso = '';
/** ISO time, formatted once per millisecond (many decisions share one at high rates). */
function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/**
 * One check decision as a JSON object text without its closing brace (the proof fields may follow).
 * Built as a string rather than an object plus `JSON.stringify`: this runs once per decision on the
 * check path, and names and ids from the tuple grammar never need escaping.
 */
function checkHead(d: CheckDecision, now: number): string {
  const r = d.request;
  let out = `{"time":"${isoTime(now)}","kind":"${d.bulkIndex === undefined ? 'check' : 'bulk_check'}"`;
  if (d.caller !== undefined) out += `,"caller":${str(d.caller)}`;
  out += `,"resource":${str(formatObject(r.resource))},"permission":${str(r.permission)}`;
  out += `,"subject":${str(formatSubject(r.subject))}`;
  if (r.context && Object.keys(r.context).length > 0) out += `,"context":${safeJson(r.context)}`;
  out += `,"result":"${d.result ? RESULT[d.result.permissionship] : 'error'}","zookie":${str(d.zookie)}`;
  if (d.bulkIndex !== undefined) out += `,"index":${d.bulkIndex}`;
  const missing = d.result?.missingParams;
  if (missing && missing.length > 0) out += `,"missingContext":${JSON.stringify(missing)}`;
  if (!d.result) out += `,"error":${str(errorCode(d.error))}`;
  return out;
}

/** The proof fields: the one-line path (`formatProof`) and every tuple the grant used (both sides of an `&`). */
function proofJson(proof: Proof): string {
  return `,"proof":${JSON.stringify(formatProof(proof))},"proofTuples":${JSON.stringify(proofTuples(proof))}`;
}

/** When the first tuple a proof rests on expires (the proof is no longer a reason after that). */
function earliestExpiry(proof: Proof): number {
  let until = Number.POSITIVE_INFINITY;
  const walk = (s: ProofStep): void => {
    if (s.tuple?.expiresAt !== undefined && s.tuple.expiresAt < until) until = s.tuple.expiresAt;
    for (const c of s.children) walk(c);
  };
  if (proof.kind === 'step') walk(proof);
  return until;
}

function errorCode(err: unknown): string {
  return err instanceof AppError ? err.code : 'internal';
}

/** Where a configured decision log writes: `stdout` (or `-`), or a file path (appended to). */
export interface DecisionLogTarget extends DecisionLogOptions {
  readonly target: string;
  /** Called once if the destination fails (the log then drops lines instead of failing checks). */
  readonly onError?: (err: Error) => void;
}

/** Opens the destination and builds the log. A file is opened for appending and closed by `close`. */
export function openDecisionLog(opts: DecisionLogTarget): DecisionLog {
  const toStdout = opts.target === 'stdout' || opts.target === '-';
  let stream: Writable = process.stdout;
  if (!toStdout) {
    // Open synchronously so a bad path fails at startup (invalid_config), not on the first check.
    let fd: number;
    try {
      fd = openSync(opts.target, 'a');
    } catch (cause) {
      throw new AppError('invalid_config', `cannot open decision log file ${opts.target}`, {
        cause,
      });
    }
    stream = createWriteStream('', { fd });
  }
  const sink = createLineSink(stream, {
    ownsStream: !toStdout,
    ...(opts.onError ? { onError: opts.onError } : {}),
  });
  return createDecisionLog(sink, opts);
}

/**
 * Passes a lookup's result stream through, counting results, and logs the summary line when the
 * stream ends (or fails, with the error code). A stream abandoned early is never summarised.
 */
export async function* logLookupStream<T>(
  log: DecisionLog,
  results: AsyncIterable<T>,
  summary: Omit<LookupDecision, 'found' | 'error'>,
): AsyncGenerator<T> {
  let found = 0;
  try {
    for await (const r of results) {
      found++;
      yield r;
    }
  } catch (error) {
    log.recordLookup({ ...summary, found, error });
    throw error;
  }
  log.recordLookup({ ...summary, found });
}
