/**
 * Builds the hono app: request ids, structured access logs and metrics around every request, the
 * body-size limit, one error handler that maps AppError codes through `HTTP_STATUS` (anything else
 * becomes a logged `internal` 500 without its stack), the v1 routes, and the operational routes
 * (`/healthz`, `/readyz`, `/metrics`, `/openapi.json`, `/docs`).
 */
import { ServerResponse } from 'node:http';
import { OpenAPIHono } from '@hono/zod-openapi';
import { Scalar } from '@scalar/hono-api-reference';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../errors.ts';
import { METRICS_CONTENT_TYPE } from '../service/metrics.ts';
import { hotRoutes } from './hot-routes.ts';
import { toErrorResponse } from './http-errors.ts';
import { lookupRoutes } from './lookup-front.ts';
import { withNodeFront } from './node-front.ts';
import {
  durationObserver,
  isQuietRoute,
  logAccess,
  requestIdOf,
  toAppError,
} from './request-kit.ts';
import type { App, AppDeps, AppEnv } from './route.ts';
import { addPermissionRoutes } from './routes/permissions.ts';
import { addRelationshipRoutes } from './routes/relationships.ts';
import { addSchemaRoutes } from './routes/schema.ts';
import { addWatchRoutes } from './routes/watch.ts';

export type { AppDeps } from './route.ts';

const STREAMING_IMPORT = '/clove/v1/relationships/import';

/** Options of `createApp`; `shutdown` aborts long-lived streams (watch) when the server stops. */
export interface CreateAppOptions {
  readonly shutdown?: AbortSignal;
  readonly version?: string;
  /**
   * Serve check and checkbulk (`hot-routes.ts`) and the lookups (`lookup-front.ts`) through the
   * node front when running under @hono/node-server (default true). Off: every route goes
   * through hono (tests compare the two).
   */
  readonly nodeFront?: boolean;
}

/**
 * The Clove HTTP API as a hono app (serve it with @hono/node-server, or call `app.request`). Its
 * `fetch` serves check, checkbulk and the lookups through the node front when node's objects are
 * at hand.
 */
export function createApp(deps: AppDeps, opts: CreateAppOptions = {}): App {
  const app = new OpenAPIHono<AppEnv>();
  const { metrics, logger } = deps;

  const observeDuration = durationObserver(metrics);

  app.use('*', async (c, next) => {
    const requestId = requestIdOf(c.req.header('x-request-id'));
    const log = logger.child({ requestId });
    c.set('requestId', requestId);
    c.set('logger', log);
    // Under @hono/node-server the header goes straight onto the node response (writeHead merges
    // it into every response, streams and errors included): setting it through hono would make
    // each response carry a web Headers object, built and converted back per call.
    const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
    if (outgoing instanceof ServerResponse) outgoing.setHeader('x-request-id', requestId);
    else c.header('x-request-id', requestId);
    const started = performance.now();
    metrics.inFlight.add(1);
    try {
      await next();
    } finally {
      metrics.inFlight.add(-1);
      const seconds = (performance.now() - started) / 1000;
      const route = c.req.routePath === '/*' ? 'unmatched' : c.req.routePath;
      observeDuration(c.req.method, route, c.res.status, seconds);
      if (!isQuietRoute(route))
        logAccess(log, undefined, {
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          seconds,
          keyId: c.get('principal')?.keyId,
        });
    }
  });

  const limitBody = bodyLimit({
    maxSize: deps.config.limits.bodyBytes,
    onError: () => {
      throw new AppError(
        'payload_too_large',
        `request body exceeds ${deps.config.limits.bodyBytes} bytes`,
        { details: { maxBytes: deps.config.limits.bodyBytes } },
      );
    },
  });
  // The streaming import reads its body line by line and never holds it whole, so it is exempt:
  // bulk loads are the reason it exists. A body with a declared length (every JSON call of a
  // client) is judged by that header alone, as hono's bodyLimit does, but without touching
  // `c.req.raw.body`: on @hono/node-server that materialises a full web Request and stream per
  // call (~10% of a check's CPU), where reading the body later takes the server's fast path.
  // Chunked bodies still go through hono's counting reader.
  const maxBytes = deps.config.limits.bodyBytes;
  app.use('*', (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD' || c.req.path === STREAMING_IMPORT) return next();
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined)
      return limitBody(c, next);
    if (Number.parseInt(length, 10) > maxBytes)
      throw new AppError('payload_too_large', `request body exceeds ${maxBytes} bytes`, {
        details: { maxBytes },
      });
    return next();
  });

  app.onError((err, c) => {
    const appErr = toAppError(err, c.get('logger') ?? logger, c.get('requestId'));
    const { status, body } = toErrorResponse(appErr);
    return c.json(body, status);
  });

  app.notFound((c) => {
    const { status, body } = toErrorResponse(
      new AppError('not_found', `no route for ${c.req.method} ${c.req.path}`),
    );
    return c.json(body, status);
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key from the server configuration (`CLOVE_KEYS`).',
  });

  addSchemaRoutes(app, deps);
  addRelationshipRoutes(app, deps);
  addPermissionRoutes(app, deps);
  addWatchRoutes(app, deps, opts.shutdown ?? new AbortController().signal);

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const r = await deps.clove.ready();
    if (!r.ok) {
      const { body, status } = toErrorResponse(
        new AppError('unavailable', `not ready: ${r.detail ?? 'store unreachable'}`),
      );
      return c.json(body, status);
    }
    return c.json({ status: 'ready', store: r.detail });
  });
  app.get('/metrics', (c) =>
    c.body(metrics.registry.render(), 200, { 'content-type': METRICS_CONTENT_TYPE }),
  );
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Clove',
      version: opts.version ?? '0.1.0',
      description:
        'Zanzibar-style relationship authorization, wire-compatible with SpiceDB’s v1 HTTP API ' +
        '(zookies in place of ZedTokens). Errors are `{"error": {"code", "message", "details"}}`.',
    },
  });
  app.get('/docs', Scalar({ url: '/openapi.json', pageTitle: 'Clove API reference' }));
  if (opts.nodeFront !== false)
    app.fetch = withNodeFront(
      app.fetch,
      new Map([...hotRoutes(deps, observeDuration), ...lookupRoutes(deps, observeDuration)]),
    );
  return app;
}
