/**
 * `createEngine`: wires the dispatcher, the optional cross-request cache and the entry points.
 */
import { AppError, EngineError, invariant } from '../errors.ts';
import {
  assertValidCheck,
  createRun,
  type InFlight,
  keyPrefixOf,
  plainResult,
  runCheck,
} from './check/check.ts';
import {
  assertLive,
  createDispatch,
  createDispatchCache,
  peekCache,
  schemaTag,
} from './check/dispatcher.ts';
import { defaultCacheMaxBytes } from './check/cache-size.ts';
import { LatencyGauge, type Outcome, ReadLoader } from './check/run.ts';
import { createSyncRun, dispatchSync } from './check/sync.ts';
import { expand } from './expand.ts';
import { ReadCache } from './read-cache.ts';
import type { BulkCheckItem, CheckRequest, Engine, EngineOptions, EvalContext } from './types.ts';

/** The read cache's byte bound: as given, else a quarter of the dispatch cache's. */
function readCacheBytes(
  bounds: { readonly maxBytes?: number; readonly maxReadBytes?: number } = {},
) {
  const n =
    bounds.maxReadBytes ?? Math.max(1, Math.floor((bounds.maxBytes ?? defaultCacheMaxBytes()) / 4));
  if (!(Number.isSafeInteger(n) && n > 0))
    throw new AppError('invalid_config', `cache maxReadBytes must be a positive integer, got ${n}`);
  return n;
}

/** Whether `ctx` is neither cancelled nor past its deadline (what `assertLive` lets through). */
function isLive(ctx: EvalContext): boolean {
  return !ctx.signal?.aborted && !(ctx.deadline !== undefined && Date.now() > ctx.deadline);
}

/** The largest `bulkCheck` batch. */
export const MAX_BULK_CHECK = 10_000;
/** Default dispatch depth budget. */
export const DEFAULT_MAX_DEPTH = 50;
/** `auto` operand mode evaluates sequentially while store reads average below this (ms). */
const AUTO_SEQUENTIAL_BELOW_MS = 0.05;
/** Bulk items evaluated at once; enough to batch reads without flooding the event loop. */
const BULK_CONCURRENCY = 64;

