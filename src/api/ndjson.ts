/**
 * Newline-delimited JSON streaming in the shape of SpiceDB's HTTP gateway: each message is one line
 * `{"result": ...}`; a failure after the first line becomes a final `{"error": {...}}` line (the
 * status is already sent). The first item is pulled before the response starts, so an error that
 * happens up front (bad zookie, unknown definition) still gets its proper HTTP status.
 */
import { isAppError } from '../errors.ts';
import type { Logger } from '../service/logger.ts';
import { internalError, toErrorResponse } from './http-errors.ts';

export const NDJSON = 'application/x-ndjson';

/** A streamed batch is sent once it holds this many characters... */
const FLUSH_BYTES = 32 * 1024;
/** ...or once this many ms went into producing it, so a slow producer still streams. */
const FLUSH_MS = 5;
/**
 * An answer that ends within this many characters (and FLUSH_MS of producing) is sent whole, with
 * a Content-Length, rather than streamed: a lookup of a few hundred results (~50 KiB) is then one
 * `end` on the socket, not a web stream read chunk by chunk into chunked writes.
 */
const WHOLE_BYTES = 256 * 1024;

/** The headers of an NDJSON answer sent whole (a Content-Length is added for its body). */
export const NDJSON_HEADERS = { 'content-type': NDJSON, 'cache-control': 'no-store' } as const;
// Declared chunked: otherwise @hono/node-server tries to read the stream's first chunks to send a
// Content-Length, and when the next chunk is not ready within two microtask turns it waits a
// setTimeout (1 ms or more under load) before writing anything.
const STREAM_HEADERS = { ...NDJSON_HEADERS, 'transfer-encoding': 'chunked' } as const;

/**
 * An NDJSON answer before it is written: `whole` (every line, the last possibly the error line),
 * or a `stream` whose `head` lines are ready and whose `next` gives the following batches (the
 * last may end with the error line), then undefined. `cancel` stops a stream early (client gone).
 */
export type NdjsonAnswer =
  | { readonly kind: 'whole'; readonly text: string }
  | {
      readonly kind: 'stream';
      readonly head: string;
      next(): Promise<string | undefined>;
      cancel(): Promise<void>;
    };

/**
 * Makes the NDJSON `{result}` lines of `items` mapped by `toResult` (with `raw`, `toResult` returns
 * the line text itself, e.g. text-form tuples); `onEnd` runs exactly once, when the last line is
 * made or the stream is cancelled.
 *
 * The first lines are made up front: a failure before the first line is thrown (the route answers
 * with its error status); an answer that ends within WHOLE_BYTES and FLUSH_MS is `whole` (a failure
 * after its first line still ends it with the error line); a longer or slower one is a `stream` of
 * batches (up to FLUSH_BYTES, or what FLUSH_MS of producing gives). `lazy` streams (watch) start
 * at once with no head, one message per batch: their first message may be a long time coming.
 */
export async function ndjsonAnswer<T>(
  items: AsyncIterable<T>,
  toResult: (item: T) => unknown,
  opts: { logger: Logger; onEnd?: () => void; raw?: boolean; lazy?: boolean },
): Promise<NdjsonAnswer> {
  const it = items[Symbol.asyncIterator]();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    opts.onEnd?.();
  };
  const line = (v: unknown) => `${opts.raw ? String(v) : JSON.stringify({ result: v })}\n`;
  const errorLine = (err: unknown) => {
    const appErr = isAppError(err) ? err : internalError();
    if (!isAppError(err)) opts.logger.error('stream failed', { err });
    return `${JSON.stringify(toErrorResponse(appErr).body)}\n`;
  };
  let pending: IteratorResult<T> | undefined;
  let head = '';
  if (!opts.lazy) {
    try {
      pending = await it.next();
    } catch (err) {
      end();
      throw err;
    }
    const started = performance.now();
    try {
      while (!pending.done) {
        head += line(toResult(pending.value));
        pending = undefined;
        if (head.length >= WHOLE_BYTES || performance.now() - started >= FLUSH_MS) break;
        pending = await it.next();
      }
    } catch (err) {
      end();
      return { kind: 'whole', text: head + errorLine(err) };
    }
    if (pending?.done) {
      end();
      return { kind: 'whole', text: head };
    }
  }
  let over = false;
  return {
    kind: 'stream',
    head,
    async next() {
      if (over) return undefined;
      let batch = '';
      const started = performance.now();
      try {
        for (;;) {
          const step = pending ?? (await it.next());
          pending = undefined;
          if (step.done) {
            over = true;
            end();
            return batch === '' ? undefined : batch;
          }
          batch += line(toResult(step.value));
          if (opts.lazy || batch.length >= FLUSH_BYTES || performance.now() - started >= FLUSH_MS)
            return batch;
        }
      } catch (err) {
        // The lines made before the failure go out first, then the error line.
        over = true;
        end();
        return batch + errorLine(err);
      }
    },
    async cancel() {
      over = true;
      end();
      await it.return?.();
    },
  };
}

/**
 * `ndjsonAnswer` as a web Response for hono: a `whole` answer is one body (with a Content-Length),
 * a `stream` a chunked ReadableStream of its batches (the head first, on its own).
 */
export async function ndjsonResponse<T>(
  items: AsyncIterable<T>,
  toResult: (item: T) => unknown,
  opts: { logger: Logger; onEnd?: () => void; raw?: boolean; lazy?: boolean },
): Promise<Response> {
  return answerResponse(await ndjsonAnswer(items, toResult, opts));
}

/** An `NdjsonAnswer` as a web Response (see `ndjsonResponse`). */
export function answerResponse(answer: NdjsonAnswer): Response {
  if (answer.kind === 'whole')
    return new Response(answer.text, { status: 200, headers: NDJSON_HEADERS });
  const enc = new TextEncoder();
  let head = answer.head;
  const body = new ReadableStream<Uint8Array>({
    // One chunk, and so one socket write, per batch: one per line made a 300-result lookup cost
    // 300 writes and as many reads on the client.
    async pull(controller) {
      if (head !== '') {
        controller.enqueue(enc.encode(head));
        head = '';
        return;
      }
      const batch = await answer.next();
      if (batch !== undefined) controller.enqueue(enc.encode(batch));
      else controller.close();
    },
    cancel: () => answer.cancel(),
  });
  return new Response(body, { status: 200, headers: STREAM_HEADERS });
}

/** Parses an NDJSON (or text-form) request body line by line, skipping blanks and `//` comments. */
export async function* readLines(body: ReadableStream<Uint8Array> | null): AsyncGenerator<{
  line: string;
  lineNumber: number;
}> {
  if (!body) return;
  const decoder = new TextDecoder();
  let buffer = '';
  let lineNumber = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      lineNumber++;
      if (line !== '' && !line.startsWith('//')) yield { line, lineNumber };
      nl = buffer.indexOf('\n');
    }
  }
  buffer += decoder.decode();
  const last = buffer.trim();
  lineNumber++;
  if (last !== '' && !last.startsWith('//')) yield { line: last, lineNumber };
}
