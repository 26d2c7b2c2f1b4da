/**
 * Result and error types of the SpiceDB harness (test/support/spicedb.ts), in Clove's vocabulary.
 */
import type { ObjectRef, SubjectRef } from '../../src/model/index.ts';

/** Clove's three check answers, named as in the engine. */
export type Permissionship = 'allowed' | 'denied' | 'conditional';

/** A check answer; `missingParams` lists caveat parameters SpiceDB needed (conditional only; deduplicated and sorted, SpiceDB repeats names). */
export interface CheckOutcome {
  readonly permissionship: Permissionship;
  readonly missingParams?: readonly string[];
}

/** A caveat context as JSON (the request-time `context` of check and lookups). */
export type CaveatContext = Readonly<Record<string, unknown>>;

/** One item of `checkBulk`. Refs may be given as text (`document:d1`, `group:g#member`). */
export interface CheckItem {
  readonly resource: ObjectRef | string;
  readonly permission: string;
  readonly subject: SubjectRef | string;
  readonly context?: CaveatContext;
}

/** A `checkBulk` answer: the outcome, or the error SpiceDB returned for that item alone. */
export type BulkOutcome = CheckOutcome | { readonly error: SpiceDBCallError };

/** One `lookupResources` result (SpiceDB never returns denied resources). */
export interface LookedUpResource {
  readonly resourceId: string;
  readonly permissionship: Exclude<Permissionship, 'denied'>;
  readonly missingParams?: readonly string[];
}

/** One `lookupSubjects` result; a wildcard (`subjectId === '*'`) may carry excluded subjects. */
export interface LookedUpSubject {
  readonly subjectId: string;
  readonly permissionship: Exclude<Permissionship, 'denied'>;
  readonly missingParams?: readonly string[];
  readonly excludedSubjects: readonly {
    readonly subjectId: string;
    readonly permissionship: Exclude<Permissionship, 'denied'>;
  }[];
}

/** A node of SpiceDB's expand tree, reduced to plain data. */
export type ExpandNode =
  | {
      readonly kind: 'union' | 'intersection' | 'exclusion';
      readonly object?: string;
      readonly relation: string;
      readonly children: readonly ExpandNode[];
    }
  | {
      readonly kind: 'leaf';
      readonly object?: string;
      readonly relation: string;
      readonly subjects: readonly string[];
    };

export interface StartOptions {
  /** `memory` (default, memdb) or an already-migrated Postgres (`spicedb datastore migrate head`). */
  readonly datastore?: 'memory' | { readonly postgresUri: string };
}

/** An error returned by a SpiceDB RPC; `grpcCode` is parsed from the Go error text when present. */
export class SpiceDBCallError extends Error {
  readonly grpcCode: string | undefined;
  constructor(operation: string, cause: unknown) {
    const text = cause instanceof Error ? cause.message : String(cause);
    super(`SpiceDB ${operation} failed: ${text}`, { cause });
    this.name = 'SpiceDBCallError';
    // FFI calls report Go's `rpc error: code = FailedPrecondition desc = …`; streaming calls report
    // grpc-js's `9 FAILED_PRECONDITION: …`. Both are normalised to the CamelCase name.
    const go = /code = (\w+)/.exec(text)?.[1];
    const js = /^\d+ ([A-Z_]+):/.exec(text)?.[1];
    this.grpcCode =
      go ??
      (js
        ? js.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase())
        : undefined);
  }

  /** SpiceDB gives up on recursion deeper than its dispatch depth (data cycles, long chains). */
  get isMaxDepth(): boolean {
    return /max(imum)? depth/i.test(this.message);
  }
}
