/**
 * The one way routes are declared: `addRoute` registers the OpenAPI description of a route and its
 * handler together, authenticates and checks the role, parses the JSON body with the route's zod
 * schema (`invalid_request` otherwise), and runs the handler under the per-request deadline.
 * Handlers stay thin: convert, call one service function, convert back.
 */
import { ServerResponse } from 'node:http';
import type { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Config, Role } from '../config.ts';
import { AppError } from '../errors.ts';
import type { Clove } from '../service/index.ts';
import type { Logger } from '../service/logger.ts';
import type { CloveMetrics } from '../service/metrics.ts';
import { type Principal, assertRole, authenticate } from './auth.ts';
import { NDJSON } from './ndjson.ts';
import { ErrorResponse } from './wire/common.ts';

/** What the app is built from. */
export interface AppDeps {
  readonly clove: Clove;
  readonly config: Pick<Config, 'keys' | 'limits'>;
  readonly metrics: CloveMetrics;
  readonly logger: Logger;
}

export type AppEnv = {
  Variables: { requestId: string; logger: Logger; principal: Principal };
};

export type App = OpenAPIHono<AppEnv>;

/** Per-call facts handed to handlers: cancellation, the deadline, and the request's logger. */
export interface CallContext {
  /** Aborted by the deadline or the client going away; created on first read (see `addRoute`). */
  readonly signal: AbortSignal;
  /** Epoch ms after which the request fails with `deadline_exceeded`. */
  readonly deadline: number;
  readonly logger: Logger;
  /** Call when a streamed response ends, to release the deadline timer. */
  readonly done: () => void;
  /** The authenticated key id (`anonymous` when auth is off), for the decision log. */
  readonly caller: string;
}

export interface RouteSpec<B extends z.ZodType> {
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  /** The least role allowed to call; checked after authentication. */
  readonly role: Role;
  readonly body: B;
  /** The success body (for streams: one message, wrapped in `{result}` on the wire). */
  readonly response: z.ZodType;
  readonly stream?: boolean;
  /** Streams that live long (watch) opt out of the per-request deadline. */
  readonly noDeadline?: boolean;
  /** The request body is NDJSON lines instead of one JSON document (import). */
  readonly ndjsonBody?: boolean;
  /**
   * A faster validator for a hot route: returns what `body` would parse to, or undefined to let
   * `body` decide (and produce the error). See `wire/fast-parse.ts`.
   */
  readonly fastBody?: (json: unknown, maxDepth: number) => z.infer<B> | undefined;
}

const ERROR_STATUSES: Record<string, string> = {
  400: 'Invalid request (`invalid_request`, schema and tuple errors, bad zookies).',
  401: 'Missing or invalid bearer key (`unauthenticated`).',
  403: 'The key’s role is too low (`permission_denied`).',
  504: 'The request ran past its deadline (`deadline_exceeded`).',
};

/** Registers the route's OpenAPI entry and its POST handler on `app`. */
export function addRoute<B extends z.ZodType>(
  app: App,
  deps: AppDeps,
  spec: RouteSpec<B>,
  handler: (c: Context<AppEnv>, body: z.infer<B>, call: CallContext) => Promise<unknown>,
): void {
  const errorContent = { 'application/json': { schema: ErrorResponse } };
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: spec.path,
    summary: spec.summary,
    description: `${spec.description ?? ''}\n\nRequired role: \`${spec.role}\`.`.trim(),
    tags: [spec.tag],
    security: [{ bearerAuth: [] }],
    request: spec.ndjsonBody
      ? {
          body: {
            required: true,
            content: { [NDJSON]: { schema: spec.body as z.ZodType } },
            description: 'One JSON object (or text-form tuple) per line.',
          },
        }
      : { body: { required: true, content: { 'application/json': { schema: spec.body } } } },
    responses: {
      200: {
        description: spec.stream
          ? 'A stream of newline-delimited JSON messages, each `{"result": ...}`.'
          : 'Success.',
        content: spec.stream
          ? { [NDJSON]: { schema: spec.response } }
          : { 'application/json': { schema: spec.response } },
      },
      ...Object.fromEntries(
        Object.entries(ERROR_STATUSES).map(([s, d]) => [
          s,
          { description: d, content: errorContent },
        ]),
      ),
    },
  });

  app.post(spec.path, async (c) => {
    const principal = authenticate(deps.config.keys, c.req.header('authorization'));
    c.set('principal', principal);
    assertRole(principal, spec.role);
    const body = spec.ndjsonBody
      ? ({} as z.infer<B>)
      : await parseJsonBody(c, spec.body, spec.fastBody);
    const timeoutMs = deps.config.limits.requestTimeoutMs;
    const call = new RequestCall(c, Date.now() + timeoutMs, principal.keyId);
    const done = call.done;
    let result: unknown;
    try {
      result = spec.noDeadline
        ? await handler(c, body, call)
        : await Promise.race([handler(c, body, call), call.expireAfter(timeoutMs)]);
    } catch (err) {
      done();
      throw err;
    }
    if (result instanceof Response) return result; // streams call done() when they end
    done();
    return c.json(result as object);
  });
}

