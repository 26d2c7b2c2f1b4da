/**
 * Orchestrates one suite run: generate the workload, then for every store load it into Clove and
 * run the query phases in-process (cache on and off) and over HTTP, then the same against SpiceDB,
 * verifying every answer. Repeats the whole run `--repeat` times; the report takes medians.
 */
import { loadClove } from '../phases/load.ts';
import { runQueryPhases } from '../phases/run-phases.ts';
import type { PhaseResult } from '../phases/types.ts';
import { rssMb, Verifier } from '../phases/types.ts';
import { getWorkload, type Workload } from '../workloads/index.ts';
import type { BenchOptions, StoreKind } from './args.ts';
import { runHttp } from './http-run.ts';
import { createProgress } from './progress.ts';
import { now } from './stats.ts';
import { openBenchStore, type PostgresServer, startPostgresServer } from './stores.ts';
import { createCloveEngineTarget } from './targets/clove-engine.ts';
import { loadSpiceDB, startSpiceDBTarget } from './targets/spicedb.ts';

export interface SuiteOutcome {
  readonly workload: Workload;
  readonly runs: PhaseResult[][];
  readonly verifier: Verifier;
  readonly crossChecks: { compared: number; differing: number }[];
}

/** Prints a one-line summary of a finished phase to stderr. */
export function logResult(r: PhaseResult): void {
  const l = r.latency;
  const lat = l ? ` p50=${l.p50.toFixed(3)}ms p99=${l.p99.toFixed(3)}ms` : '';
  process.stderr.write(
    `  → ${r.phase} [${r.target} ${r.store} cache=${r.cache}${r.consistency ? ` ${r.consistency}` : ''} c=${r.concurrency}] ${Math.round(r.throughput).toLocaleString('en-US')} ${r.unit}/s${lat} errors=${r.errors} mismatches=${r.mismatches}\n`,
  );
}

async function runClove(
  opts: BenchOptions,
  kind: StoreKind,
  w: Workload,
  verifier: Verifier,
  pg: PostgresServer | undefined,
): Promise<PhaseResult[]> {
  const results: PhaseResult[] = [];
  const opened = await openBenchStore(kind, pg);
  try {
    const { result, schema } = await loadClove(opened.store, kind, w);
    if (opts.phases.has('load')) {
      results.push(result);
      logResult(result);
    }
    if (opts.engine) {
      for (const cache of opts.caches) {
        const target = await createCloveEngineTarget({
          store: opened.store,
          schema,
          cache: cache === 'on',
        });
        for (const r of await runQueryPhases(opts, target, kind, w, verifier)) {
          results.push(r);
          logResult(r);
        }
        await target.close();
      }
    }
    if (opts.http) {
      results.push(...(await runHttp(opts, opened, w, verifier, logResult)));
    }
  } finally {
    await opened.close();
  }
  return results;
}

async function runSpicedb(
  opts: BenchOptions,
  w: Workload,
  verifier: Verifier,
): Promise<PhaseResult[]> {
  const results: PhaseResult[] = [];
  const datastore = opts.spicedbDatabaseUrl
    ? { postgresUri: opts.spicedbDatabaseUrl }
    : ('memory' as const);
  const storeName = datastore === 'memory' ? 'memory' : 'postgres';
  const target = await startSpiceDBTarget(datastore);
  try {
    const progress = createProgress(`load spicedb/${storeName}`, w.tupleCount);
    const t0 = now();
    const n = await loadSpiceDB(target.harness, w.schemaText, w.tuples, progress);
    const durationMs = now() - t0;
    progress.done();
    if (opts.phases.has('load')) {
      const r: PhaseResult = {
        phase: 'load',
        target: 'spicedb',
        system: 'spicedb',
        store: storeName,
        cache: 'n/a',
        concurrency: 1,
        ops: n,
        unit: 'relationships',
        durationMs,
        throughput: n / (durationMs / 1000),
        errors: 0,
        mismatches: 0,
        notes: { rssMb: rssMb(), batch: 1000 },
      };
      results.push(r);
      logResult(r);
    }
    for (const r of await runQueryPhases(opts, target, storeName, w, verifier)) {
      results.push(r);
      logResult(r);
    }
  } finally {
    await target.close();
  }
  return results;
}

/** Runs the whole suite as configured. */
export async function runSuite(opts: BenchOptions): Promise<SuiteOutcome> {
  const t0 = now();
  const w = getWorkload(opts.workload).generate(opts.size, opts.seed);
  process.stderr.write(
    `workload ${w.name} ${opts.size} seed ${opts.seed}: ${w.tupleCount.toLocaleString('en-US')} relationships, ${w.checks.length} checks, generated in ${((now() - t0) / 1000).toFixed(1)}s\n`,
  );
  const verifier = new Verifier();
  const pg = opts.stores.includes('postgres')
    ? await startPostgresServer(opts.databaseUrl)
    : undefined;
  const runs: PhaseResult[][] = [];
  const crossChecks: { compared: number; differing: number }[] = [];
  try {
    for (let rep = 0; rep < opts.repeat; rep++) {
      if (opts.repeat > 1) process.stderr.write(`repeat ${rep + 1}/${opts.repeat}\n`);
      const results: PhaseResult[] = [];
      for (const kind of opts.stores)
        results.push(...(await runClove(opts, kind, w, verifier, pg)));
      if (opts.vsSpicedb) results.push(...(await runSpicedb(opts, w, verifier)));
      runs.push(results);
    }
    if (opts.vsSpicedb) crossChecks.push(verifier.crossCheck('clove', 'spicedb'));
  } finally {
    await pg?.stop();
  }
  return { workload: w, runs, verifier, crossChecks };
}
