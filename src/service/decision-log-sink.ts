/**
 * A batched, asynchronous JSON-lines writer for the decision log. `write` encodes the line into an
 * off-heap chunk buffer and returns; full chunks (or, on a short timer, the partial one) are handed
 * to the stream.
 *
 * Why: a check must never wait for the disk. One `stream.write` per chunk instead of per line keeps
 * the syscall and event-loop cost per decision small. Encoding at once into a Buffer (instead of
 * keeping the strings queued) lets each line string die young: queued strings would survive
 * young-generation collections and be promoted, and that GC cost showed up as the largest part of
 * the logging overhead in profiles. Backpressure is honoured by pausing (`write` returned false →
 * wait for `drain`) while chunks keep queueing; the queue is bounded: past `maxQueuedLines` new
 * lines are dropped and counted rather than growing memory without limit or blocking the caller.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

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
  /**
   * Queues one line (no trailing newline), or `lines` lines joined by newlines (a batch: one encode
   * for all of them); false when it was dropped (a batch is kept or dropped whole).
   */
  write(line: string, lines?: number): boolean;
  /** Queues `lines` complete lines already encoded (UTF-8, each ending in a newline); false when dropped. */
  writeBytes(bytes: Uint8Array, lines: number): boolean;
  /** Resolves once every line queued so far has been handed to the stream and the stream drained. */
  flush(): Promise<void>;
  /** Flushes, then ends the stream when the sink owns it (files), or leaves it open (stdout). */
  close(): Promise<void>;
  stats(): LineSinkStats;
}

export interface LineSinkOptions {
  /** Bytes per chunk; a full chunk is written on the next tick (default 64 KiB). */
  readonly chunkBytes?: number;
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
  const chunkBytes = opts.chunkBytes ?? 64 * 1024;
  const flushIntervalMs = opts.flushIntervalMs ?? 50;
  const maxQueued = opts.maxQueuedLines ?? 100_000;
  let buf = Buffer.allocUnsafe(chunkBytes);
  let pos = 0;
  let bufLines = 0;
  /** Sealed chunks not yet handed to the stream (only grows while waiting for `drain`). */
  const sealed: { chunk: Buffer; lines: number }[] = [];
  let queued = 0;
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
    dropped += queued;
    queued = 0;
    sealed.length = 0;
    pos = 0;
    bufLines = 0;
    opts.onError?.(err);
    settleIfIdle(true);
  });

  function settleIfIdle(force = false): void {
    if (!force && (queued > 0 || pendingWrites > 0 || waitingDrain)) return;
    for (const w of idleWaiters.splice(0)) w();
  }

  function seal(): void {
    if (pos === 0) return;
    sealed.push({ chunk: buf.subarray(0, pos), lines: bufLines });
    // A new chunk: the sealed one belongs to the stream until its write completes.
    buf = Buffer.allocUnsafe(chunkBytes);
    pos = 0;
    bufLines = 0;
  }

  function writeBatch(): void {
    if (timer) clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
    timer = undefined;
    immediate = undefined;
    if (failed) {
      settleIfIdle(true);
      return;
    }
    if (!waitingDrain) seal();
    while (!waitingDrain && sealed.length > 0) {
      const { chunk, lines } = sealed.shift() as { chunk: Buffer; lines: number };
      pendingWrites++;
      const ok = stream.write(chunk, () => {
        pendingWrites--;
        settleIfIdle();
      });
      written += lines;
      queued -= lines;
      if (!ok) {
        // Backpressure: stop handing chunks to the stream until it drains; lines keep queueing.
        waitingDrain = true;
        stream.once('drain', () => {
          waitingDrain = false;
          writeBatch();
        });
      }
    }
    settleIfIdle();
  }

  function schedule(full: boolean): void {
    if (waitingDrain) return;
    if (full) {
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
    write(line, lines = 1) {
      if (failed || closed || queued + lines > maxQueued) {
        dropped += lines;
        return false;
      }
      // Worst case 3 bytes per UTF-16 unit, plus the newline; measured exactly only when the worst
      // case does not fit (a batch of ASCII lines usually does once counted).
      let need = line.length * 3 + 1;
      let full = false;
      if (need > buf.length - pos) {
        need = Buffer.byteLength(line) + 1;
        if (need > buf.length - pos) {
          seal();
          full = true;
          if (need > buf.length) buf = Buffer.allocUnsafe(Math.max(need, chunkBytes));
        }
      }
      pos += buf.write(line, pos);
      buf[pos++] = 10;
      bufLines += lines;
      queued += lines;
      schedule(full || pos === buf.length);
      return true;
    },
    writeBytes(bytes, lines) {
      if (failed || closed || queued + lines > maxQueued) {
        dropped += lines;
        return false;
      }
      // The chunk being filled goes first, so lines stay in order; the bytes are a chunk of their own.
      seal();
      sealed.push({ chunk: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), lines });
      queued += lines;
      schedule(true);
      return true;
    },
    async flush() {
      writeBatch();
      if (failed || (queued === 0 && pendingWrites === 0 && !waitingDrain)) return;
      await new Promise<void>((resolve) => idleWaiters.push(resolve));
      // Lines queued while waiting for drain are written by the drain handler; loop until empty.
      if (queued > 0 && !failed) await sink.flush();
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
        queued,
        ...(failed ? { error: failed.message } : {}),
      };
    },
  };
  return sink;
}
