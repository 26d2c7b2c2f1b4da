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
import type { CheckResult, Engine, EvalContext } from '../engine/index.ts';
import {
  checkHead,
  earliestExpiry,
  errorCode,
  isoTime,
  proofJson,
  safeJson,
  str,
} from './decision-log-format.ts';
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

/** Decisions captured per drain; a full ring is formatted at once (bounds the references held). */
const RING = 64;

type ExplainAt = { engine: Engine; ctx: EvalContext };

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

  // The capture ring. Why: the check path only stores two references and a timestamp here;
  // formatting (strings, JSON, ISO time), proof memo lookups and the sink write happen in `drain`,
  // once per event-loop turn (setImmediate: after this turn's answers went out) or when the ring
  // is full, for the whole batch at once (one sink write per batch instead of one per line).
  const ring: (CheckDecision | undefined)[] = new Array(RING).fill(undefined);
  const ringAt: (ExplainAt | undefined)[] = new Array(RING).fill(undefined);
  const ringTime = new Float64Array(RING);
  let captured = 0;
  let drainTimer: NodeJS.Immediate | undefined;

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

  /** Formats every captured decision and hands the finished lines to the sink in one write. */
  function drain(): void {
    if (drainTimer !== undefined) {
      clearImmediate(drainTimer);
      drainTimer = undefined;
    }
    const n = captured;
    captured = 0;
    let text = '';
    let lines = 0;
    for (let i = 0; i < n; i++) {
      const d = ring[i] as CheckDecision;
      const at = ringAt[i];
      ring[i] = undefined;
      ringAt[i] = undefined;
      const line = checkLine(d, at, ringTime[i] as number);
      if (line === undefined) continue;
      text = lines === 0 ? line : `${text}\n${line}`;
      lines++;
    }
    if (lines > 0) sink.write(text, lines);
  }

  /** The finished line of a decision, or undefined when its proof comes later (deferred). */
  function checkLine(
    d: CheckDecision,
    explainAt: ExplainAt | undefined,
    time: number,
  ): string | undefined {
    const head = checkHead(d, time);
    const proof = d.result?.proof;
    if (d.result?.permissionship !== 'allowed' || proofs === 'off' || proof)
      return proof && proof.kind === 'step' ? `${head + proofJson(proof)}}` : `${head}}`;
    if (!explainAt) return `${head}}`;
    const reader = explainAt.ctx.reader;
    const r = d.request;
    const key = `${reader.revision}|${formatObject(r.resource)}#${r.permission}@${formatSubject(r.subject)}|${
      r.context === undefined ? '' : safeJson(r.context)
    }`;
    const hit = memo?.get(key);
    if (hit && reader.now < hit.until) return `${head + hit.json}}`;
    const shared = computing.get(key);
    if (shared) {
      void shared.then((p) => sink.write(`${head + p}}`));
      return undefined;
    }
    if (backlog.length >= maxPending) {
      proofsSkipped++;
      return `${head},"proofSkipped":"backlog"}`;
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
    return undefined;
  }

  /** Formats what was captured and waits for pending proofs. */
  async function settled(): Promise<void> {
    drain();
    if (running > 0 || backlog.length > 0) await new Promise<void>((r) => idle.push(r));
  }

  return {
    proofs,
    sample() {
      if (rate >= 1 || random() < rate) return true;
      sampledOut++;
      return false;
    },

    recordCheck(d, explainAt) {
      // The check path: two references and a timestamp; no strings, no JSON, no I/O.
      ring[captured] = d;
      ringAt[captured] = explainAt;
      ringTime[captured] = clock();
      if (++captured === RING) drain();
      else drainTimer ??= setImmediate(drain);
    },

    recordLookup(d) {
      drain(); // checks captured before this lookup are written before it
      let line = `{"time":"${isoTime(clock())}","kind":"${d.kind}"`;
      if (d.caller !== undefined) line += `,"caller":${str(d.caller)}`;
      line += `,"resource":${str(d.resource)},"permission":${str(d.permission)}`;
      line += `,"subject":${str(d.subject)},"zookie":${str(d.zookie)},"found":${d.found}`;
      if (d.error !== undefined) line += `,"result":"error","error":${str(errorCode(d.error))}`;
      sink.write(`${line}}`);
    },

    async flush() {
      await settled();
      await sink.flush();
    },

    async close() {
      await settled();
      await sink.close();
    },

    stats() {
      const s = sink.stats();
      return {
        ...s,
        // Captured decisions not yet formatted are queued lines too.
        queued: s.queued + captured,
        sampledOut,
        proofsSkipped,
        proofsPending: running + backlog.length,
      };
    },
  };
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
