/**
 * Decision log line formatting, run in a worker thread (or, with `formatter: 'inline'` or after a
 * worker failure, in the main thread's background drain). Plain JavaScript with no imports from the
 * TypeScript sources, so the worker starts the same way under node, tsx and vitest.
 *
 * Why a worker: formatting a JSON line (strings, ISO time, escaping, UTF-8 encoding) costs 1.5-2 µs
 * of CPU per decision, a quarter of a cached check in process. The main thread instead interns each
 * string (resource type, id, permission, subject, caller, zookie) as a small integer and writes a
 * record of numbers; a batch message carries the numbers, the strings first seen since the last
 * batch, and the rare per-record extras. Copying numbers is cheap; each distinct string crosses once.
 *
 * A batch message: `{ reset, fresh, nums }`. `reset` clears the string table first (the main thread
 * restarts its ids when its table grows too large); `fresh` are the strings that get the next ids,
 * in order; `nums` (a transferred Float64Array) holds records of RECORD numbers:
 *   [time ms, caller, resource type, resource id, permission, subject type, subject id,
 *    subject relation, zookie, result code, bulk index (-1: none), context JSON,
 *    missing context names as a JSON array, error code, tail]
 * where every string is its id in the table (-1: absent) and `tail` is text inserted before the
 * closing brace (the proof fields). Result codes: 0 has_permission, 1 no_permission,
 * 2 conditional_permission, 3 error, 4 raw: the whole line is the string `tail` (lookups).
 * Why only numbers: a message costs 20-70 µs however small (measured), so batches are large and
 * carry no objects; proof fields and contexts repeat, so they are interned like ids.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

export const RECORD = 15;
export const RESULT_RAW = 4;
const RESULT_TEXT = ['has_permission', 'no_permission', 'conditional_permission', 'error'];

/** Strings that need no JSON escaping (names, ids, zookies, key ids): written as they are. */
const PLAIN = /^[A-Za-z0-9_:./|=+*#@-]*$/;

function str(v) {
  return PLAIN.test(v) ? `"${v}"` : JSON.stringify(v);
}

let lastMs = Number.NaN;
let lastIso = '';
/** ISO time, formatted once per millisecond (many decisions share one at high rates). */
export function isoTime(ms) {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/**
 * A formatter with its own string table: `format(message)` returns the batch's lines joined by
 * newlines (no trailing newline) and their count. Messages must be fed in the order they were made.
 */
export function createFormatter() {
  /** id → the string itself, and its JSON literal once needed. */
  const table = [];
  const json = [];
  const lit = (id) => {
    let j = json[id];
    if (j === undefined) {
      j = str(table[id]);
      json[id] = j;
    }
    return j;
  };
  return {
    format(m) {
      if (m.reset) {
        table.length = 0;
        json.length = 0;
      }
      for (const s of m.fresh) table.push(s);
      const nums = m.nums;
      let text = '';
      let lines = 0;
      for (let i = 0; i < nums.length; i += RECORD) {
        const result = nums[i + 9];
        let line;
        if (result === RESULT_RAW) line = table[nums[i + 14]];
        else {
          const bulk = nums[i + 10];
          line = `{"time":"${isoTime(nums[i])}","kind":"${bulk < 0 ? 'check' : 'bulk_check'}"`;
          if (nums[i + 1] >= 0) line += `,"caller":${lit(nums[i + 1])}`;
          line += `,"resource":${str(`${table[nums[i + 2]]}:${table[nums[i + 3]]}`)}`;
          line += `,"permission":${lit(nums[i + 4])}`;
          const subject = `${table[nums[i + 5]]}:${table[nums[i + 6]]}`;
          const rel = table[nums[i + 7]];
          line += `,"subject":${str(rel === '...' ? subject : `${subject}#${rel}`)}`;
          if (nums[i + 11] >= 0) line += `,"context":${table[nums[i + 11]]}`;
          line += `,"result":"${RESULT_TEXT[result]}","zookie":${lit(nums[i + 8])}`;
          if (bulk >= 0) line += `,"index":${bulk}`;
          if (nums[i + 12] >= 0) line += `,"missingContext":${table[nums[i + 12]]}`;
          if (nums[i + 13] >= 0) line += `,"error":${lit(nums[i + 13])}`;
          line += nums[i + 14] < 0 ? '}' : `${table[nums[i + 14]]}}`;
        }
        text = lines === 0 ? line : `${text}\n${line}`;
        lines++;
      }
      return { text, lines };
    },
  };
}

if (!isMainThread && workerData?.decisionLogFormatter === true && parentPort) {
  const port = parentPort;
  const formatter = createFormatter();
  const encoder = new TextEncoder();
  port.on('message', (m) => {
    const { text, lines } = formatter.format(m);
    const bytes = encoder.encode(`${text}\n`);
    port.postMessage({ bytes, lines }, [bytes.buffer]);
  });
}
