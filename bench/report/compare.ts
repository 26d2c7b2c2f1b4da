/**
 * Derived figures: medians across repeats, Clove-vs-SpiceDB ratios (like for like: Clove with its
 * cache off against the packaged SpiceDB, whose dispatch cache is disabled), and HTTP figures as a
 * fraction of the trivial-route ceiling measured in the same run.
 */
import type { PhaseResult } from '../phases/types.ts';
import { resultKey } from '../phases/types.ts';
import { median, medianSummary } from '../lib/stats.ts';

/** One record per key: medians of every repeat (errors and mismatches summed). */
export function aggregateRepeats(runs: readonly (readonly PhaseResult[])[]): PhaseResult[] {
  const groups = new Map<string, PhaseResult[]>();
  for (const run of runs)
    for (const r of run) {
      const k = resultKey(r);
      const g = groups.get(k);
      if (g) g.push(r);
      else groups.set(k, [r]);
    }
  return [...groups.values()].map((g) => {
    if (g.length === 1) return g[0]!;
    const mid = [...g].sort(
      (a, b) => (a.latency?.p50 ?? a.throughput) - (b.latency?.p50 ?? b.throughput),
    )[g.length >> 1]!;
    const notes: Record<string, number | string> = { ...mid.notes, repeats: g.length };
    for (const key of Object.keys(mid.notes)) {
      const nums = g.map((r) => r.notes[key]).filter((v): v is number => typeof v === 'number');
      if (nums.length === g.length) notes[key] = median(nums);
    }
    const lat = g.flatMap((r) => (r.latency ? [r.latency] : []));
    return {
      ...mid,
      ops: median(g.map((r) => r.ops)),
      durationMs: median(g.map((r) => r.durationMs)),
      throughput: median(g.map((r) => r.throughput)),
      latency: lat.length > 0 ? medianSummary(lat) : undefined,
      errors: g.reduce((s, r) => s + r.errors, 0),
      mismatches: g.reduce((s, r) => s + r.mismatches, 0),
      notes,
    };
  });
}

export interface Comparison {
  readonly phase: string;
  readonly consistency?: string;
  readonly concurrency: number;
  readonly cloveStore: string;
  readonly spicedbStore: string;
  readonly cloveP50: number;
  readonly spicedbP50: number;
  /** SpiceDB p50 / Clove p50: how many times lower Clove's median latency is. */
  readonly p50Ratio: number;
  readonly cloveThroughput: number;
  readonly spicedbThroughput: number;
  /** Clove throughput / SpiceDB throughput. */
  readonly throughputRatio: number;
  readonly unit: string;
}

/**
 * Pairs each SpiceDB record with the Clove in-process, cache-off record of the same phase,
 * consistency and concurrency, preferring the same kind of store (Postgres with Postgres).
 */
export function compareWithSpicedb(results: readonly PhaseResult[]): Comparison[] {
  const out: Comparison[] = [];
  for (const s of results.filter((r) => r.system === 'spicedb' && r.phase !== 'load')) {
    const candidates = results.filter(
      (r) =>
        r.target === 'clove engine' &&
        r.cache === 'off' &&
        r.phase === s.phase &&
        r.consistency === s.consistency &&
        r.concurrency === s.concurrency,
    );
    const c = candidates.find((r) => r.store === s.store) ?? candidates[0];
    if (!c) continue;
    out.push(pair(s, c));
  }
  const sl = results.find((r) => r.system === 'spicedb' && r.phase === 'load');
  const cl =
    sl &&
    (results.find((r) => r.phase === 'load' && r.system === 'clove' && r.store === sl.store) ??
      results.find((r) => r.phase === 'load' && r.system === 'clove'));
  if (sl && cl) out.unshift(pair(sl, cl));
  return out;
}

function pair(s: PhaseResult, c: PhaseResult): Comparison {
  const cp = c.latency?.p50 ?? Number.NaN;
  const sp = s.latency?.p50 ?? Number.NaN;
  return {
    phase: s.phase,
    consistency: s.consistency,
    concurrency: s.concurrency,
    cloveStore: c.store,
    spicedbStore: s.store,
    cloveP50: cp,
    spicedbP50: sp,
    p50Ratio: sp / cp,
    cloveThroughput: c.throughput,
    spicedbThroughput: s.throughput,
    throughputRatio: c.throughput / s.throughput,
    unit: c.unit,
  };
}
