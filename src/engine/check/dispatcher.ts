/**
 * The one dispatch function every sub-problem goes through, built as layers of closures:
 * `guard` (cancellation, cycle cut-off, identity rule, per-run memo, depth budget) → `cached`
 * (cross-request LRU) → `evaluateNode`, whose recursion calls back into the outermost layer.
 * There is no mutable delegate: the loop is tied by the `dispatch` constant the closures share.
 */
import { LRUCache } from 'lru-cache';
import { AppError, EngineError } from '../../errors.ts';
import { MAX_TRIED } from '../proof.ts';
import { FALSE, TRUE } from '../tri.ts';
import { defaultCacheMaxBytes, estimateEntryBytes } from './cache-size.ts';
import { evaluateNode } from './evaluate.ts';
import { canJoin, usableFor } from './flights.ts';
import {
  type Dispatch,
  type Flight,
  type DispatchRequest,
  fitsBudget,
  nodeKey,
  type Outcome,
  onLineage,
  type Run,
} from './run.ts';

/** A cached final outcome; valid for readers whose clock is in `[computedAt, outcome.until)`. */
interface CacheEntry {
  readonly outcome: Outcome;
  readonly computedAt: number;
}

/** Hit/miss counters and the LRU, shared by every call of one engine. */
export interface DispatchCache {
  /** `lru.calculatedSize` is the estimated bytes held (see cache-size.ts). */
  readonly lru: LRUCache<string, CacheEntry>;
  hits: number;
  misses: number;
}

/** Bounds of the dispatch cache; either or both may be given. */
export interface DispatchCacheBounds {
  /** Most entries (no entry bound when absent). */
  readonly maxEntries?: number | undefined;
  /** Most estimated bytes (default `defaultCacheMaxBytes()`: 256 MiB or a quarter of the heap). */
  readonly maxBytes?: number | undefined;
}

/**
 * A cache of final dispatch outcomes, always bounded by estimated bytes and, when `maxEntries` is
 * given, by entry count too; whichever bound is reached first evicts the least recently used
 * entries. Why bytes: the number of sub-problem entries a working set needs varies by workload,
 * their size barely does, so bytes are what an operator can size. lru-cache preallocates its slot
 * arrays for `max` entries, so an entry bound is only passed when one is asked for. Throws
 * `invalid_config` unless each given bound is a positive integer.
 */
export function createDispatchCache(bounds: DispatchCacheBounds = {}): DispatchCache {
  for (const [name, v] of Object.entries(bounds))
    if (v !== undefined && !(Number.isSafeInteger(v) && v > 0))
      throw new AppError('invalid_config', `cache ${name} must be a positive integer, got ${v}`);
  const lru = new LRUCache<string, CacheEntry>({
    ...(bounds.maxEntries !== undefined ? { max: bounds.maxEntries } : {}),
    maxSize: bounds.maxBytes ?? defaultCacheMaxBytes(),
    sizeCalculation: (value, key) => estimateEntryBytes(key, value),
  });
  return { lru, hits: 0, misses: 0 };
}

/** Schema hash → short tag; grows by one entry per distinct schema the process checks against. */
const TAGS = new Map<string, string>();
let nextTag = 0;
/** Past this many schemas the tag table starts over (tags keep counting up, so none is reused). */
const MAX_TAGS = 10_000;

/**
 * A short, process-unique stand-in for a schema hash in cache keys. Why: a key is hashed on every
 * lookup, and the 64-character content hash was most of a warm check's time; the hash string itself
 * is the same object on every call, so looking up its tag reuses V8's cached string hash.
 */
export function schemaTag(hash: string): string {
  let tag = TAGS.get(hash);
  if (tag === undefined) {
    if (TAGS.size >= MAX_TAGS) TAGS.clear();
    tag = `s${nextTag++}`;
    TAGS.set(hash, tag);
  }
  return tag;
}

/**
 * The cross-request cache key prefix of a run: `schemaTag|revision|subject|context|`; a node key
 * (`type:id#name`) completes it. Why these parts: schema and revision pin the inputs, so entries
 * never need invalidation (a write makes a new revision, a schema change a new hash); the request
 * context is part of the key because caveats read it; the subject is fixed per run.
 */
export function cachePrefixOf(schemaHash: string, revision: number, keyPrefix: string): string {
  return `${schemaTag(schemaHash)}|${revision}|${keyPrefix}`;
}

/**
 * The cached final outcome under `key` (a full cache key) if valid for a reader whose clock reads
 * `now`: the warm path of `check`, which answers without building a run. Same validity rule as the
 * dispatcher's own lookups.
 */
export function peekCache(cache: DispatchCache, key: string, now: number): Outcome | undefined {
  const hit = cache.lru.get(key);
  if (!hit || now < hit.computedAt || now >= hit.outcome.until) return undefined;
  cache.hits++;
  return hit.outcome;
}

function memoKey(run: Run, key: string): string {
  return run.keyPrefix + key;
}

