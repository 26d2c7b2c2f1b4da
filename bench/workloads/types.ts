/**
 * The shape every benchmark workload produces: a schema, a stream of tuples, and query sets whose
 * expected answers the generator computed itself (by construction or by a reference evaluation over
 * its own in-memory graph), so that a benchmark run also verifies correctness.
 */
import type { ObjectRef, SubjectRef, Tuple } from '../../src/model/index.ts';

/** Named sizes: roughly 10k, 200k and 1M relationships. A number asks for about that many tuples. */
export type SizeName = 'small' | 'medium' | 'large';
export type Size = SizeName | number;

/** Target relationship counts of the named sizes. */
export const SIZE_TUPLES: Readonly<Record<SizeName, number>> = {
  small: 10_000,
  medium: 200_000,
  large: 1_000_000,
};

/** Resolves a size to its target tuple count (numbers are clamped to at least 200). */
export function targetTuples(size: Size): number {
  return typeof size === 'number' ? Math.max(200, Math.floor(size)) : SIZE_TUPLES[size];
}

export type Expected = 'allowed' | 'denied';

/** One permission check and its known answer. `label` says why the case was chosen (`nested-group`, `near-miss:banned`, …). */
export interface CheckCase {
  readonly resource: ObjectRef;
  readonly permission: string;
  readonly subject: SubjectRef;
  readonly expected: Expected;
  readonly label: string;
}

/** LookupResources: every `resourceType` id on which `subject` has `permission`, sorted. */
export interface LookupResourcesCase {
  readonly resourceType: string;
  readonly permission: string;
  readonly subject: SubjectRef;
  readonly expected: readonly string[];
}

/** LookupSubjects: every `subjectType` id (subject relation `...`) with `permission` on `resource`, sorted. */
export interface LookupSubjectsCase {
  readonly resource: ObjectRef;
  readonly permission: string;
  readonly subjectType: string;
  readonly expected: readonly string[];
}

/** A generated workload. `tuples` is re-iterable and streamed: each iteration regenerates the same sequence. */
export interface Workload {
  readonly name: string;
  readonly size: Size;
  readonly seed: number;
  readonly schemaText: string;
  /** Exact number of tuples `tuples` yields (for progress bars and load throughput). */
  readonly tupleCount: number;
  readonly tuples: Iterable<Tuple>;
  readonly checks: readonly CheckCase[];
  readonly lookupResources: readonly LookupResourcesCase[];
  readonly lookupSubjects: readonly LookupSubjectsCase[];
  /** Short facts about the generated graph (counts, depths) for the report. */
  readonly facts: Readonly<Record<string, number>>;
}

/** Knobs mostly for tests: how many checks (default 10,000) and lookups (default 20 of each kind). */
export interface GenerateOptions {
  readonly checks?: number;
  readonly lookups?: number;
}

/** A named, deterministic workload generator. */
export interface WorkloadGenerator {
  readonly name: string;
  readonly description: string;
  generate(size: Size, seed: number, options?: GenerateOptions): Workload;
}

export const DEFAULT_CHECKS = 10_000;
export const DEFAULT_LOOKUPS = 20;
