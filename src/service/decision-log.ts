/**
 * The decision log: an optional audit stream with one JSON line per authorization decision (time,
 * caller key id, resource, permission, subject, result, zookie and, for grants, the proof path).
 * Bulk checks log one line per item; lookups log one summary line.
 *
 * Why it costs little on the check path: recording a decision stores two references and a
 * timestamp in a ring. Once per event-loop turn (or when the ring is full) the ring is turned into
 * records of interned numbers (`decision-log-batch.ts`) and shipped to a worker thread that builds
 * and encodes the JSON lines (`decision-log-worker.mjs`); the bytes come back to the batched sink
 * (`decision-log-sink.ts`), and disk writes happen in chunks. Proofs are the expensive part (an
 * explained check bypasses the engine's cache), so by default (`proofs: 'deferred'`) a grant's
 * proof is recomputed after the answer has been returned, at the same snapshot (same revision and
 * expiration clock, so the same answer), with bounded concurrency and a bounded backlog. Proofs
 * are memoised per (revision, question) and reused while no tuple they rest on has expired, so a
 * question asked again at the same revision costs no second evaluation (the same reasoning as the
 * engine's cache: a revision never changes). `'inline'` explains the check itself (one uncached
 * pass, no second evaluation); `'off'` logs no proofs.
 */
import { createWriteStream, openSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { LRUCache } from 'lru-cache';
import { AppError } from '../errors.ts';
import type { Engine, EvalContext } from '../engine/index.ts';
import { type CheckDecision, createBatcher } from './decision-log-batch.ts';
import { earliestExpiry, errorCode, proofJson, safeJson, str } from './decision-log-format.ts';
import { createLineSink, type LineSink, type LineSinkStats } from './decision-log-sink.ts';
import { isoTime } from './decision-log-worker.mjs';

export type { CheckDecision } from './decision-log-batch.ts';

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
  /**
   * Where lines are formatted: `worker` (default; a worker thread, so the check path's thread only
   * flattens references) or `inline` (this thread, in the same background drain).
   */
  readonly formatter?: 'worker' | 'inline';
  /** Lines waiting (captured, in the worker or in the sink) beyond which new ones are dropped (default 100,000). */
  readonly maxQueuedLines?: number;
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

/** Decisions captured per drain; a full ring is flattened at once (bounds the references held). */
const RING = 256;

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

  // The capture ring. Why: the check path only stores two references and a timestamp here. The
  // drain (once per event-loop turn, via setImmediate, after this turn's answers went out, or when
  // the ring is full) turns them into records for the batcher, which ships them to the formatter
  // worker (decision-log-batch.ts, decision-log-worker.mjs).
  const ring: (CheckDecision | undefined)[] = new Array(RING).fill(undefined);
  const ringAt: (ExplainAt | undefined)[] = new Array(RING).fill(undefined);
  const ringTime = new Float64Array(RING);
  let captured = 0;
  let drainTimer: NodeJS.Immediate | undefined;
  const batch = createBatcher(sink, {
    formatter: opts.formatter ?? 'worker',
    maxQueuedLines: opts.maxQueuedLines ?? 100_000,
  });

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

  /** Moves the ring's decisions into the batch (deferred grants may leave for the proof queue). */
  function flatten(): void {
    const n = captured;
    captured = 0;
    for (let i = 0; i < n; i++) {
      const d = ring[i] as CheckDecision;
      const at = ringAt[i];
      ring[i] = undefined;
      ringAt[i] = undefined;
      capture(d, at, ringTime[i] as number);
    }
  }

  /** Flattens what was captured and ships the batch. */
  function drain(): void {
    if (drainTimer !== undefined) {
      clearImmediate(drainTimer);
      drainTimer = undefined;
    }
    flatten();
    batch.post();
  }

  /** A line that does not come from the ring (lookups, late proofs): after what was captured. */
  function later(add: () => void): void {
    flatten();
    add();
    drainTimer ??= setImmediate(drain);
  }

  /** Turns one captured decision into a record now, or later when its proof is ready (deferred). */
  function capture(d: CheckDecision, explainAt: ExplainAt | undefined, time: number): void {
    const proof = d.result?.proof;
    if (d.result?.permissionship !== 'allowed' || proofs === 'off' || proof) {
      batch.check(d, time, proof && proof.kind === 'step' ? proofJson(proof) : undefined);
      return;
    }
    if (!explainAt) {
      batch.check(d, time, undefined);
      return;
    }
    const reader = explainAt.ctx.reader;
    const r = d.request;
    // One template, no intermediate strings: this runs for every deferred grant.
    const sub = r.subject;
    const key = `${reader.revision}|${r.resource.type}:${r.resource.id}#${r.permission}@${sub.type}:${sub.id}#${sub.relation}|${
      r.context === undefined ? '' : safeJson(r.context)
    }`;
    const hit = memo?.get(key);
    if (hit && reader.now < hit.until) {
      batch.check(d, time, hit.json);
      return;
    }
    const shared = computing.get(key);
    if (shared) {
      void shared.then((p) => later(() => batch.check(d, time, p)));
      return;
    }
    if (backlog.length >= maxPending) {
      proofsSkipped++;
      batch.check(d, time, ',"proofSkipped":"backlog"');
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
      later(() => batch.check(d, time, fragment));
    });
    pump();
  }

  /** Drains until nothing is captured, no proof is pending and every batch came back. */
  async function settled(): Promise<void> {
    for (;;) {
      drain();
      if (running > 0 || backlog.length > 0) await new Promise<void>((r) => idle.push(r));
      else {
        await batch.returned();
        if (captured === 0 && batch.pending() === 0) return;
      }
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
      // The check path: two references and a timestamp; no strings, no JSON, no I/O.
      ring[captured] = d;
      // Only a grant whose proof is deferred needs the engine and snapshot later.
      ringAt[captured] =
        proofs === 'deferred' && d.result?.permissionship === 'allowed' ? explainAt : undefined;
      ringTime[captured] = clock();
      if (++captured === RING) drain();
      else drainTimer ??= setImmediate(drain);
    },

    recordLookup(d) {
      let line = `{"time":"${isoTime(clock())}","kind":"${d.kind}"`;
      if (d.caller !== undefined) line += `,"caller":${str(d.caller)}`;
      line += `,"resource":${str(d.resource)},"permission":${str(d.permission)}`;
      line += `,"subject":${str(d.subject)},"zookie":${str(d.zookie)},"found":${d.found}`;
      if (d.error !== undefined) line += `,"result":"error","error":${str(errorCode(d.error))}`;
      later(() => batch.raw(`${line}}`));
    },

    async flush() {
      await settled();
      await sink.flush();
    },

    async close() {
      await settled();
      await batch.close();
      await sink.close();
    },

    stats() {
      const s = sink.stats();
      return {
        ...s,
        dropped: s.dropped + batch.dropped(),
        // Decisions captured, batched or being formatted are queued lines too.
        queued: s.queued + captured + batch.pending(),
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