/** Throws `deadline_exceeded` when the run was cancelled or ran past its deadline. */
export function assertLive(run: {
  readonly signal?: AbortSignal | undefined;
  readonly deadline?: number | undefined;
}): void {
  if (run.signal?.aborted)
    throw new EngineError('deadline_exceeded', 'the check was cancelled', {
      cause: run.signal.reason,
    });
  if (run.deadline !== undefined && Date.now() > run.deadline)
    throw new EngineError('deadline_exceeded', 'the check ran past its deadline');
}

function settle(key: string, o: Outcome): Outcome {
  // A cut-off at this very node closes the cycle it started: the result is final here.
  if (!o.cutoffs?.has(key)) return o;
  const rest = new Set(o.cutoffs);
  rest.delete(key);
  if (rest.size > 0) return { ...o, cutoffs: rest };
  const { cutoffs: _closed, ...closed } = o;
  return closed;
}

/** Final outcomes (no cut-offs, not unstable) are the ones memoised and cached. */
function isFinal(o: Outcome): boolean {
  return !o.cutoffs && !o.unstable;
}

/** Builds the dispatch function; `cache` undefined means no cross-request caching. */
export function createDispatch(cache: DispatchCache | undefined): Dispatch {
  // `req.lineage` already holds this node (pushed by `launch`).
  const compute = (run: Run, req: DispatchRequest, key: string): Promise<Outcome> =>
    evaluateNode(run, req, dispatch).then((o) => {
      const out = settle(key, o);
      if (isFinal(out)) run.memo.set(memoKey(run, key), out);
      return out;
    });

  const cached = (run: Run, req: DispatchRequest, key: string): Promise<Outcome> => {
    // Explain runs build proofs and must reflect a fresh walk, so they bypass the shared cache.
    if (!cache || run.explain) return compute(run, req, key);
    const ck = run.cachePrefix + key;
    const hit = cache.lru.get(ck);
    const now = run.reader.now;
    if (
      hit &&
      now >= hit.computedAt &&
      now < hit.outcome.until &&
      fitsBudget(hit.outcome, req.depth)
    ) {
      cache.hits++;
      return Promise.resolve(hit.outcome);
    }
    cache.misses++;
    return compute(run, req, key).then((o) => {
      // Cycle cut-offs are only right relative to their lineage: never cached as final.
      if (isFinal(o)) cache.lru.set(ck, { outcome: o, computedAt: now });
      return o;
    });
  };

  /** Computes a node as a registered flight, with this node pushed on the lineage. */
  const launch = (run: Run, req: DispatchRequest, key: string): Promise<Outcome> => {
    if (req.depth <= 0)
      throw new EngineError('max_depth_exceeded', `check exceeded the maximum depth at ${key}`, {
        details: { node: key },
      });
    if (run.tried) {
      run.triedCount++;
      if (run.tried.length < MAX_TRIED) run.tried.push(key);
    }
    const mk = memoKey(run, key);
    const flight: Flight = {
      key: mk,
      promise: Promise.resolve(undefined as never),
      waitsOn: [],
      done: false,
    };
    req.lineage?.flight?.waitsOn.push(flight);
    run.flights.set(mk, flight);
    const promise = cached(run, { ...req, lineage: { key, parent: req.lineage, flight } }, key);
    flight.promise = promise;
    const land = (): void => {
      flight.done = true;
      if (run.flights.get(mk) === flight) run.flights.delete(mk);
    };
    promise.then(land, land);
    return promise;
  };

  const dispatch: Dispatch = (run, req) => {
    try {
      assertLive(run);
      const key = nodeKey(req.resource, req.name);
      const s = run.subject;
      if (s.type === req.resource.type && s.id === req.resource.id && s.relation === req.name) {
        // Identity: `T:id#r` holds `T:id#r` (SpiceDB's filterForFoundMemberResource).
        const tri = run.explain
          ? ({
              v: 'T',
              proof: {
                kind: 'step',
                resource: req.resource,
                name: req.name,
                via: 'identity',
                children: [],
              },
            } as const)
          : TRUE;
        return Promise.resolve({ tri, until: Number.POSITIVE_INFINITY });
      }
      if (onLineage(req.lineage, key))
        return Promise.resolve({
          tri: FALSE,
          until: Number.POSITIVE_INFINITY,
          cutoffs: new Set([key]),
        });
      const memo = run.memo.get(memoKey(run, key));
      if (memo && fitsBudget(memo, req.depth)) return Promise.resolve(memo);
      const flight = run.flights.get(memoKey(run, key));
      if (flight && !flight.done && canJoin(flight, req.lineage)) {
        req.lineage?.flight?.waitsOn.push(flight);
        return flight.promise.then((o) =>
          usableFor(o, req.lineage) && fitsBudget(o, req.depth) ? o : launch(run, req, key),
        );
      }
      return launch(run, req, key);
    } catch (err) {
      return Promise.reject(err);
    }
  };
  return dispatch;
}
