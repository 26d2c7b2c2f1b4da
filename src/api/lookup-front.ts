/**
 * Lookup resources and lookup subjects served by the node front (`node-front.ts`) with the hono
 * path's semantics, step for step, as `hot-routes.ts` does for check: the request id (echoed or
 * made) on every answer; the in-flight gauge, the duration metric and the access log line, taken
 * when the answer starts (as hono's middleware does, before a long stream's later batches); the
 * body limit judged by the declared length (a chunked body goes to hono); authentication, then the
 * role; the body parsed by a fast validator (`wire/lookup-parse.ts`) with the route's zod schema as
 * fallback (same values, same messages); the per-request deadline raced against the
 * answer's start and then aborting the lookup's signal until its stream ends; the same answer
 * functions as the routes (`routes/lookups.ts`); errors mapped by the same
 * `toAppError`/`toErrorResponse`. An NDJSON answer made whole is one `end` (with a Content-Length);
 * a stream is written batch by batch, chunked, following the socket's backpressure.
 * `test/api/lookup-front.test.ts` compares status, headers and bytes with the hono path.
 *
 * Why: a lookup through hono paid its context, middleware chain, web Request and Response and the
 * conversion back to node's objects, about as much as a small lookup's evaluation.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from '@hono/zod-openapi';
import { AppError } from '../errors.ts';
import type { Logger } from '../service/logger.ts';
import { type Principal, assertRole, authenticate } from './auth.ts';
import { toErrorResponse } from './http-errors.ts';
import { NDJSON_HEADERS, type NdjsonAnswer } from './ndjson.ts';
import { type FrontRoute, hasDeclaredLength, readBodyText, sendJson } from './node-front.ts';
import {
  abortWhenClientGoes,
  type ObserveDuration,
  logAccess,
  requestIdOf,
  toAppError,
} from './request-kit.ts';
import { type AppDeps, type CallContext, parseJsonText } from './route.ts';
import { answerLookupResources, answerLookupSubjects } from './routes/lookups.ts';
import { fastLookupResourcesRequest, fastLookupSubjectsRequest } from './wire/lookup-parse.ts';
import * as W from './wire/permissions.ts';

/**
 * One lookup route: its path, body schema (with its fast validator, which returns what zod would or
 * declines) and answer function. The least role is `reader`.
 */
interface LookupRoute<B extends z.ZodType> {
  readonly path: string;
  readonly body: B;
  readonly fastBody: (json: unknown, maxDepth: number) => z.infer<B> | undefined;
  readonly answer: (deps: AppDeps, body: z.infer<B>, call: CallContext) => Promise<NdjsonAnswer>;
}

const RESOURCES: LookupRoute<typeof W.LookupResourcesRequest> = {
  path: '/v1/permissions/resources',
  body: W.LookupResourcesRequest,
  fastBody: fastLookupResourcesRequest,
  answer: answerLookupResources,
};

const SUBJECTS: LookupRoute<typeof W.LookupSubjectsRequest> = {
  path: '/v1/permissions/subjects',
  body: W.LookupSubjectsRequest,
  fastBody: fastLookupSubjectsRequest,
  answer: answerLookupSubjects,
};

/** The headers of a streamed answer, in the order the hono path writes them. */
const STREAM_HEADERS = { ...NDJSON_HEADERS, 'transfer-encoding': 'chunked' } as const;

/** The lookup routes for the node front, keyed by request target. */
export function lookupRoutes(deps: AppDeps, observe: ObserveDuration): Map<string, FrontRoute> {
  const routes = new Map<string, FrontRoute>();
  for (const route of [RESOURCES, SUBJECTS] as LookupRoute<z.ZodType>[]) {
    routes.set(route.path, {
      serve: (incoming, outgoing) =>
        hasDeclaredLength(incoming) ? serve(deps, observe, route, incoming, outgoing) : false,
    });
  }
  return routes;
}

