/**
 * What every request goes through, whichever way it is served (the hono middleware in `app.ts` or
 * the node front of the hot routes in `hot-routes.ts`): the request id, the duration metric, the
 * access log line and the mapping of a thrown value to an AppError. One copy, so that both paths
 * answer, count and log alike.
 */
import { randomFillSync } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { HTTPException } from 'hono/http-exception';
import { AppError, isAppError } from '../errors.ts';
import type { Logger } from '../service/logger.ts';
import type { CloveMetrics } from '../service/metrics.ts';
import { internalError } from './http-errors.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's `x-request-id` when it is a plain token (1..128 of `[A-Za-z0-9._:-]`), else a new uuid. */
export function requestIdOf(given: string | undefined): string {
  return given && REQUEST_ID.test(given) ? given : randomRequestId();
}

/** Request ids drawn per fill of the random pool. */
const POOL_IDS = 4096;
const pool = Buffer.allocUnsafeSlow(16 * POOL_IDS);
let poolLeft = 0;
/** The text of the last id: version and variant digits and dashes in place, the rest rewritten. */
const idText = Buffer.from('00000000-0000-4000-8000-000000000000', 'latin1');
/** Where the two hex digits of each of the 16 bytes go in the text. */
const DIGITS_AT = Uint8Array.from([0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34]);
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/**
 * A random version 4 UUID (lowercase, RFC 9562 layout), what `crypto.randomUUID` returns. Why not
 * that: every answer carries a request id, and node's builds the text from twenty concatenated
 * pieces, which V8 then flattens when the header is validated, and calls into OpenSSL every 128
 * ids. This writes the 36 characters into a buffer and decodes them once, from a pool of
 * cryptographically random bytes filled every 4096 ids (~0.18 µs less per id in process).
 */
export function randomRequestId(): string {
  if (poolLeft === 0) {
    randomFillSync(pool);
    poolLeft = POOL_IDS;
  }
  const at = 16 * --poolLeft;
  for (let i = 0; i < 16; i++) {
    let b = pool[at + i] as number;
    if (i === 6) b = (b & 0x0f) | 0x40;
    else if (i === 8) b = (b & 0x3f) | 0x80;
    const j = DIGITS_AT[i] as number;
    idText[j] = HEX[b >> 4] as number;
    idText[j + 1] = HEX[b & 0x0f] as number;
  }
  return idText.toString('latin1', 0, 36);
}

/** Records one request's duration under `clove_http_request_duration_seconds{method,route,status}`. */
export type ObserveDuration = (
  method: string,
  route: string,
  status: number,
  seconds: number,
) => void;

/**
 * The duration recorder of an app: one histogram series per (method, route, status) seen, resolved
 * once and then found by a string key, not per request.
 */
export function durationObserver(metrics: CloveMetrics): ObserveDuration {
  const durations = new Map<string, (seconds: number) => void>();
  return (method, route, status, seconds) => {
    const key = `${method} ${status} ${route}`;
    let observe = durations.get(key);
    if (!observe) {
      observe = metrics.httpDuration.recorder({ method, route, status: String(status) });
      durations.set(key, observe);
    }
    observe(seconds);
  };
}

/** Routes whose requests are not access-logged (probes and scrapes). */
export function isQuietRoute(route: string): boolean {
  return route === '/metrics' || route === '/healthz' || route === '/readyz';
}

/**
 * The access log line of a request. `log` is the request's logger, or the app's logger with the
 * request id given here (the same line: a child logger puts its fields right after `msg`).
 */
export function logAccess(
  log: Logger,
  requestId: string | undefined,
  fields: { method: string; path: string; status: number; seconds: number; keyId?: string },
): void {
  if (log.enabled?.('info') === false) return;
  const entry = {
    method: fields.method,
    path: fields.path,
    status: fields.status,
    durationMs: Math.round(fields.seconds * 1e4) / 10,
    keyId: fields.keyId,
  };
  log.info('request', requestId === undefined ? entry : { requestId, ...entry });
}

/**
 * The AppError a failed request answers with: AppErrors as they are, hono's 413 as
 * `payload_too_large`, its other 4xx as `invalid_request`; anything else is logged (with its stack,
 * which never reaches the client) and becomes `internal` carrying the request id.
 */
export function toAppError(err: unknown, log: Logger, requestId: string | undefined): AppError {
  let appErr: AppError;
  if (isAppError(err)) appErr = err;
  else if (err instanceof HTTPException && err.status === 413)
    appErr = new AppError('payload_too_large', 'request body too large');
  else if (err instanceof HTTPException && err.status < 500)
    appErr = new AppError('invalid_request', err.message || 'invalid request');
  else {
    log.error('unhandled error', { err });
    appErr = internalError(requestId);
  }
  if (appErr.code === 'internal' && isAppError(err)) log.error('internal error', { err });
  return appErr;
}

/**
 * A controller whose signal aborts with `unavailable` when `outgoing` closes before the answer
 * was written (the client went away), for the node fronts' calls; `detach` drops the listener
 * once the request is done.
 */
export function abortWhenClientGoes(outgoing: ServerResponse): {
  readonly ctrl: AbortController;
  readonly detach: () => void;
} {
  const ctrl = new AbortController();
  const onClose = () => {
    if (!outgoing.writableFinished) ctrl.abort(new AppError('unavailable', 'the client went away'));
  };
  outgoing.once('close', onClose);
  return { ctrl, detach: () => outgoing.off('close', onClose) };
}
