/**
 * A batched, asynchronous JSON-lines writer for the decision log. `write` only pushes a string onto
 * an in-memory queue and returns; the queue is joined into one chunk and handed to the stream on a
 * short timer (or at once when a batch fills up).
 *
 * Why: a check must never wait for the disk. One `stream.write` per batch instead of per line keeps
 * the syscall and event-loop cost per decision small, and backpressure is honoured by pausing
 * (`write` returned false → wait for `drain`) while lines keep queueing in memory. The queue is
 * bounded: past `maxQueuedLines` new lines are dropped and counted rather than growing memory
 * without limit or blocking the caller; `stats().dropped` makes the loss visible.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Counters of a sink since creation. */
export interface LineSinkStats {
  /** Lines handed to the stream. */
  readonly written: number;
  /** Lines refused because the queue was full (or the stream had failed). */
  readonly dropped: number;
  /** Lines queued but not yet handed to the stream. */
  readonly queued: number;
  /** The stream's error message, once it failed (the sink then drops everything). */
  readonly error?: string;
}

/** Where decision lines go. `write` never blocks and never throws. */
export interface LineSink {
  /** Queues one line (no trailing newline); false when it was dropped. */
  write(line: string): boolean;
  /** Resolves once every line queued so far has been handed to the stream and the stream drained. */
  flush(): Promise<void>;
  /** Flushes, then ends the stream when the sink owns it (files), or leaves it open (stdout). */
  close(): Promise<void>;
  stats(): LineSinkStats;
}

export interface LineSinkOptions {
  /** Lines per chunk; a full batch is written on the next tick (default 512). */
  readonly batchLines?: number;
  /** Longest a queued line waits before its batch is written (default 50 ms). */
  readonly flushIntervalMs?: number;
  /** Queue bound while the stream is slow; beyond it lines are dropped (default 100,000). */
  readonly maxQueuedLines?: number;
  /** End the stream on `close` (true for files this sink opened; false for stdout). */
  readonly ownsStream?: boolean;
  /** Called once if the stream fails. */
  readonly onError?: (err: Error) => void;
}

/** Wraps `stream` in a batching, backpressure-aware line queue. */
export function createLineSink(stream: Writable, opts: LineSinkOptions = {}): LineSink {
  const batchLines = opts.batchLines ?? 512;
  const flushIntervalMs = opts.flushIntervalMs ?? 50;
  const maxQueued = opts.maxQueuedLines ?? 100_000;
  let queue: string[] = [];
  let written = 0;
  let dropped = 0;
  let pendingWrites = 0;
  let waitingDrain = false;
  let failed: Error | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const idleWaiters: (() => void)[] = [];

  stream.on('error', (err: Error) => {
    if (failed) return;
    failed = err;
    dropped += queue.length;
    queue = [];
    opts.onError?.(err);
    settleIfIdle(true);
  });

  function settleIfIdle(force = false): void {
    if (!force && (queue.length > 0 || pendingWrites > 0 || waitingDrain)) return;
    for (const w of idleWaiters.splice(0)) w();
  }

  function writeBatch(): void {
    if (timer) clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
    timer = undefined;
    immediate = undefined;
    if (failed || waitingDrain || queue.length === 0) {
      settleIfIdle();
      return;
    }
    const lines = queue;
    queue = [];
    pendingWrites++;
    const ok = stream.write(`${lines.join('\n')}\n`, () => {
      pendingWrites--;
      settleIfIdle();
    });
    written += lines.length;
    if (!ok) {
      // Backpressure: stop handing chunks to the stream until it drains; lines keep queueing.
      waitingDrain = true;
      stream.once('drain', () => {
        waitingDrain = false;
        writeBatch();
      });
    }
  }

  function schedule(): void {
    if (waitingDrain) return;
    if (queue.length >= batchLines) {
      immediate ??= setImmediate(writeBatch);
      return;
    }
    if (!timer) {
      timer = setTimeout(writeBatch, flushIntervalMs);
      // A pending flush must not keep a finished process alive; close() flushes explicitly.
      timer.unref();
    }
  }

  const sink: LineSink = {
    write(line) {
      if (failed || closed || queue.length >= maxQueued) {
        dropped++;
        return false;
      }
      queue.push(line);
      schedule();
      return true;
    },
    async flush() {
      writeBatch();
      if (failed || (queue.length === 0 && pendingWrites === 0 && !waitingDrain)) return;
      await new Promise<void>((resolve) => idleWaiters.push(resolve));
      // Lines queued while waiting for drain are written by the drain handler; loop until empty.
      if (queue.length > 0 && !failed) await sink.flush();
    },
    async close() {
      if (closed) return;
      await sink.flush();
      closed = true;
      if (opts.ownsStream && !failed && !stream.destroyed) {
        const finished = once(stream, 'finish').catch(() => undefined);
        stream.end();
        await finished;
      }
    },
    stats() {
      return {
        written,
        dropped,
        queued: queue.length,
        ...(failed ? { error: failed.message } : {}),
      };
    },
  };
  return sink;
}
