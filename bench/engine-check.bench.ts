/**
 * Check latency of the engine on the Google-Docs-like workload (schema/docs.zed: nested groups up
 * to depth 4, folder trees, banned users), in-process. Three phases over the same check set:
 * uncached (cache disabled; after one unrecorded warm-up pass), cold cache (fresh cached engine,
 * first pass) and warm (cache hits, after `--warm-rounds` unrecorded rounds). Each pass starts
 * after a full GC and reports the GC pauses that happened during it. Every answer is compared with
 * the generator's reference, so the bench also checks correctness.
 *
 *   npx tsx bench/engine-check.bench.ts --size 200000 [--store memory|pglite|postgres] [--checks 10000] [--seed 1]
 *     [--operands auto|concurrent|sequential] [--prefetch]
 *
 * `--store postgres` uses $CLOVE_BENCH_PG_URL, or starts a throwaway server (test/support/postgres.ts).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  type CheckRequest,
  createEngine,
  type Engine,
  type EvalContext,
} from '../src/engine/index.ts';
import { compileSchema } from '../src/schema/index.ts';
import { createMemoryStore, openStore, type TupleStore } from '../src/store/index.ts';
import { type LatencySummary, Recorder } from './lib/stats.ts';
import { type CheckCase, docsWorkload } from './workloads/index.ts';

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '200000' },
    store: { type: 'string', default: 'memory' },
    checks: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    'warm-rounds': { type: 'string', default: '5' },
    operands: { type: 'string', default: 'auto' },
    prefetch: { type: 'boolean', default: false },
  },
});

/** Engine options under test (`--operands auto|concurrent|sequential`, `--prefetch`). */
const ENGINE_OPTS = {
  operands: args.operands as 'auto' | 'concurrent' | 'sequential',
  prefetch: args.prefetch === true,
};

async function openBenchStore(
  kind: string,
): Promise<{ store: TupleStore; stop: () => Promise<void> }> {
  if (kind === 'memory')
    return { store: createMemoryStore({ maxBatchSize: 100_000 }), stop: async () => {} };
  if (kind === 'pglite') {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const store = await openStore(join(mkdtempSync(join(tmpdir(), 'clove-bench-')), 'data'));
    return { store, stop: () => store.close() };
  }
  if (kind === 'postgres') {
    const given = process.env.CLOVE_BENCH_PG_URL;
    if (given) {
      const store = await openStore(given, { autoMigrate: true });
      return { store, stop: () => store.close() };
    }
    const { startTestPostgres, createTestDatabase } = await import('../test/support/postgres.ts');
    const server = await startTestPostgres();
    const store = await openStore(await createTestDatabase(server.url), { autoMigrate: true });
    return {
      store,
      stop: async () => {
        await store.close();
        await server.stop();
      },
    };
  }
  throw new Error(`unknown --store ${kind} (memory|pglite|postgres)`);
}

/**
 * A full collection between passes, so a pass does not pay for the garbage of the one before
 * (the data load, the previous pass). `--expose-gc` is switched on here when node was started
 * without it. This only moves garbage that is not the measured pass's own: the pauses a pass
 * causes itself stay in its figures (and are counted in its `gc` column).
 */
const fullGc: () => void = (() => {
  const given = (globalThis as { gc?: () => void }).gc;
  if (given) return given;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** Counts GC pauses (number, total ms) while a pass runs. */
class GcCounter {
  count = 0;
  ms = 0;
  private readonly obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      this.count++;
      this.ms += e.duration;
    }
  });
  start(): void {
    this.obs.observe({ entryTypes: ['gc'] });
  }
  /** Stops observing; entries are delivered asynchronously, so wait a turn first. */
  async stop(): Promise<{ count: number; ms: number }> {
    await new Promise((r) => setTimeout(r, 20));
    this.obs.disconnect();
    return { count: this.count, ms: this.ms };
  }
}

const us = (ms: number): string => `${(ms * 1000).toFixed(1)}µs`;

