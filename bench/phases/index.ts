/**
 * @module bench/phases
 * The measured phases (load, single and concurrent checks, bulk checks, lookups, expand), the
 * record each returns (`PhaseResult`) and the `Verifier` every answer is reported to.
 */
export { loadClove } from './load.ts';
export {
  runBulkChecks,
  runChecksConcurrent,
  runChecksSequential,
  runExpand,
  runLookups,
} from './queries.ts';
export { runQueryPhases } from './run-phases.ts';
export { PHASES, type PhaseName, type PhaseResult, resultKey, Verifier } from './types.ts';
