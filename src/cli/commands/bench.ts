/**
 * `clove bench <workload> <size> [options]`: the benchmark suite (bench/run.ts), the same as
 * `npm run bench -- ...`. Loaded lazily from the repository checkout, since the suite and its
 * SpiceDB comparison use development dependencies.
 */
export async function run(args: string[]): Promise<number> {
  const { runBench } = await import('../../../bench/run.ts');
  return runBench(args);
}
