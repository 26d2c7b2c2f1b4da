/**
 * @module engine
 * Check, bulk check and expand over a compiled schema at one snapshot. Every sub-problem goes
 * through one dispatch function that a bounded LRU cache wraps (keys carry schema hash + revision,
 * so entries never need invalidation); results are three-valued (allowed / denied / conditional on
 * missing caveat parameters), cycles in data terminate, and `explain` returns the proof.
 * Lookups (src/engine/lookup) build on `Engine.check` and `evaluateCaveat`.
 */
export { evaluateCaveat, type CaveatOutcome } from './caveat/evaluate.ts';
export { createEngine, DEFAULT_MAX_DEPTH, MAX_BULK_CHECK } from './engine.ts';
export {
  formatProof,
  proofTuples,
  type DenialSummary,
  type Proof,
  type ProofStep,
} from './proof.ts';
export { exprText } from './check/expr-text.ts';
export type {
  BulkCheckItem,
  CheckRequest,
  CheckResult,
  Engine,
  EngineOptions,
  EvalContext,
  ExpandNode,
  ExpandRequest,
  ExpandSubject,
  Permissionship,
} from './types.ts';
export * from './lookup/index.ts';
