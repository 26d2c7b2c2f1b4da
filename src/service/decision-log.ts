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
      ? new LRUCache<string, ProofFields & { until: number }>({ max: cacheSize })
      : undefined;
  /** Proofs being computed, shared by identical questions arriving meanwhile. */
  const computing = new Map<string, Promise<ProofFields | string>>();

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
    try {
      sink.write(JSON.stringify(line));
    } catch {
      // An unserialisable context value (BigInt, cycle) must not fail the check: drop the context.
      const { context: _dropped, ...rest } = line;
      sink.write(JSON.stringify({ ...rest, context: '[unserialisable]' }));
    }
  }

  return {
    proofs,
    sample() {
      if (rate >= 1 || random() < rate) return true;
      sampledOut++;
      return false;
    },

    recordCheck(d, explainAt) {
      const line = checkLine(d, clock());
      const proof = d.result?.proof;
      if (d.result?.permissionship !== 'allowed' || proofs === 'off' || proof) {
        if (proof && proof.kind === 'step') Object.assign(line, proofFields(proof));
        emit(line);
        return;
      }
      if (!explainAt) {
        emit(line);
        return;
      }
      const reader = explainAt.ctx.reader;
      const key = `${reader.revision}|${line.resource}#${line.permission}@${line.subject}|${
        line.context === undefined ? '' : JSON.stringify(line.context)
      }`;
      const hit = memo?.get(key);
      if (hit && reader.now < hit.until) {
        emit({ ...line, proof: hit.proof, proofTuples: hit.proofTuples });
        return;
      }
      const shared = computing.get(key);
      if (shared) {
        void shared.then((p) => emit(withProof(line, p)));
        return;
      }
      if (backlog.length >= maxPending) {
        proofsSkipped++;
        emit({ ...line, proofSkipped: 'backlog' });
        return;
      }
      // Recompute at the same snapshot, without the request's signal or deadline: the request may
      // already be finished (or cancelled) when the proof runs.
      const ctx: EvalContext = { reader, schema: explainAt.ctx.schema };
      let settle: (p: ProofFields | string) => void = () => {};
      computing.set(key, new Promise((r) => (settle = r)));
      backlog.push(async () => {
        let p: ProofFields | string;
        try {
          const r = await explainAt.engine.check(ctx, { ...d.request, explain: true });
          if (r.proof && r.proof.kind === 'step') {
            p = proofFields(r.proof);
            memo?.set(key, { ...p, until: earliestExpiry(r.proof) });
          } else p = 'not_reproduced';
        } catch {
          p = 'error';
        }
        computing.delete(key);
        settle(p);
        emit(withProof(line, p));
      });
      pump();
    },

    recordLookup(d) {
      const line: Record<string, unknown> = {
        time: new Date(clock()).toISOString(),
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

/** The JSON object of one check decision (without its proof). */
function checkLine(d: CheckDecision, now: number): Record<string, unknown> {
  const r = d.request;
  const line: Record<string, unknown> = {
    time: new Date(now).toISOString(),
    kind: d.bulkIndex === undefined ? 'check' : 'bulk_check',
    ...(d.caller !== undefined ? { caller: d.caller } : {}),
    resource: formatObject(r.resource),
    permission: r.permission,
    subject: formatSubject(r.subject),
    ...(r.context && Object.keys(r.context).length > 0 ? { context: r.context } : {}),
    result: d.result ? RESULT[d.result.permissionship] : 'error',
    zookie: d.zookie,
  };
  if (d.bulkIndex !== undefined) line.index = d.bulkIndex;
  if (d.result?.missingParams && d.result.missingParams.length > 0)
    line.missingContext = d.result.missingParams;
  if (!d.result) line.error = errorCode(d.error);
  return line;
}

interface ProofFields {
  readonly proof: string;
  readonly proofTuples: string[];
}

/** The proof path (one line, `formatProof`) and every tuple the grant used (both sides of an `&`). */
function proofFields(proof: Proof): ProofFields {
  return { proof: formatProof(proof), proofTuples: proofTuples(proof) };
}

/** The line with its proof, or with `proofSkipped` naming why there is none. */
function withProof(
  line: Record<string, unknown>,
  p: ProofFields | string,
): Record<string, unknown> {
  return typeof p === 'string'
    ? { ...line, proofSkipped: p }
    : { ...line, proof: p.proof, proofTuples: p.proofTuples };
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
