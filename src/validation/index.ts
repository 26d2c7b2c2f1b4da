/**
 * @module validation
 * SpiceDB validation files (`zed validate` format): `loadValidationFile` parses one with source lines,
 * `runValidationFile` checks its assertions and expected relations against Clove's engine on a store.
 */
export { loadValidationFile, parseExpectedSubject } from './load.ts';
export {
  formatValidationFailures,
  runValidationFile,
  type AssertionResult,
  type ExpectedRelationResult,
  type RunOptions,
  type ValidationReport,
} from './run.ts';
export { foundSubjects, formatFound, type FoundSet, type FoundSubject } from './found-subjects.ts';
export type * from './types.ts';