/**
 * The CallContext of one request: a class, so that the hot path allocates one object per request
 * rather than a handful of closures.
 *
 * Its AbortController is aborted by the deadline or by the client going away (a plain listener
 * instead of AbortSignal.any, which costs ~0.1 ms per call on Node 20). It is made on first use of
 * `signal`: a handler that never reads it (a single check, bounded by the deadline it passes down)
 * skips the controller and the listeners, a few µs per call. Under @hono/node-server the client
 * going away is the node response closing before it finished (a listener there is cheaper than
 * `c.req.raw.signal`, which builds a second AbortController); elsewhere (`app.request`) it is the
 * request's own signal.
 */
class RequestCall implements CallContext {
  readonly done: () => void;
  readonly logger: Logger;
  #ctrl: AbortController | undefined;
  #detach: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly c: Context<AppEnv>,
    readonly deadline: number,
    readonly caller: string,
  ) {
    this.logger = c.get('logger');
    this.done = this.#finish.bind(this);
  }

  get signal(): AbortSignal {
    if (this.#ctrl) return this.#ctrl.signal;
    const own = new AbortController();
    this.#ctrl = own;
    const onGone = () => own.abort(new AppError('unavailable', 'the client went away'));
    const outgoing = nodeResponseOf(this.c);
    if (outgoing) {
      const onClose = () => {
        if (!outgoing.writableFinished) onGone();
      };
      outgoing.once('close', onClose);
      this.#detach = () => outgoing.off('close', onClose);
    } else {
      const clientGone = this.c.req.raw.signal;
      clientGone?.addEventListener('abort', onGone, { once: true });
      this.#detach = () => clientGone?.removeEventListener('abort', onGone);
    }
    return own.signal;
  }

  /** Rejects with `deadline_exceeded` (and aborts the signal) after `ms`, unless `done` first. */
  expireAfter(ms: number): Promise<never> {
    const expired = new Promise<never>((_, reject) => {
      this.#timer = setTimeout(() => {
        const err = new AppError('deadline_exceeded', `request exceeded its ${ms} ms deadline`);
        this.#ctrl?.abort(err);
        reject(err);
      }, ms);
    });
    expired.catch(() => {});
    return expired;
  }

  #finish(): void {
    clearTimeout(this.#timer);
    this.#detach?.();
  }
}

/** The node response behind `c` when served by @hono/node-server (its `env`), else undefined. */
function nodeResponseOf(c: Context<AppEnv>): ServerResponse | undefined {
  const env = c.env as { outgoing?: unknown } | undefined;
  return env?.outgoing instanceof ServerResponse ? env.outgoing : undefined;
}

/**
 * Reads and validates the JSON body; an empty body counts as `{}` (as in SpiceDB's gateway). `fast`,
 * when given, is tried first on the parsed JSON; when it declines, the zod schema decides.
 */
export async function parseJsonBody<S extends z.ZodType>(
  c: Context<AppEnv>,
  schema: S,
  fast?: (json: unknown, maxDepth: number) => z.infer<S> | undefined,
): Promise<z.infer<S>> {
  return parseJsonText(await c.req.text(), schema, fast);
}

/** `parseJsonBody` on a body already read as text (the node front of the hot routes reads its own). */
export function parseJsonText<S extends z.ZodType>(
  text: string,
  schema: S,
  fast?: (json: unknown, maxDepth: number) => z.infer<S> | undefined,
): z.infer<S> {
  let json: unknown = {};
  // A body opening with `{` is not blank: skip the copy `trim` makes.
  if (text.charCodeAt(0) === 0x7b || text.trim() !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      throw new AppError('invalid_request', 'request body is not valid JSON');
    }
    const quick = fast?.(json, MAX_JSON_DEPTH);
    if (quick !== undefined) return quick;
  }
  return validateBody(json, schema);
}

/**
 * Validates a parsed JSON body against a route's zod schema: the nesting limit, proto field names
 * renamed, then the schema. Throws `invalid_request` with every issue in `details.issues`.
 */
export function validateBody<S extends z.ZodType>(json: unknown, schema: S): z.infer<S> {
  assertJsonDepth(json, MAX_JSON_DEPTH);
  const parsed = schema.safeParse(camelizeKeys(json));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({
      path: i.path.map(String).join('.'),
      message: i.message,
    }));
    const first = issues[0];
    throw new AppError(
      'invalid_request',
      first ? `${first.path || 'body'}: ${first.message}` : 'invalid request body',
      { details: { issues } },
    );
  }
  return parsed.data;
}

/** No request shape nests anywhere near this deep; deeper bodies would overflow the recursive walks. */
export const MAX_JSON_DEPTH = 64;

/**
 * Throws `invalid_request` when arrays/objects nest deeper than `max`. Iterative on purpose: a body
 * of `[[[[...` within the size limit would otherwise overflow the stack of the recursive
 * `camelizeKeys` and zod, and answer 500 instead of 400.
 */
function assertJsonDepth(value: unknown, max: number): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth > max)
      throw new AppError('invalid_request', `request body nests deeper than ${max} levels`, {
        details: { maxDepth: max },
      });
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
}

/** Fields holding free-form JSON objects (google.protobuf.Struct): their keys are data, kept as is. */
const STRUCT_FIELDS = new Set(['context', 'optionalTransactionMetadata']);

/**
 * SpiceDB's gateway (protojson) accepts proto field names (`resource_type`) as well as JSON names
 * (`resourceType`); so does Clove, by renaming snake_case keys before validation.
 */
export function camelizeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelizeKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const name = key.includes('_')
      ? key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())
      : key;
    out[name] = STRUCT_FIELDS.has(name) ? v : camelizeKeys(v);
  }
  return out;
}
