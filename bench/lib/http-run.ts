/** Placeholder until the HTTP target lands (see http-target.ts). */
import type { PhaseResult, Verifier } from '../phases/types.ts';
import type { Workload } from '../workloads/index.ts';
import type { BenchOptions } from './args.ts';
import type { OpenedStore } from './stores.ts';

export async function runHttp(
  _opts: BenchOptions,
  _opened: OpenedStore,
  _w: Workload,
  _verifier: Verifier,
): Promise<PhaseResult[]> {
  process.stderr.write('http: not wired yet\n');
  return [];
}
