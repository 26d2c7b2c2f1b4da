/** Types of `decision-log-worker.mjs` (plain JavaScript so the worker thread needs no TypeScript loader). */

/** Numbers per record in `DecisionBatchMessage.nums` (layout in the module comment). */
export declare const RECORD: 15;
/** The result code of a line formatted by the main thread (the string `tail`). */
export declare const RESULT_RAW: 4;

/** One batch, as posted to the worker. */
export interface DecisionBatchMessage {
  reset: boolean;
  fresh: string[];
  nums: Float64Array;
}

/** A string table and the line builder over it; feed messages in the order they were made. */
export declare function createFormatter(): {
  format(m: DecisionBatchMessage): { text: string; lines: number };
};

/** ISO time, formatted once per millisecond. */
export declare function isoTime(ms: number): string;
