/**
 * The decision log's batcher: turns captured decisions into records of numbers (every string
 * interned as a small integer) and hands each batch to the formatter worker
 * (`decision-log-worker.mjs`), whose encoded lines come back to the sink.
 *
 * Why numbers and interning: a worker message costs 20-70 µs however small it is (measured), and
 * structured cloning of strings and objects costs about as much as formatting them. A record of
 * numbers in a transferred buffer, plus only the strings not seen before (types, permissions,
 * callers, zookies, proof fields and most ids repeat), keeps the main thread's share of a logged
 * decision to filling 15 numbers. The string table restarts past MAX_STRINGS, so memory stays
 * bounded on both threads.
 */
import { Worker } from 'node:worker_threads';
import type { CheckResult } from '../engine/index.ts';
import { errorCode, safeJson } from './decision-log-format.ts';
import type { LineSink } from './decision-log-sink.ts';
import {
  createFormatter,
  type DecisionBatchMessage,
  RECORD,
  RESULT_RAW,
} from './decision-log-worker.mjs';
import type { CheckInput } from './types.ts';

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

/** Collects records and ships them; `check`/`raw` never format, `post` never blocks. */
export interface DecisionBatcher {
  /** Appends one check line; `tail` is inserted before its closing brace (proof fields). */
  check(d: CheckDecision, time: number, tail: string | undefined): void;
  /** Appends a line already formatted (lookups). */
  raw(line: string): void;
  /** Ships the batch (or drops it whole when more than `maxQueuedLines` lines wait). */
  post(): void;
  /** Lines appended or being formatted, not yet in the sink. */
  pending(): number;
  /** Lines dropped here (queue bound, worker failure). */
  dropped(): number;
  /** Resolves once no batch is being formatted. */
  returned(): Promise<void>;
  /** Stops the worker (after `returned`). */
  close(): Promise<void>;
}

const RESULT_CODE = { allowed: 0, denied: 1, conditional: 2 } as const;
const ERROR_RESULT = 3;
const WORKER_URL = new URL('./decision-log-worker.mjs', import.meta.url);
/** Interned strings beyond which the table restarts (bounds memory on both threads). */
const MAX_STRINGS = 100_000;

/** Builds a batcher writing to `sink`: through a worker thread, or `inline` in this thread. */
export function createBatcher(
  sink: LineSink,
  opts: { formatter: 'worker' | 'inline'; maxQueuedLines: number },
): DecisionBatcher {
  const ids = new Map<string, number>();
  /** id → string, this thread's copy of the table (seeds a fallback formatter). */
  const names: string[] = [];
  let reset = false;
  let fresh: string[] = [];
  let nums = new Float64Array(RECORD * 512);
  let used = 0;
  let lines = 0;
  let dropped = 0;
  // One-entry memo per record field: consecutive decisions mostly share the resource type,
  // permission, subject type and relation, caller, zookie and proof, so most fields skip the map.
  const lastStr: (string | undefined)[] = new Array(RECORD).fill(undefined);
  const lastId = new Float64Array(RECORD);

  /** The in-thread formatter (`inline`, or after the worker failed) and whether it needs the table. */
  let local = opts.formatter === 'inline' ? createFormatter() : undefined;
  let seedLocal = false;
  let worker: Worker | undefined;
  let inflight = 0;
  let inflightLines = 0;
  const waiters: (() => void)[] = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  if (!local) {
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
        wake();
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
      wake();
    });
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

  function internAt(field: number, s: string): number {
    if (s === lastStr[field]) return lastId[field] as number;
    const id = intern(s);
    lastStr[field] = s;
    lastId[field] = id;
    return id;
  }

  function restartTable(): void {
    ids.clear();
    names.length = 0;
    lastStr.fill(undefined);
    reset = true;
  }

  /** Room for one more record; returns its offset. */
  function reserve(): number {
    if (used + RECORD > nums.length) {
      const grown = new Float64Array(nums.length * 2);
      grown.set(nums);
      nums = grown;
    }
    const at = used;
    used += RECORD;
    lines++;
    return at;
  }

  return {
    check(d, time, tail) {
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
    },

    raw(line) {
      const o = reserve();
      nums.fill(0, o, o + RECORD);
      nums[o + 9] = RESULT_RAW;
      nums[o + 14] = intern(line);
    },

    post() {
      if (lines === 0) return;
      const m: DecisionBatchMessage = { reset, fresh, nums: nums.slice(0, used) };
      const n = lines;
      reset = false;
      fresh = [];
      used = 0;
      lines = 0;
      if (ids.size > MAX_STRINGS) restartTable();
      if (inflightLines + sink.stats().queued + n > opts.maxQueuedLines) {
        // The disk (or the worker) is far behind: drop rather than grow. The strings this batch
        // introduced never arrive, so the table restarts.
        dropped += n;
        restartTable();
        return;
      }
      if (worker) {
        if (inflight++ === 0) worker.ref();
        inflightLines += n;
        // The numbers move (a fresh slice, transferred); only the new strings are copied.
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
      sink.write(text, n);
    },

    pending: () => lines + inflightLines,
    dropped: () => dropped,

    returned() {
      return inflight === 0 ? Promise.resolve() : new Promise<void>((r) => waiters.push(r));
    },

    async close() {
      await worker?.terminate();
      worker = undefined;
      local ??= createFormatter();
      seedLocal = true;
    },
  };
}

/** True when `o` has an own enumerable key (without allocating a key array). */
function hasKeys(o: object): boolean {
  for (const k in o) if (Object.hasOwn(o, k)) return true;
  return false;
}
