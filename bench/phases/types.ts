/**
 * The record every phase returns, and the verifier phases report answers to. A run's report is
 * a list of these records; repeated runs are aggregated record by record (same `key`).
 */
import type { CdfPoints, LatencySummary } from '../lib/stats.ts';
import type { ConsistencyMode } from '../lib/targets/types.ts';

export const PHASES = [
  'load',
  'check',
  'check-concurrent',
  'bulk-check',
  'lookup-resources',
  'lookup-subjects',
  'expand',
] as const;
export type PhaseName = (typeof PHASES)[number];

export interface PhaseResult {
  readonly phase: PhaseName | 'http-ceiling';
  /** `clove engine`, `clove http`, `spicedb`, `trivial route`. */
  readonly target: string;
  readonly system: 'clove' | 'spicedb' | 'hono';
  readonly store: string;
  readonly cache: 'on' | 'off' | 'n/a';
  readonly consistency?: ConsistencyMode;
  readonly concurrency: number;
  /** Operations timed (checks, batches, lookups, relationships). */
  readonly ops: number;
  /** What `throughput` counts per second: `checks`, `relationships`, `lookups`, `requests`. */
  readonly unit: string;
  readonly durationMs: number;
  readonly throughput: number;
  readonly latency?: LatencySummary;
  readonly cdf?: CdfPoints;
  readonly errors: number;
  readonly mismatches: number;
  /** Extra figures: RSS (MB), cache hit ratio, mean result count, fraction of the HTTP ceiling. */
  readonly notes: Readonly<Record<string, number | string>>;
}

/** A stable identity of a record across repeats. */
export function resultKey(r: PhaseResult): string {
  return [r.phase, r.target, r.store, r.cache, r.consistency ?? '', r.concurrency].join('|');
}

/**
 * Collects every verification failure, and every answer per system so that Clove and SpiceDB can
 * be compared with each other as well as with the workload's expectations.
 */
export class Verifier {
  readonly failures: string[] = [];
  private readonly answers = new Map<string, Map<string, string>>();
  count = 0;

  /** Records one answer of `system` to query `key`; a differing `expected` is a failure. */
  record(system: string, key: string, actual: string, expected: string): boolean {
    let m = this.answers.get(system);
    if (!m) {
      m = new Map();
      this.answers.set(system, m);
    }
    m.set(key, actual);
    if (actual === expected) return true;
    this.count++;
    if (this.failures.length < 50)
      this.failures.push(`${system}: ${key} → ${actual}, expected ${expected}`);
    return false;
  }

  /** Adds failures found elsewhere (the HTTP load process reports a count and examples). */
  addFailures(target: string, count: number, examples: readonly string[]): void {
    this.count += count;
    for (const e of examples) if (this.failures.length < 50) this.failures.push(`${target}: ${e}`);
  }

  /** Keeps the first few distinct error messages per target, for the report. */
  noteError(target: string, e: unknown): void {
    const text = `${target}: error ${e instanceof Error ? e.message : String(e)}`.slice(0, 300);
    if (this.errors.length < 20 && !this.errors.includes(text)) this.errors.push(text);
  }

  readonly errors: string[] = [];

  /** Compares the answers of two systems on every query both answered; returns disagreements. */
  crossCheck(a: string, b: string): { compared: number; differing: number } {
    const ma = this.answers.get(a);
    const mb = this.answers.get(b);
    if (!ma || !mb) return { compared: 0, differing: 0 };
    let compared = 0;
    let differing = 0;
    for (const [k, v] of ma) {
      const w = mb.get(k);
      if (w === undefined) continue;
      compared++;
      if (v !== w) {
        differing++;
        this.count++;
        if (this.failures.length < 50) this.failures.push(`${a} vs ${b}: ${k} → ${v} vs ${w}`);
      }
    }
    return { compared, differing };
  }
}

/** Resident set size of this process in MB. */
export function rssMb(): number {
  return Math.round(process.memoryUsage().rss / 1e6);
}
