/**
 * The one mapping from error codes to HTTP statuses, and the one error body shape:
 * `{"error": {"code", "message", "details"}}`. The table is a `Record<ErrorCode, ...>`, so adding a
 * code to `src/errors.ts` without a status here fails the type check.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AppError, type ErrorCode } from '../errors.ts';

/** HTTP status of every error code. */
export const HTTP_STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  invalid_request: 400,
  payload_too_large: 413,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  schema_syntax_error: 400,
  schema_invalid: 400,
  schema_not_found: 404,
  schema_in_use: 409,
  invalid_tuple: 400,
  unknown_definition: 400,
  unknown_relation: 400,
  unknown_caveat: 400,
  write_to_permission: 400,
  subject_type_not_allowed: 400,
  caveat_required: 400,
  caveat_not_allowed: 400,
  expiration_not_allowed: 400,
  invalid_caveat_context: 400,
  batch_too_large: 413,
  tuple_already_exists: 409,
  duplicate_tuple_in_batch: 400,
  write_conflict: 409,
  precondition_failed: 412,
  invalid_zookie: 400,
  revision_expired: 400,
  invalid_cursor: 400,
  wildcard_subject_not_allowed: 400,
  max_depth_exceeded: 422,
  caveat_evaluation_error: 422,
  limit_exceeded: 422,
  unavailable: 503,
  deadline_exceeded: 504,
  internal: 500,
  invalid_config: 500,
  invalid_validation_file: 400,
};

/** The JSON error body every route returns. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: Record<string, unknown> };
}

/** Builds the body and status for an AppError. */
export function toErrorResponse(err: AppError): { status: ContentfulStatusCode; body: ErrorBody } {
  return {
    status: HTTP_STATUS[err.code] ?? 500,
    body: { error: { code: err.code, message: err.message, details: err.details ?? {} } },
  };
}

/** The body for an unexpected failure: a fixed message, never the original error or stack. */
export function internalError(requestId?: string): AppError {
  return new AppError('internal', 'internal error', {
    details: requestId ? { requestId } : {},
  });
}
