/**
 * The query phases in their fixed order for one target: single checks (each consistency mode),
 * concurrent checks, bulk checks, lookups, expand. Phases not selected with --phases are skipped.
 */
import type { BenchOptions } from '../lib/args.ts';
import type { Target } from '../lib/targets/types.ts';
import type { Workload } from '../workloads/index.ts';
import {
  type QueryPhaseContext,
  runBulkChecks,
  runChecksConcurrent,
  runChecksSequential,
  runExpand,
  runLookups,
} from './queries.ts';
import type { PhaseResult, Verifier } from './types.ts';

/** Runs the selected query phases against `target`; single checks run once per consistency mode. */
export async function runQueryPhases(
  opts: BenchOptions,
  target: Target,
  store: string,
  workload: Workload,
  verifier: Verifier,
): Promise<PhaseResult[]> {
  const out: PhaseResult[] = [];
  const ctx = (consistency = opts.consistencies[0] ?? 'minimize_latency'): QueryPhaseContext => {
    // Each phase starts cold (in-process targets); the report shows each phase's hit ratio.
    target.resetCache?.();
    return {
      target,
      store,
      workload,
      verifier,
      consistency,
    };
  };
  const p = opts.phases;
  if (p.has('check'))
    for (const c of opts.consistencies)
      out.push(await runChecksSequential(ctx(c), { limit: opts.checkLimit }));
  if (p.has('check-concurrent'))
    out.push(
      await runChecksConcurrent(ctx(), {
        concurrency: opts.concurrency,
        durationMs: opts.durationMs,
      }),
    );
  if (p.has('bulk-check'))
    out.push(
      await runBulkChecks(ctx(), {
        batch: opts.batch,
        limit: opts.checkLimit,
        concurrency: opts.bulkConcurrency,
        warmup: opts.bulkWarmup,
        passes: opts.bulkPasses,
      }),
    );
  if (p.has('lookup-resources'))
    out.push(await runLookups(ctx(), 'lookup-resources', { rounds: opts.lookupRounds }));
  if (p.has('lookup-subjects'))
    out.push(await runLookups(ctx(), 'lookup-subjects', { rounds: opts.lookupRounds }));
  if (p.has('expand')) out.push(await runExpand(ctx(), { rounds: opts.lookupRounds }));
  return out;
}
