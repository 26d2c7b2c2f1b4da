/**
 * The composition root: store → engine → service → API → @hono/node-server. `startServer` is what
 * `clove serve` (and so `npm start`) runs; e2e tests start it as a child process.
 *
 * Shutdown is graceful: stop accepting connections, end watch streams, let in-flight requests
 * finish for up to `shutdownGraceMs`, then cut the remaining connections and close the store.
 */
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createApp } from './api/app.ts';
import { type Config, assertSafeBinding } from './config.ts';
import { createEngine } from './engine/index.ts';
import {
  type Clove,
  createClove,
  createMetrics,
  type Logger,
  openDecisionLog,
} from './service/index.ts';
import { openStore, scheduleGc } from './store/index.ts';

/** How long an idle keep-alive connection stays open. */
const KEEP_ALIVE_MS = 65_000;

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly port: number;
  readonly clove: Clove;
  /** Milliseconds from `startServer` to listening (store open and migrations included). */
  readonly startupMs: number;
  /** Graceful shutdown; resolves when every connection is closed and the store is closed. */
  close(): Promise<void>;
}

/** Opens the store, builds the app and listens. Throws `invalid_config` for an unsafe binding. */
export async function startServer(
  config: Config,
  opts: { logger: Logger; version?: string },
): Promise<RunningServer> {
  const t0 = performance.now();
  const { logger } = opts;
  assertSafeBinding(config);
  // Opened first: a bad decision log path fails startup before the store is opened.
  const decisionLog = config.decisionLog
    ? openDecisionLog({
        ...config.decisionLog,
        onError: (err) =>
          logger.error('decision log failed; dropping lines', { error: err.message }),
      })
    : undefined;
  const store = await openStore(config.store, config.autoMigrate ? { autoMigrate: true } : {});
  // Deleted rows older than the retention window and expired tuples are collected in the
  // background (every 10 minutes), so storage stays proportional to live data.
  const gc = scheduleGc(store, {
    onResult: (r) => {
      if (r.tuplesRemoved > 0 || r.revisionsRemoved > 0) logger.info('garbage collected', r);
    },
    onError: (err) =>
      logger.error('garbage collection failed', {
        error: err instanceof Error ? err.message : String(err),
      }),
  });
  const engine = createEngine({
    maxDepth: config.maxDepth,
    cache:
      config.cacheSize === 0
        ? false
        : { maxEntries: config.cacheSize, maxBytes: config.cacheMaxBytes },
  });
  const metrics = createMetrics(() => engine.stats());
  const clove = createClove({
    store,
    engine,
    quantumMs: config.quantumMs,
    limits: { maxReadLimit: config.limits.maxReadLimit },
    metrics,
    ...(decisionLog ? { decisionLog } : {}),
  });
  const shutdown = new AbortController();
  const app = createApp(
    { clove, config, metrics, logger },
    { shutdown: shutdown.signal, ...(opts.version ? { version: opts.version } : {}) },
  );

  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () =>
      resolve(s as Server),
    ) as Server;
    s.once('error', reject);
  });
  // Keep idle keep-alive connections for 65 s (Node's default is 5 s): clients and load balancers
  // that pool connections (typically 60 s idle) then reuse them instead of racing a server-side
  // close and reconnecting. Headers must arrive within a bit more than that, as Node requires.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1000;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  const startupMs = Math.round(performance.now() - t0);
  if (config.keys.length === 0)
    logger.warn('no API keys configured: authentication is off, listening on loopback only', {
      host: config.host,
    });
  logger.info('listening', { url, store: store.kind, startupMs, keys: config.keys.length });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      logger.info('shutting down', { graceMs: config.shutdownGraceMs });
      shutdown.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections become idle as their last response ends: close each as soon as it
      // does, and cut whatever is still busy when the grace period is over.
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const timer = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
      await closed;
      clearInterval(sweep);
      clearTimeout(timer);
      await gc.stop();
      await clove.close();
      logger.info('stopped');
    })();
    return closing;
  };
  return { url, port, clove, startupMs, close };
}
