/**
 * @module bench/lib
 * The suite's machinery: argument parsing, the orchestration of a run, seeded randomness,
 * latency statistics, progress bars, stores, child processes (Clove server, trivial route, HTTP
 * load generator) and interruption cleanup. `bench/run.ts` is the entry point.
 */
export { type BenchOptions, parseBenchArgs, type StoreKind, USAGE } from './args.ts';
export { guardStop, onInterrupt } from './cleanup.ts';
export { createPrng, type Prng } from './prng.ts';
export { createProgress, createTimer, type Progress } from './progress.ts';
export {
  cdfOf,
  type CdfPoints,
  type LatencySummary,
  median,
  percentile,
  Recorder,
  summarize,
} from './stats.ts';
export { runSuite, type SuiteOutcome } from './suite.ts';
