/**
 * `createEngine`: wires the dispatcher, the optional cross-request cache and the entry points.
 */
import { AppError, EngineError } from '../errors.ts';
import {
  assertValidCheck,
  createRun,
  type InFlight,
  keyPrefixOf,
  plainResult,
  runCheck,
} from './check/check.ts';
import { assertLive, createDispatch, createDispatchCache, peekCache } from './check/dispatcher.ts';
import { LatencyGauge, type Outcome, ReadLoader } from './check/run.ts';
import { expand } from './expand.ts';
import type { BulkCheckItem, CheckRequest, Engine, EngineOptions } from './types.ts';

/** The largest `bulkCheck` batch. */
export const MAX_BULK_CHECK = 10_000;
/** Default dispatch depth budget. */
export const DEFAULT_MAX_DEPTH = 50;
/** `auto` operand mode evaluates sequentially while store reads average below this (ms). */
const AUTO_SEQUENTIAL_BELOW_MS = 0.05;
/** Bulk items evaluated at once; enough to batch reads without flooding the event loop. */
const BULK_CONCURRENCY = 64;

/**
 * Creates an engine. The cache (default on, 100k entries) is keyed by schema hash + revision +
 * subject + request context + node, so it is safe to share across requests, snapshots and schemas.
 */
export function createEngine(opts: EngineOptions = {}): Engine {
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  const prefetch = opts.prefetch ?? false;
  const mode = opts.operands ?? 'auto';
  const gauge = new LatencyGauge();
  // In-process stores answer a read in microseconds: short-circuiting left to right does less work.
  // Networked stores pay a round trip per read wave: concurrent operands batch those waves.
  const sequential = (): boolean =>
    mode === 'sequential' || (mode === 'auto' && gauge.ewmaMs < AUTO_SEQUENTIAL_BELOW_MS);
  const cache =
    opts.cache === false ? undefined : createDispatchCache(opts.cache?.maxEntries ?? 100_000);
  const dispatch = createDispatch(cache);
  const inflight = cache ? new Map<string, InFlight>() : undefined;

  const engine: Engine = {
    async check(ctx, req) {
      assertValidCheck(ctx, req);
      if (cache && req.explain !== true) {
        assertLive(ctx);
        // Warm path: a cached root answers without building a run (microseconds).
        const { reader } = ctx;
        const key = `${req.resource.type}:${req.resource.id}#${req.permission}`;
        const hit = peekCache(
          cache,
          ctx.schema.hash,
          reader.revision,
          reader.now,
          keyPrefixOf(req),
          key,
        );
        if (hit) return plainResult(hit);
      }
      return runCheck(
        dispatch,
        createRun(ctx, req, { prefetch, sequential: sequential(), gauge }),
        req,
        maxDepth,
        inflight,
      );
    },

    async bulkCheck(ctx, reqs) {
      if (reqs.length > MAX_BULK_CHECK)
        throw new EngineError(
          'batch_too_large',
          `bulk check takes at most ${MAX_BULK_CHECK} items, got ${reqs.length}`,
        );
      // One loader and memo for the whole batch: items share reads and sub-problems even with the
      // cache off (memo keys carry the subject and context, so items never see each other's answers).
      const share = {
        loader: new ReadLoader(ctx.reader, gauge),
        memo: new Map<string, Outcome>(),
      };
      const out = new Array<BulkCheckItem>(reqs.length);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < reqs.length) {
          const i = next++;
          const req = reqs[i] as CheckRequest;
          try {
            assertValidCheck(ctx, req);
            out[i] = {
              ok: true,
              result: await runCheck(
                dispatch,
                createRun(ctx, req, { share, prefetch, sequential: sequential(), gauge }),
                req,
                maxDepth,
                inflight,
              ),
            };
          } catch (err) {
            out[i] = {
              ok: false,
              error:
                err instanceof AppError
                  ? err
                  : new AppError('internal', String(err), { cause: err }),
            };
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, reqs.length) }, worker));
      return out;
    },

    expand(ctx, req) {
      return expand(ctx, req, maxDepth);
    },

    stats() {
      return cache
        ? { hits: cache.hits, misses: cache.misses, entries: cache.lru.size }
        : { hits: 0, misses: 0, entries: 0 };
    },
  };
  return engine;
}
