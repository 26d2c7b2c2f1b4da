/**
 * Check and checkbulk served by the node front (`node-front.ts`) with exactly the hono path's
 * semantics, step for step: the request id (echoed or made) on every answer; the in-flight gauge,
 * the duration metric and the access log line; the body limit judged by the declared length (a
 * chunked body goes to hono, whose counting reader handles it); authentication, then the role; the
 * body parsed by the route's fast validator with the zod schema as fallback (same messages); the
 * per-request deadline; the same answer function as the hono route; and errors mapped by the same
 * `toAppError`/`toErrorResponse`. `hot-routes.test.ts` sends the same requests both ways and
 * compares status, headers and bytes.
 *
 * What it leaves out is only hono's machinery: context, middleware chain, router, web Request and
 * Response objects. A body with a declared length over the limit is counted under the route label
 * `unmatched`, as hono's path counts it (its limit middleware fails before any route matched).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from '@hono/zod-openapi';
import type { Role } from '../config.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../service/logger.ts';
import { type Principal, assertRole, authenticate } from './auth.ts';
import { DeadlineQueue, Pending } from './deadlines.ts';
import { toErrorResponse } from './http-errors.ts';
import { type FrontRoute, hasDeclaredLength, readBodyText, sendJson } from './node-front.ts';
import {
  abortWhenClientGoes,
  type ObserveDuration,
  logAccess,
  requestIdOf,
  toAppError,
} from './request-kit.ts';
import { type AppDeps, type CallContext, parseJsonText } from './route.ts';
import { answerCheck, answerCheckBulk, answerScannedCheckBulk } from './routes/permissions.ts';
import { type ScannedBulk, scanCheckBulkRequest } from './wire/bulk-scan.ts';
import { scanCheckRequest } from './wire/check-scan.ts';
import { fastCheckBulkRequest, fastCheckRequest } from './wire/fast-parse.ts';
import * as W from './wire/permissions.ts';

type CheckBody = z.infer<typeof W.CheckPermissionRequest>;

/**
 * One hot route: its path, least role, body schema (+ fast validator) and answer function, and
 * optionally a scanner that reads compact bodies straight from their text with its own answer
 * function (same answer text; see wire/check-scan.ts and wire/bulk-scan.ts).
 */
interface HotRoute<B extends z.ZodType, S = unknown> {
  readonly path: string;
  readonly role: Role;
  readonly body: B;
  readonly fastBody: (json: unknown, maxDepth: number) => z.infer<B> | undefined;
  readonly answer: (deps: AppDeps, body: z.infer<B>, call: CallContext) => Promise<string>;
  /** The body read from its text without JSON.parse, or undefined (then parsed and validated). */
  readonly scan?: (text: string) => S | undefined;
  readonly answerScanned?: (deps: AppDeps, body: S, call: CallContext) => Promise<string>;
}

const CHECK: HotRoute<typeof W.CheckPermissionRequest, CheckBody> = {
  path: '/v1/permissions/check',
  role: 'reader',
  body: W.CheckPermissionRequest,
  fastBody: fastCheckRequest,
  answer: answerCheck,
  scan: scanCheckRequest,
  answerScanned: answerCheck,
};

const CHECK_BULK: HotRoute<typeof W.CheckBulkPermissionsRequest, ScannedBulk> = {
  path: '/v1/permissions/checkbulk',
  role: 'reader',
  body: W.CheckBulkPermissionsRequest,
  fastBody: fastCheckBulkRequest,
  answer: answerCheckBulk,
  scan: scanCheckBulkRequest,
  answerScanned: answerScannedCheckBulk,
};

/** Clove's routes for the node front, keyed by request target. */
export function hotRoutes(deps: AppDeps, observe: ObserveDuration): Map<string, FrontRoute> {
  const server = new HotServer(deps, observe);
  const routes = new Map<string, FrontRoute>();
  for (const route of [CHECK, CHECK_BULK] as HotRoute<z.ZodType>[]) {
    const served = new ServedRoute(route);
    routes.set(route.path, {
      serve: (incoming, outgoing) =>
        hasDeclaredLength(incoming) ? server.serve(served, incoming, outgoing) : false,
    });
  }
  return routes;
}

/**
 * A hot route in one app, with its `200` duration series resolved on first use (the same series
 * the app's duration recorder would find by key; made lazily so /metrics shows it only once seen).
 */
class ServedRoute {
  #ok: ((seconds: number) => void) | undefined;
  constructor(readonly spec: HotRoute<z.ZodType>) {}

  observeOk(metrics: AppDeps['metrics'], seconds: number): void {
    this.#ok ??= metrics.httpDuration.recorder({
      method: 'POST',
      route: this.spec.path,
      status: '200',
    });
    this.#ok(seconds);
  }
}

