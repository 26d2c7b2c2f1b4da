/**
 * What a benchmark phase drives: one system (Clove in-process, Clove over HTTP, SpiceDB) behind a
 * uniform async interface. Targets answer in the workload's terms so every phase can verify each
 * answer against the generator's expectation (and, with `--vs spicedb`, against the other system).
 */
import type { ObjectRef } from '../../../src/model/index.ts';
import type { CheckCase, LookupResourcesCase, LookupSubjectsCase } from '../../workloads/index.ts';

/** The two consistency modes the suite measures. */
export type ConsistencyMode = 'minimize_latency' | 'fully_consistent';

/** A check answer; `error` when the system failed that item (counted, and fails the run). */
export type Answer = 'allowed' | 'denied' | 'conditional' | 'error';

export interface Target {
  /** Display name, e.g. `clove engine`, `clove http`, `spicedb`. */
  readonly name: string;
  readonly system: 'clove' | 'spicedb';
  /** How calls reach the system. */
  readonly mode: 'engine' | 'http' | 'embedded-grpc';
  /** Whether a cross-request cache is in play (`off` for SpiceDB embedded, see docs/benchmarks.md). */
  readonly cache: 'on' | 'off';
  check(c: CheckCase, consistency: ConsistencyMode): Promise<Answer>;
  /** One bulk call; answers in item order. */
  bulkCheck(cs: readonly CheckCase[], consistency: ConsistencyMode): Promise<Answer[]>;
  /** Resource ids found (any order; conditional results included). */
  lookupResources(l: LookupResourcesCase, consistency: ConsistencyMode): Promise<string[]>;
  /** Subject ids found (any order). */
  lookupSubjects(l: LookupSubjectsCase, consistency: ConsistencyMode): Promise<string[]>;
  /** Expands `resource#permission`; returns the number of tree nodes (a size the report can show). */
  expand(resource: ObjectRef, permission: string, consistency: ConsistencyMode): Promise<number>;
  /** Starts over with an empty cache (in-process targets), so that phases do not warm each other. */
  resetCache?(): void;
  /** Cache counters since the target was created, when the system exposes them. */
  cacheStats?(): { hits: number; misses: number };
  close(): Promise<void>;
}

/** Maps an engine/wire permissionship to an Answer. */
export function toAnswer(p: string | undefined): Answer {
  switch (p) {
    case 'allowed':
    case 'PERMISSIONSHIP_HAS_PERMISSION':
      return 'allowed';
    case 'denied':
    case 'PERMISSIONSHIP_NO_PERMISSION':
      return 'denied';
    case 'conditional':
    case 'PERMISSIONSHIP_CONDITIONAL_PERMISSION':
      return 'conditional';
    default:
      return 'error';
  }
}