/**
 * Creates an engine. The cache (default on, bounded by estimated bytes) is keyed by schema hash +
 * revision + subject + request context + node, so it is safe to share across requests, snapshots
 * and schemas.
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
  // Readers with `querySync` (the memory store) are walked synchronously (check/sync.ts), which
  // is sequential operand order; `concurrent` and `prefetch` ask for the async strategy explicitly.
  const syncAllowed = mode !== 'concurrent' && !prefetch;
  const cache =
    opts.cache === false
      ? undefined
      : createDispatchCache({ maxEntries: opts.cache?.maxEntries, maxBytes: opts.cache?.maxBytes });
  const reads = opts.cache === false ? undefined : new ReadCache(readCacheBytes(opts.cache));
  const dispatch = createDispatch(cache);
  const inflight = cache ? new Map<string, InFlight>() : undefined;

  /** An item's error as a bulk item (non-AppErrors become `internal`). */
  const failed = (err: unknown): BulkCheckItem => ({
    ok: false,
    error: err instanceof AppError ? err : new AppError('internal', String(err), { cause: err }),
  });

  /** One non-explain bulk item on the synchronous path. */
  const bulkItemSync = (
    ctx: EvalContext,
    req: CheckRequest,
    memos: Map<string, Map<string, Outcome>>,
  ): BulkCheckItem => {
    try {
      assertValidCheck(ctx, req);
      const keyPrefix = keyPrefixOf(req);
      let memo = memos.get(keyPrefix);
      if (!memo) {
        memo = new Map();
        memos.set(keyPrefix, memo);
      }
      const run = createSyncRun(ctx, req, keyPrefix, cache, memo);
      invariant(run, 'the synchronous bulk path needs querySync');
      const o = dispatchSync(run, req.resource.type, req.resource.id, req.permission, maxDepth);
      return { ok: true, result: plainResult(o) };
    } catch (err) {
      return failed(err);
    }
  };

  const engine: Engine = {
    async check(ctx, req) {
      const explain = req.explain === true;
      const keyPrefix = keyPrefixOf(req);
      if (cache && !explain) {
        assertLive(ctx);
        // Warm path: a cached root answers without building a run (microseconds). Validation
        // comes after it: an entry exists only for a node that was valid under this very schema
        // (the key carries its tag) for this subject (wildcard subjects never get a run).
        const { reader } = ctx;
        const hit = peekCache(
          cache,
          `${schemaTag(ctx.schema.hash)}|${reader.revision}|${keyPrefix}${req.resource.type}:${req.resource.id}#${req.permission}`,
          reader.now,
        );
        if (hit) return plainResult(hit);
      }
      assertValidCheck(ctx, req);
      const syncRun = syncAllowed && !explain && createSyncRun(ctx, req, keyPrefix, cache);
      if (syncRun)
        return plainResult(
          dispatchSync(syncRun, req.resource.type, req.resource.id, req.permission, maxDepth),
        );
      const run = createRun(ctx, req, { prefetch, sequential: sequential(), gauge });
      try {
        return await runCheck(dispatch, run, req, maxDepth, inflight);
      } finally {
        // Branches that lost stop reading once the answer is known (ReadLoader.close).
        run.loader.close();
      }
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
      // The warm path of `check`, per item: a cached root answers without building a run (on a
      // networked store's reader a run, its flight and its promises cost several times the lookup).
      // Only while the call is live and for items without explain: otherwise (and on a miss) the
      // item takes its usual path, which reports validation and deadline errors in its own order.
      // A hit is a valid item (an entry exists only for a node valid under this schema's tag).
      const warm = cache && `${schemaTag(ctx.schema.hash)}|${ctx.reader.revision}|`;
      const hitOf = (req: CheckRequest): Outcome | undefined =>
        cache && warm && req.explain !== true && isLive(ctx)
          ? peekCache(
              cache,
              `${warm}${keyPrefixOf(req)}${req.resource.type}:${req.resource.id}#${req.permission}`,
              ctx.reader.now,
            )
          : undefined;
      // An item the lookup cannot even key (it throws) takes its usual path and reports there.
      const warmHit = (req: CheckRequest): Outcome | undefined => {
        try {
          return hitOf(req);
        } catch {
          return undefined;
        }
      };
      if (syncAllowed && ctx.reader.querySync) {
        // Synchronous items in turn, one memo per subject and context shared by the whole batch.
        const memos = new Map<string, Map<string, Outcome>>();
        const explained: Promise<void>[] = [];
        for (const [i, req] of reqs.entries()) {
          if (req.explain !== true) {
            const hit = warmHit(req);
            out[i] = hit ? { ok: true, result: plainResult(hit) } : bulkItemSync(ctx, req, memos);
          } else
            explained.push(
              engine.check(ctx, req).then(
                (result) => {
                  out[i] = { ok: true, result };
                },
                (err: unknown) => {
                  out[i] = failed(err);
                },
              ),
            );
        }
        await Promise.all(explained);
        return out;
      }
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < reqs.length) {
          const i = next++;
          const req = reqs[i] as CheckRequest;
          try {
            const hit = warmHit(req);
            if (hit) {
              out[i] = { ok: true, result: plainResult(hit) };
              continue;
            }
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
            out[i] = failed(err);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, reqs.length) }, worker));
      share.loader.close();
      return out;
    },

    expand(ctx, req) {
      return expand(ctx, req, maxDepth);
    },

    stats() {
      return cache
        ? {
            hits: cache.hits,
            misses: cache.misses,
            entries: cache.lru.size,
            bytes: cache.lru.calculatedSize,
            ...(reads ? { reads: reads.stats() } : {}),
          }
        : { hits: 0, misses: 0, entries: 0, bytes: 0 };
    },
    ...(reads ? { reads } : {}),
  };
  return engine;
}