/** What one app's hot routes share: dependencies, the duration recorder and the deadline FIFO. */
class HotServer {
  readonly deadlines = new DeadlineQueue();

  constructor(
    readonly deps: AppDeps,
    readonly observe: ObserveDuration,
  ) {}

  async serve(
    served: ServedRoute,
    incoming: IncomingMessage,
    outgoing: ServerResponse,
  ): Promise<void> {
    const { deps } = this;
    const route = served.spec;
    const requestId = requestIdOf(incoming.headers['x-request-id'] as string | undefined);
    outgoing.setHeader('x-request-id', requestId);
    const started = performance.now();
    deps.metrics.inFlight.add(1);
    let label = route.path;
    let status = 200;
    let principal: Principal | undefined;
    try {
      const maxBytes = deps.config.limits.bodyBytes;
      if (Number.parseInt(incoming.headers['content-length'] as string, 10) > maxBytes) {
        label = 'unmatched';
        throw new AppError('payload_too_large', `request body exceeds ${maxBytes} bytes`, {
          details: { maxBytes },
        });
      }
      principal = authenticate(deps.config.keys, authorizationOf(incoming, deps));
      assertRole(principal, route.role);
      const text = await readBodyText(incoming);
      // A compact body is scanned; any other is parsed and validated (errors come from there).
      const scanned = route.scan?.(text);
      const body = scanned === undefined ? parseJsonText(text, route.body, route.fastBody) : null;
      const timeoutMs = deps.config.limits.requestTimeoutMs;
      const call = new HotCall(this, outgoing, requestId, principal.keyId, timeoutMs);
      const answer =
        scanned === undefined
          ? route.answer(deps, body, call)
          : (route.answerScanned as NonNullable<typeof route.answerScanned>)(deps, scanned, call);
      sendJson(outgoing, 200, await call.run(answer));
    } catch (err) {
      const appErr = toAppError(err, childLogger(deps.logger, requestId), requestId);
      const answer = toErrorResponse(appErr);
      status = answer.status;
      sendJson(outgoing, status, JSON.stringify(answer.body));
    } finally {
      deps.metrics.inFlight.add(-1);
      const seconds = (performance.now() - started) / 1000;
      if (status === 200) served.observeOk(deps.metrics, seconds);
      else this.observe('POST', label, status, seconds);
      logAccess(deps.logger, requestId, {
        method: 'POST',
        path: route.path,
        status,
        seconds,
        keyId: principal?.keyId,
      });
    }
  }
}

/**
 * The `authorization` header as hono reads it under @hono/node-server: node keeps only the first of
 * repeated ones in `headers`, hono joins them all with `, ` (which then fails as a bearer token).
 * Read only when keys are configured (otherwise nobody looks at it).
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

function childLogger(logger: Logger, requestId: string): Logger {
  return logger.child({ requestId });
}

/**
 * The CallContext of a hot request and its place in the deadline FIFO. `run` settles with the
 * answer, or with `deadline_exceeded` when the deadline passes first (aborting `signal`), exactly
 * as the hono path's race against a timer does. Like the hono path's, the AbortController behind
 * `signal` (aborted by the deadline or the client going away) is made on first use.
 */
class HotCall extends Pending implements CallContext {
  readonly deadline: number;
  #settled = false;
  #reject: ((err: unknown) => void) | undefined;
  #ctrl: AbortController | undefined;
  #detach: (() => void) | undefined;
  #logger: Logger | undefined;

  constructor(
    private readonly server: HotServer,
    private readonly outgoing: ServerResponse,
    private readonly requestId: string,
    readonly caller: string,
    private readonly timeoutMs: number,
  ) {
    super();
    this.deadline = Date.now() + timeoutMs;
  }

  get logger(): Logger {
    this.#logger ??= childLogger(this.server.deps.logger, this.requestId);
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
  run(answer: Promise<string>): Promise<string> {
    this.server.deadlines.add(this);
    return new Promise<string>((resolve, reject) => {
      this.#reject = reject;
      answer.then(
        (text) => {
          if (this.#settle()) resolve(text);
        },
        (err: unknown) => {
          if (this.#settle()) reject(err);
        },
      );
    });
  }

  expire(): void {
    if (!this.#settle()) return;
    const err = new AppError(
      'deadline_exceeded',
      `request exceeded its ${this.timeoutMs} ms deadline`,
    );
    this.#ctrl?.abort(err);
    this.#reject?.(err);
  }

  /** Releases the deadline slot and the close listener (no-op: `#settle` already does both). */
  done(): void {
    this.server.deadlines.remove(this);
  }

  /** True the first time: leaves the FIFO and drops the close listener. */
  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.server.deadlines.remove(this);
    this.#detach?.();
    return true;
  }
}
