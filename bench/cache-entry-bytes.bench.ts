/**
 * What one check-cache entry really costs on the heap, against the estimate the byte bound uses
 * (src/engine/check/cache-size.ts). Two measurements, each the heap growth (after full GCs) divided
 * by the entries added:
 *
 * 1. real: the docs workload's checks run once through a cached engine on the memory store (after
 *    an uncached pass has warmed the store, the JIT and the schema caches), so the entries are
 *    exactly the ones a server builds: real keys, shared and conditional outcomes, cons-string keys;
 * 2. synthetic: `--synthetic N` entries of the same key shape set directly, with and without an
 *    entry bound (lru-cache preallocates its slot arrays for `max` entries).
 *
 * It also times `get` on a filled cache with and without the entry bound.
 *
 *   npx tsx bench/cache-entry-bytes.bench.ts [--size 200000] [--checks 10000] [--synthetic 200000]
 */
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { estimateEntryBytes } from '../src/engine/check/cache-size.ts';
import { createDispatchCache } from '../src/engine/check/dispatcher.ts';
import { createEngine, type Engine, type EvalContext } from '../src/engine/index.ts';
import { FALSE, TRUE } from '../src/engine/tri.ts';
import { compileSchema } from '../src/schema/index.ts';
import { createMemoryStore } from '../src/store/index.ts';
import { type CheckCase, docsWorkload } from './workloads/index.ts';

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '200000' },
    checks: { type: 'string', default: '10000' },
    synthetic: { type: 'string', default: '200000' },
    seed: { type: 'string', default: '1' },
  },
});

const gc: () => void = (() => {
  const given = (globalThis as { gc?: () => void }).gc;
  if (given) return given;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** Heap in use after full collections (several: weak callbacks and finalisers settle). */
async function settledHeap(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

async function runAll(engine: Engine, ctx: EvalContext, checks: readonly CheckCase[]) {
  let wrong = 0;
  for (const c of checks) {
    const r = await engine.check(ctx, {
      resource: c.resource,
      permission: c.permission,
      subject: c.subject,
    });
    if (r.permissionship !== c.expected) wrong++;
  }
  return wrong;
}

const fmt = (n: number) => n.toFixed(1);

async function measureReal(): Promise<void> {
  const w = docsWorkload.generate(Number(args.size), Number(args.seed), {
    checks: Number(args.checks),
  });
  const store = createMemoryStore({ maxBatchSize: 100_000 });
  const { revision } = await store.bulkImport(w.tuples, { batchSize: 5_000 });
  const ctx = { schema: compileSchema(w.schemaText), reader: store.snapshot(revision) };
  // Warm the store's indexes, the JIT and the schema caches without a cache.
  let wrong = await runAll(createEngine({ cache: false }), ctx, w.checks);
  const before = await settledHeap();
  const engine = createEngine({ cache: { maxBytes: 4 * 1024 ** 3 } });
  wrong += await runAll(engine, ctx, w.checks);
  const after = await settledHeap();
  const s = engine.stats();
  const real = (after - before) / s.entries;
  const est = s.bytes / s.entries;
  console.log(
    `real (docs ${w.tupleCount} tuples, ${w.checks.length} checks): ${s.entries} entries, ` +
      `heap +${fmt((after - before) / 2 ** 20)} MiB = ${fmt(real)} B/entry; estimate ` +
      `${fmt(est)} B/entry (${fmt(s.bytes / 2 ** 20)} MiB), estimate/real ${(est / real).toFixed(2)}` +
      (wrong > 0 ? `; WRONG ANSWERS ${wrong}` : ''),
  );
  if (wrong > 0) process.exitCode = 1;
  // Keep the engine alive through the measurement.
  if (engine.stats().entries === 0) console.log('empty cache?');
}

/** `n` keys shaped like the docs workload's (schema tag, revision, subject, node). */
function syntheticKey(i: number): string {
  const prefix = `s0|200785|user:u${i % 5000}||`;
  return prefix + `document:d${i}#view`;
}

async function measureSynthetic(withMax: boolean): Promise<void> {
  const n = Number(args.synthetic);
  const now = Date.now();
  const before = await settledHeap();
  const cache = createDispatchCache({
    maxBytes: 4 * 1024 ** 3,
    ...(withMax ? { maxEntries: n } : {}),
  });
  let estimated = 0;
  for (let i = 0; i < n; i++) {
    const key = syntheticKey(i);
    const entry = {
      outcome: { tri: i % 2 ? TRUE : FALSE, until: Number.POSITIVE_INFINITY },
      computedAt: now + (i % 1000),
    };
    estimated += estimateEntryBytes(key, entry);
    cache.lru.set(key, entry);
  }
  const after = await settledHeap();
  const real = (after - before) / cache.lru.size;
  // Warm gets: the same keys again (rebuilt, as a request would), timed.
  const keys = Array.from({ length: n }, (_, i) => syntheticKey(i));
  let hits = 0;
  const t0 = performance.now();
  for (let round = 0; round < 3; round++)
    for (const k of keys) if (cache.lru.get(k) !== undefined) hits++;
  const ns = ((performance.now() - t0) * 1e6) / (3 * n);
  console.log(
    `synthetic ${withMax ? 'with max   ' : 'bytes only '}: ${cache.lru.size} entries, ` +
      `${fmt(real)} B/entry real, ${fmt(estimated / n)} B/entry estimated, ` +
      `estimate/real ${(estimated / n / real).toFixed(2)}; get ${ns.toFixed(0)} ns (${hits} hits)`,
  );
}

await measureReal();
await measureSynthetic(false);
await measureSynthetic(true);