function report(
  label: string,
  r: { summary: LatencySummary; wallMs: number; gc: { count: number; ms: number } },
): void {
  const s = r.summary;
  const rate = (s.count / r.wallMs) * 1000;
  console.log(
    `${label.padEnd(22)} n=${String(s.count).padStart(6)}  p50 ${us(s.p50).padStart(10)}  p95 ${us(s.p95).padStart(10)}  ` +
      `p99 ${us(s.p99).padStart(10)}  p99.9 ${us(s.p999).padStart(10)}  max ${us(s.max).padStart(10)}  ${rate.toFixed(0)} checks/s` +
      `  gc ${r.gc.count}x ${r.gc.ms.toFixed(1)}ms`,
  );
}

/**
 * Runs every check once, sequentially (latency per check), and counts wrong answers. A full GC
 * runs first (see `fullGc`); the pauses during the pass are counted.
 */
async function pass(engine: Engine, ctx: EvalContext, checks: readonly CheckCase[]) {
  fullGc();
  const gc = new GcCounter();
  gc.start();
  const rec = new Recorder();
  let wrong = 0;
  const t0 = performance.now();
  for (const c of checks) {
    const req: CheckRequest = {
      resource: c.resource,
      permission: c.permission,
      subject: c.subject,
    };
    const start = performance.now();
    const r = await engine.check(ctx, req);
    rec.record(performance.now() - start);
    if (r.permissionship !== c.expected) wrong++;
  }
  const wallMs = performance.now() - t0;
  return { summary: rec.summary(), wallMs, wrong, gc: await gc.stop() };
}

async function main(): Promise<void> {
  const size = Number(args.size);
  const workload = docsWorkload.generate(size, Number(args.seed), { checks: Number(args.checks) });
  console.log(
    `workload docs: ${workload.tupleCount} tuples, ${workload.checks.length} checks, store ${args.store}`,
  );
  console.log(`facts: ${JSON.stringify(workload.facts)}`);
  const { store, stop } = await openBenchStore(args.store as string);
  try {
    const t0 = performance.now();
    const { revision } = await store.bulkImport(workload.tuples, { batchSize: 5_000 });
    console.log(
      `loaded in ${((performance.now() - t0) / 1000).toFixed(1)}s at revision ${revision}`,
    );
    const ctx = { schema: compileSchema(workload.schemaText), reader: store.snapshot(revision) };
    let wrong = 0;

    // Uncached: one unrecorded warm-up pass (JIT), then the recorded one.
    const uncachedEngine = createEngine({ ...ENGINE_OPTS, cache: false });
    wrong += (await pass(uncachedEngine, ctx, workload.checks)).wrong;
    const uncached = await pass(uncachedEngine, ctx, workload.checks);
    report('uncached', uncached);
    wrong += uncached.wrong;

    const engine = createEngine({ ...ENGINE_OPTS, cache: { maxEntries: 1_000_000 } });
    const cold = await pass(engine, ctx, workload.checks);
    report('cold cache', cold);
    wrong += cold.wrong;

    // Warm-up rounds (JIT, cache fully populated), then one recorded round of pure cache hits.
    let warmWall = 0;
    for (let i = 0; i < Number(args['warm-rounds']); i++) {
      const r = await pass(engine, ctx, workload.checks);
      warmWall += r.wallMs;
      wrong += r.wrong;
    }
    const warm = await pass(engine, ctx, workload.checks);
    report('warm (cache hits)', warm);
    wrong += warm.wrong;
    const st = engine.stats();
    console.log(
      `cache: ${st.hits} hits, ${st.misses} misses, ${st.entries} entries; warm-up rounds wall ${warmWall.toFixed(0)}ms`,
    );
    console.log(wrong === 0 ? 'all answers match the reference' : `WRONG ANSWERS: ${wrong}`);
    if (wrong > 0) process.exitCode = 1;
  } finally {
    await stop();
  }
}

await main();
