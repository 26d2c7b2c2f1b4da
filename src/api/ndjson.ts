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

const HEADERS = { 'content-type': NDJSON, 'cache-control': 'no-store' } as const;
// Declared chunked: otherwise @hono/node-server tries to read the stream's first chunks to send a
// Content-Length, and when the next chunk is not ready within two microtask turns it waits a
// setTimeout (1 ms or more under load) before writing anything.
const STREAM_HEADERS = { ...HEADERS, 'transfer-encoding': 'chunked' } as const;

/**
 * Streams `items` mapped by `toResult` as NDJSON `{result}` lines (with `raw`, `toResult` returns the
 * line text itself, e.g. text-form tuples); `onEnd` runs exactly once.
 *
 * The first lines are made before the response starts: an answer that ends within WHOLE_BYTES and
 * FLUSH_MS is sent as one body with a Content-Length (a failure after its first line still ends
 * it with the error line, status 200); a longer or slower one is streamed in batches (chunked).
 */
export async function ndjsonResponse<T>(
  items: AsyncIterable<T>,
  toResult: (item: T) => unknown,
  opts: { logger: Logger; onEnd?: () => void; raw?: boolean; lazy?: boolean },
): Promise<Response> {
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
  // `lazy` streams (watch) start at once: their first message may be a long time coming.
  let head = '';
  if (!opts.lazy) {
    // The first item decides the status: a failure before it is thrown (the route's error status).
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
      return new Response(head + errorLine(err), { status: 200, headers: HEADERS });
    }
    if (pending?.done) {
      end();
      return new Response(head, { status: 200, headers: HEADERS });
    }
  }
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    // Lines are sent in batches (up to FLUSH_BYTES, or what FLUSH_MS of producing gives): one
    // chunk, and so one socket write, per line made a 300-result lookup cost 300 writes and as
    // many reads on the client. `lazy` streams (watch) still send each message at once.
    async pull(controller) {
      // The lines made before the response started go out first, on their own.
      if (head !== '') {
        controller.enqueue(enc.encode(head));
        head = '';
        return;
      }
      let batch = '';
      const started = performance.now();
      try {
        for (;;) {
          const next = pending ?? (await it.next());
          pending = undefined;
          if (next.done) {
            if (batch !== '') controller.enqueue(enc.encode(batch));
            controller.close();
            end();
            return;
          }
          batch += line(toResult(next.value));
          if (opts.lazy || batch.length >= FLUSH_BYTES || performance.now() - started >= FLUSH_MS)
            break;
        }
        controller.enqueue(enc.encode(batch));
      } catch (err) {
        // The lines made before the failure go out first, then the error line.
        controller.enqueue(enc.encode(batch + errorLine(err)));
        controller.close();
        end();
      }
    },
    async cancel() {
      end();
      await it.return?.();
    },
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
