/**
 * The one error hierarchy of Clove. Every failure a caller can act on is an `AppError` with a stable,
 * machine-readable snake_case `code`. Codes are part of the public contract (HTTP bodies, CLI exit
 * codes, docs/errors.md): never rename one; add a new code instead.
 *
 * The mapping from code to HTTP status lives in `api/` and to exit code in `cli/`; this module knows
 * nothing about transports.
 */

/** Every stable error code, grouped by the layer that raises it. */
export const ERROR_CODES = [
  // request shape
  'invalid_request',
  'payload_too_large',
  'unauthenticated',
  'permission_denied',
  'not_found',
  // schema language
  'schema_syntax_error',
  'schema_invalid',
  'schema_not_found',
  'schema_in_use',
  // tuples and writes
  'invalid_tuple',
  'unknown_definition',
  'unknown_relation',
  'unknown_caveat',
  'write_to_permission',
  'subject_type_not_allowed',
  'caveat_required',
  'caveat_not_allowed',
  'expiration_not_allowed',
  'invalid_caveat_context',
  'batch_too_large',
  'tuple_already_exists',
  'duplicate_tuple_in_batch',
  'write_conflict',
  'precondition_failed',
  // consistency
  'invalid_zookie',
  'revision_expired',
  'invalid_cursor',
  // engine
  'wildcard_subject_not_allowed',
  'max_depth_exceeded',
  'caveat_evaluation_error',
  'limit_exceeded',
  // validation files
  'invalid_validation_file',
  // infrastructure
  'unavailable',
  'deadline_exceeded',
  'internal',
  // configuration (CLI and server start-up)
  'invalid_config',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AppErrorOptions {
  /** Structured, JSON-serialisable facts about the failure (which tuple, which line). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** Base class of every error Clove raises on purpose. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
  }
}

/** A source position: 1-based line and column, and a 0-based character offset. */
export interface Position {
  line: number;
  column: number;
  offset: number;
}

/** A half-open source range `[start, end)`. */
export interface Span {
  start: Position;
  end: Position;
}

/** One finding of the schema checker: data, not an exception. */
export interface Diagnostic {
  code: string;
  message: string;
  span: Span;
  hint?: string;
  severity?: 'error' | 'warning';
}

/** A schema that does not parse or does not check; carries every diagnostic found (capped). */
export class SchemaError extends AppError {
  readonly diagnostics: readonly Diagnostic[];

  constructor(
    code: 'schema_syntax_error' | 'schema_invalid',
    message: string,
    diagnostics: readonly Diagnostic[],
  ) {
    super(code, message, { details: { diagnostics } });
    this.name = 'SchemaError';
    this.diagnostics = diagnostics;
  }
}

/** A zookie, cursor or revision that cannot be served. */
export class ConsistencyError extends AppError {
  override name = 'ConsistencyError';
}

/** A failure of the tuple or schema store (conflicts, preconditions, lost connections). */
export class StoreError extends AppError {
  override name = 'StoreError';
}

/** A check, expand or lookup that cannot be answered (depth, caveat evaluation, limits). */
export class EngineError extends AppError {
  override name = 'EngineError';
}

/** Raised when an internal assumption breaks: a bug, reported as `internal`. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AppError('internal', `invariant violated: ${message}`);
}

/** Exhaustiveness helper for discriminated unions. */
export function assertNever(value: never, what = 'value'): never {
  throw new AppError('internal', `unexpected ${what}: ${JSON.stringify(value)}`);
}

/** True when `err` is an AppError (of any subclass), optionally with the given code. */
export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}
