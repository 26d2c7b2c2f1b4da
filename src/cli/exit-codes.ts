/**
 * The one mapping from error codes to process exit codes, grouped so scripts can branch on the kind
 * of failure. 0 is success and 1 means "the command ran and the answer is no" (a denied check, a
 * failing validation file); everything else is an error. `Record<ErrorCode, ...>` makes the
 * compiler flag a code added to `src/errors.ts` without an exit code here.
 */
import type { ErrorCode } from '../errors.ts';

export const EXIT = {
  ok: 0,
  /** The command worked and the answer is negative (denied, assertion failed). */
  no: 1,
  usage: 2,
  schema: 3,
  data: 4,
  conflict: 5,
  auth: 6,
  notFound: 7,
  evaluation: 8,
  unavailable: 9,
  internal: 10,
} as const;

/** Exit code of every error code. */
export const EXIT_CODE: Record<ErrorCode, number> = {
  invalid_request: EXIT.usage,
  invalid_config: EXIT.usage,
  payload_too_large: EXIT.usage,
  unauthenticated: EXIT.auth,
  permission_denied: EXIT.auth,
  not_found: EXIT.notFound,
  schema_syntax_error: EXIT.schema,
  schema_invalid: EXIT.schema,
  schema_not_found: EXIT.notFound,
  schema_in_use: EXIT.conflict,
  invalid_tuple: EXIT.data,
  unknown_definition: EXIT.data,
  unknown_relation: EXIT.data,
  unknown_caveat: EXIT.data,
  write_to_permission: EXIT.data,
  subject_type_not_allowed: EXIT.data,
  caveat_required: EXIT.data,
  caveat_not_allowed: EXIT.data,
  expiration_not_allowed: EXIT.data,
  invalid_caveat_context: EXIT.data,
  batch_too_large: EXIT.data,
  duplicate_tuple_in_batch: EXIT.data,
  invalid_validation_file: EXIT.data,
  tuple_already_exists: EXIT.conflict,
  write_conflict: EXIT.conflict,
  precondition_failed: EXIT.conflict,
  invalid_zookie: EXIT.data,
  revision_expired: EXIT.data,
  invalid_cursor: EXIT.data,
  wildcard_subject_not_allowed: EXIT.data,
  max_depth_exceeded: EXIT.evaluation,
  caveat_evaluation_error: EXIT.evaluation,
  limit_exceeded: EXIT.evaluation,
  unavailable: EXIT.unavailable,
  deadline_exceeded: EXIT.unavailable,
  internal: EXIT.internal,
};

/** Exit code for a code string from the server (unknown codes count as internal). */
export function exitCodeOf(code: string): number {
  return Object.hasOwn(EXIT_CODE, code) ? EXIT_CODE[code as ErrorCode] : EXIT.internal;
}
