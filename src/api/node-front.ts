/**
 * A front for a few hot POST routes, placed before hono's `fetch` under @hono/node-server: such a
 * route is served straight on node's request and response objects (body read from the socket
 * stream, answer written with `statusCode`/`setHeader`/`end`), and every other request goes to hono
 * unchanged. The front is the whole difference: what a served route does is up to it (Clove's are
 * in `hot-routes.ts`; the benchmark's trivial route uses the same front so the HTTP ceiling it
 * measures is like-for-like).
 *
 * Why: on a cached check, hono's per-request machinery (context, middleware chain, web Request and
 * Response objects and their conversion back to node's) cost several times what answering does.
 * The front only engages under @hono/node-server (its `env` carries node's `incoming`/`outgoing`);
 * `app.request` in tests and other runtimes always take the hono path.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';

/** A route served by the front. */
export interface FrontRoute {
  /**
   * Serves the request on node's objects and settles once the answer is written; or returns
   * `false`, synchronously and before touching either object, to hand the request to hono.
   */
  serve(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> | false;
}

type Fetch = (request: Request, env?: unknown, ...rest: never[]) => Response | Promise<Response>;

const alreadySent = () => RESPONSE_ALREADY_SENT;

/**
 * `fetch` with `routes` (exact request target → route, POST only) served by the front. A target
 * with a query string, another method or a runtime other than node goes to `fetch`.
 */
export function withNodeFront<F extends Fetch>(
  fetch: F,
  routes: ReadonlyMap<string, FrontRoute>,
): F {
  const front = (request: Request, env?: unknown, ...rest: never[]) => {
    const node = env as { incoming?: unknown; outgoing?: unknown } | undefined;
    const incoming = node?.incoming;
    if (incoming instanceof IncomingMessage && incoming.method === 'POST') {
      const route = routes.get(incoming.url ?? '');
      const outgoing = node?.outgoing;
      if (route && outgoing instanceof ServerResponse) {
        const served = route.serve(incoming, outgoing);
        // RESPONSE_ALREADY_SENT tells @hono/node-server the answer is written already.
        if (served !== false) return served.then(alreadySent);
      }
    }
    return fetch(request, env, ...rest);
  };
  return front as F;
}

/** Whether a POST carries a body of declared length (`content-length`, not chunked). */
export function hasDeclaredLength(incoming: IncomingMessage): boolean {
  const h = incoming.headers;
  return h['content-length'] !== undefined && h['transfer-encoding'] === undefined;
}

const utf8 = new TextDecoder();

/**
 * The request body as text, decoded as hono's `c.req.text()` decodes it under @hono/node-server
 * (WHATWG UTF-8: a leading BOM dropped, bad bytes replaced). Rejects if the stream fails or closes
 * before its end.
 */
export function readBodyText(incoming: IncomingMessage): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    incoming.on('data', (chunk: Buffer) => {
      if (first === undefined) first = chunk;
      else if (more === undefined) more = [first, chunk];
      else more.push(chunk);
    });
    incoming.once('end', () => {
      const buf = more ? Buffer.concat(more) : first;
      resolve(buf === undefined ? '' : utf8.decode(buf));
    });
    incoming.once('error', reject);
    incoming.once('close', () => {
      if (!incoming.readableEnded)
        reject(new Error('client connection closed before the body ended'));
    });
  });
}

/** Writes a complete JSON answer: `Content-Type: application/json` and a computed length. */
export function sendJson(outgoing: ServerResponse, status: number, text: string): void {
  outgoing.statusCode = status;
  outgoing.setHeader('Content-Type', 'application/json');
  outgoing.end(text);
}