async function serve(
  deps: AppDeps,
  observe: ObserveDuration,
  route: LookupRoute<z.ZodType>,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
): Promise<void> {
  const requestId = requestIdOf(incoming.headers['x-request-id'] as string | undefined);
  outgoing.setHeader('x-request-id', requestId);
  const started = performance.now();
  deps.metrics.inFlight.add(1);
  let label = route.path;
  let status = 200;
  let principal: Principal | undefined;
  let stream: Extract<NdjsonAnswer, { kind: 'stream' }> | undefined;
  try {
    const maxBytes = deps.config.limits.bodyBytes;
    if (Number.parseInt(incoming.headers['content-length'] as string, 10) > maxBytes) {
      label = 'unmatched';
      throw new AppError('payload_too_large', `request body exceeds ${maxBytes} bytes`, {
        details: { maxBytes },
      });
    }
    principal = authenticate(deps.config.keys, authorizationOf(incoming, deps));
    assertRole(principal, 'reader');
    const body = parseJsonText(await readBodyText(incoming), route.body, route.fastBody);
    const call = new LookupCall(outgoing, deps.logger, requestId, principal.keyId, deps);
    const answer = await call.run(route.answer(deps, body, call));
    if (answer.kind === 'whole') {
      outgoing.statusCode = 200;
      outgoing.setHeader('content-type', NDJSON_HEADERS['content-type']);
      outgoing.setHeader('cache-control', NDJSON_HEADERS['cache-control']);
      outgoing.end(answer.text);
    } else {
      outgoing.writeHead(200, STREAM_HEADERS);
      stream = answer;
    }
  } catch (err) {
    const appErr = toAppError(err, deps.logger.child({ requestId }), requestId);
    const answer = toErrorResponse(appErr);
    status = answer.status;
    sendJson(outgoing, status, JSON.stringify(answer.body));
  } finally {
    deps.metrics.inFlight.add(-1);
    const seconds = (performance.now() - started) / 1000;
    observe('POST', label, status, seconds);
    logAccess(deps.logger, requestId, {
      method: 'POST',
      path: route.path,
      status,
      seconds,
      keyId: principal?.keyId,
    });
  }
  if (stream) await writeStream(stream, outgoing);
}

/**
 * Writes a streamed answer's batches, waiting for `drain` when the socket's buffer is full; a
 * client that goes away cancels the stream (its lookup stops at its next batch).
 */
async function writeStream(
  answer: Extract<NdjsonAnswer, { kind: 'stream' }>,
  outgoing: ServerResponse,
): Promise<void> {
  let gone = false;
  let wake: (() => void) | undefined;
  const onClose = () => {
    gone = true;
    wake?.();
  };
  outgoing.once('close', onClose);
  try {
    let batch: string | undefined = answer.head === '' ? await answer.next() : answer.head;
    while (batch !== undefined && !gone) {
      if (!outgoing.write(batch) && !gone) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          outgoing.once('drain', resolve);
        });
        outgoing.off('drain', wake as () => void);
        wake = undefined;
      }
      if (gone) break;
      batch = await answer.next();
    }
    if (gone) await answer.cancel();
    else outgoing.end();
  } finally {
    outgoing.off('close', onClose);
  }
}

/**
 * The `authorization` header as hono reads it under @hono/node-server (as `hot-routes.ts` reads
 * it): node keeps only the first of repeated ones in `headers`, hono joins them all with `, `.
 * Read only when keys are configured.
 */
function authorizationOf(incoming: IncomingMessage, deps: AppDeps): string | undefined {
  if (deps.config.keys.length === 0) return undefined;
  const raw = incoming.rawHeaders;
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2)
    if ((raw[i] as string).length === 13 && (raw[i] as string).toLowerCase() === 'authorization')
      value = value === undefined ? (raw[i + 1] as string) : `${value}, ${raw[i + 1]}`;
  return value;
}

/**
 * The CallContext of a lookup on the front. Like the hono path's: `run` races the answer's start
 * against the deadline (`deadline_exceeded`, aborting `signal`); the timer then stays armed until
 * `done` (the answer's end), so a stream past its deadline is aborted and ends with the error line.
 * The AbortController behind `signal` (aborted by the deadline or the client going away) is made
 * on first use.
 */
class LookupCall implements CallContext {
  readonly deadline: number;
  readonly done: () => void;
  readonly #timeoutMs: number;
  #timer: NodeJS.Timeout | undefined;
  #ctrl: AbortController | undefined;
  #detach: (() => void) | undefined;
  #logger: Logger | undefined;

  constructor(
    private readonly outgoing: ServerResponse,
    private readonly appLogger: Logger,
    private readonly requestId: string,
    readonly caller: string,
    deps: AppDeps,
  ) {
    this.#timeoutMs = deps.config.limits.requestTimeoutMs;
    this.deadline = Date.now() + this.#timeoutMs;
    this.done = this.#finish.bind(this);
  }

  get logger(): Logger {
    this.#logger ??= this.appLogger.child({ requestId: this.requestId });
    return this.#logger;
  }

  get signal(): AbortSignal {
    if (this.#ctrl) return this.#ctrl.signal;
    const gone = abortWhenClientGoes(this.outgoing);
    this.#ctrl = gone.ctrl;
    this.#detach = gone.detach;
    return gone.ctrl.signal;
  }

  /** Settles with `answer`, or rejects with `deadline_exceeded` if the deadline passes first. */
  run<T>(answer: Promise<T>): Promise<T> {
    const ms = this.#timeoutMs;
    const expired = new Promise<never>((_, reject) => {
      this.#timer = setTimeout(() => {
        const err = new AppError('deadline_exceeded', `request exceeded its ${ms} ms deadline`);
        this.#ctrl?.abort(err);
        reject(err);
      }, ms);
    });
    expired.catch(() => {});
    return Promise.race([answer, expired]).catch((err: unknown) => {
      this.#finish();
      throw err;
    });
  }

  #finish(): void {
    clearTimeout(this.#timer);
    this.#detach?.();
  }
}
