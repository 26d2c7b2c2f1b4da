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
import { Worker } from 'node:worker_threads';
import type { CheckResult, Engine, EvalContext } from '../engine/index.ts';
import { earliestExpiry, errorCode, proofJson, safeJson, str } from './decision-log-format.ts';
import {
  createFormatter,
  type DecisionBatchMessage,
  isoTime,
  RECORD,
  RESULT_RAW,
} from './decision-log-worker.mjs';
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
  /**
   * Where lines are formatted: `worker` (default; a worker thread, so the check path's thread only
   * flattens references) or `inline` (this thread, in the same background drain).
   */
  readonly formatter?: 'worker' | 'inline';
  /** Lines waiting (captured, in the worker or in the sink) beyond which new ones are dropped (default 100,000). */
  readonly maxQueuedLines?: number;
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

/** Decisions captured per drain; a full ring is flattened at once (bounds the references held). */
const RING = 256;
const RESULT_CODE = { allowed: 0, denied: 1, conditional: 2 } as const;
const ERROR_RESULT = 3;
const WORKER_URL = new URL('./decision-log-worker.mjs', import.meta.url);
/** Interned strings beyond which the table restarts (bounds memory on both threads). */
const MAX_STRINGS = 100_000;

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
  const maxQueued = opts.maxQueuedLines ?? 100_000;
  let sampledOut = 0;
  let proofsSkipped = 0;
  let dropped = 0;
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
  // the ring is full) flattens the batch into strings and numbers and posts it to the formatter
  // worker (decision-log-worker.mjs), which builds and encodes the JSON lines on another thread.
  const ring: (CheckDecision | undefined)[] = new Array(RING).fill(undefined);
  const ringAt: (ExplainAt | undefined)[] = new Array(RING).fill(undefined);
  const ringTime = new Float64Array(RING);
  let captured = 0;
  let drainTimer: NodeJS.Immediate | undefined;
  // The batch being built: records of numbers (strings interned), the strings new since the last
  // batch, the rare extras, and how many lines it makes.
  const ids = new Map<string, number>();
  /** id → string, the main thread's copy of the table (seeds a fallback formatter). */
  const names: string[] = [];
  let reset = false;
  let fresh: string[] = [];
  let nums = new Float64Array(RECORD * RING * 2);
  let used = 0;
  let batchLines = 0;
  /** The in-thread formatter (`formatter: 'inline'`, or after the worker failed). */
  let local: ReturnType<typeof createFormatter> | undefined;
  let seedLocal = false;

  // The formatter worker: batches in flight, and who waits for them to come back.
  let worker: Worker | undefined;
  let inflight = 0;
  let inflightLines = 0;
  const returned: (() => void)[] = [];
  if ((opts.formatter ?? 'worker') === 'inline') local = createFormatter();
  else {
    worker = new Worker(WORKER_URL, { workerData: { decisionLogFormatter: true } });
    // Referenced only while batches are in flight: an idle log never keeps the process alive, and
    // a pending flush always does.
    worker.unref();
    worker.on('message', (m: { bytes: Uint8Array; lines: number }) => {
      inflight--;
      inflightLines -= m.lines;
      sink.writeBytes(m.bytes, m.lines);
      if (inflight === 0) {
        worker?.unref();
        for (const w of returned.splice(0)) w();
      }
    });
    worker.on('error', () => {
      // Format in this thread from now on; the batches that were in flight are lost (counted).
      worker = undefined;
      local = createFormatter();
      seedLocal = true;
      dropped += inflightLines;
      inflight = 0;
      inflightLines = 0;
      for (const w of returned.splice(0)) w();
    });
  }

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

  // One-entry memo per record field: consecutive decisions mostly share the resource type,
  // permission, subject type and relation, caller and zookie, so most fields skip the map.
  const lastStr: (string | undefined)[] = new Array(RECORD).fill(undefined);
  const lastId = new Float64Array(RECORD);
  function internAt(field: number, s: string): number {
    if (s === lastStr[field]) return lastId[field] as number;
    const id = intern(s);
    lastStr[field] = s;
    lastId[field] = id;
    return id;
  }

  function intern(s: string): number {
    let id = ids.get(s);
    if (id === undefined) {
      id = names.length;
      ids.set(s, id);
      names.push(s);
      fresh.push(s);
    }
    return id;
  }

  /** Room for one more record. */
  function reserve(): number {
    if (used + RECORD > nums.length) {
      const grown = new Float64Array(nums.length * 2);
      grown.set(nums);
      nums = grown;
    }
    const at = used;
    used += RECORD;
    batchLines++;
    return at;
  }

  /** Appends one check record (layout in decision-log-worker.mjs); `tail` holds proof fields. */
  function pushCheck(d: CheckDecision, time: number, tail: string | undefined): void {
    const r = d.request;
    const result = d.result;
    const o = reserve();
    nums[o] = time;
    nums[o + 1] = d.caller === undefined ? -1 : internAt(1, d.caller);
    nums[o + 2] = internAt(2, r.resource.type);
    nums[o + 3] = internAt(3, r.resource.id);
    nums[o + 4] = internAt(4, r.permission);
    nums[o + 5] = internAt(5, r.subject.type);
    nums[o + 6] = internAt(6, r.subject.id);
    nums[o + 7] = internAt(7, r.subject.relation);
    nums[o + 8] = internAt(8, d.zookie);
    nums[o + 9] = result ? RESULT_CODE[result.permissionship] : ERROR_RESULT;
    nums[o + 10] = d.bulkIndex ?? -1;
    nums[o + 11] = r.context && hasKeys(r.context) ? internAt(11, safeJson(r.context)) : -1;
    const missing = result?.missingParams;
    nums[o + 12] = missing && missing.length > 0 ? internAt(12, JSON.stringify(missing)) : -1;
    nums[o + 13] = result ? -1 : internAt(13, errorCode(d.error));
    nums[o + 14] = tail === undefined ? -1 : internAt(14, tail);
  }

  /** Appends a line formatted here (lookups) in decision order and schedules a drain. */
  function pushRaw(line: string): void {
    flatten();
    const o = reserve();
    nums.fill(0, o, o + RECORD);
    nums[o + 9] = RESULT_RAW;
    nums[o + 14] = intern(line);
    drainTimer ??= setImmediate(drain);
  }

  /** A check whose proof arrived after its turn: queued behind what was captured meanwhile. */
  function pushLate(d: CheckDecision, time: number, tail: string): void {
    flatten();
    pushCheck(d, time, tail);
    drainTimer ??= setImmediate(drain);
  }

  /** Moves the ring's decisions into the batch (deferred grants leave for the proof queue). */
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

  /** Hands the batch to the worker (or formats it here when there is none). */
  function drain(): void {
    if (drainTimer !== undefined) {
      clearImmediate(drainTimer);
      drainTimer = undefined;
    }
    flatten();
    if (batchLines === 0) return;
    const m: DecisionBatchMessage = { reset, fresh, nums: nums.slice(0, used) };
    const lines = batchLines;
    reset = false;
    fresh = [];
    used = 0;
    batchLines = 0;
    if (ids.size > MAX_STRINGS) {
      ids.clear();
      names.length = 0;
      lastStr.fill(undefined);
      reset = true;
    }
    if (inflightLines + sink.stats().queued + lines > maxQueued) {
      dropped += lines; // the disk (or the worker) is far behind: drop rather than grow
      // The strings this batch introduced were never delivered: restart the table.
      ids.clear();
      names.length = 0;
      lastStr.fill(undefined);
      reset = true;
      return;
    }
    if (worker) {
      if (inflight++ === 0) worker.ref();
      inflightLines += lines;
      // The numbers move (a fresh slice, transferred); strings and extras are copied.
      worker.postMessage(m, [m.nums.buffer as ArrayBuffer]);
      return;
    }
    if (seedLocal) {
      // The worker failed: the new formatter learns every string in use at once.
      seedLocal = false;
      m.reset = true;
      m.fresh = names.slice();
    }
    const { text } = (local as ReturnType<typeof createFormatter>).format(m);
    sink.write(text, lines);
  }

  /** Turns one captured decision into a record now, or later when its proof is ready (deferred). */
  function capture(d: CheckDecision, explainAt: ExplainAt | undefined, time: number): void {
    const proof = d.result?.proof;
    if (d.result?.permissionship !== 'allowed' || proofs === 'off' || proof) {
      pushCheck(d, time, proof && proof.kind === 'step' ? proofJson(proof) : undefined);
      return;
    }
    if (!explainAt) {
      pushCheck(d, time, undefined);
      return;
    }
    const reader = explainAt.ctx.reader;
    const r = d.request;
    const key = `${reader.revision}|${formatObject(r.resource)}#${r.permission}@${formatSubject(r.subject)}|${
      r.context === undefined ? '' : safeJson(r.context)
    }`;
    const hit = memo?.get(key);
    if (hit && reader.now < hit.until) {
      pushCheck(d, time, hit.json);
      return;
    }
    const shared = computing.get(key);
    if (shared) {
      void shared.then((p) => pushLate(d, time, p));
      return;
    }
    if (backlog.length >= maxPending) {
      proofsSkipped++;
      pushCheck(d, time, ',"proofSkipped":"backlog"');
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
      pushLate(d, time, fragment);
    });
    pump();
  }

  /** Drains until nothing is captured, no proof is pending and every batch came back. */
  async function settled(): Promise<void> {
    for (;;) {
      drain();
      if (running > 0 || backlog.length > 0) await new Promise<void>((r) => idle.push(r));
      else if (inflight > 0) await new Promise<void>((r) => returned.push(r));
      else if (captured === 0 && batchLines === 0) return;
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
      pushRaw(`${line}}`);
    },

    async flush() {
      await settled();
      await sink.flush();
    },

    async close() {
      await settled();
      await worker?.terminate();
      worker = undefined;
      await sink.close();
    },

    stats() {
      const s = sink.stats();
      return {
        ...s,
        dropped: s.dropped + dropped,
        // Decisions captured, batched or being formatted are queued lines too.
        queued: s.queued + captured + batchLines + inflightLines,
        sampledOut,
        proofsSkipped,
        proofsPending: running + backlog.length,
      };
    },
  };
}

/** True when `o` has an own enumerable key (without allocating a key array). */
function hasKeys(o: object): boolean {
  for (const k in o) if (Object.hasOwn(o, k)) return true;
  return false;
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
