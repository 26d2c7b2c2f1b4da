/**
 * Latency bookkeeping: a growable sample recorder (milliseconds from `performance.now()`, which is
 * monotonic and sub-microsecond), nearest-rank percentiles over sorted samples, and medians for
 * aggregating repeated runs.
 */

/** Percentiles and extremes of one phase, all in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** Points of the latency CDF (`[ms, fraction]`), downsampled for the chart. */
export type CdfPoints = readonly (readonly [number, number])[];

/** Monotonic time in milliseconds. */
export function now(): number {
  return performance.now();
}

/** Nearest-rank percentile of an ascending array (p in [0, 100]); 0 for an empty array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Median of a list (mean of the middle two for even lengths); 0 for an empty list. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Collects latency samples without per-sample allocation (doubling Float64Array). */
export class Recorder {
  private buf = new Float64Array(1024);
  private n = 0;

  record(ms: number): void {
    if (this.n === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = ms;
  }

  /** Appends another recorder's samples (concurrent workers merge into one phase). */
  merge(other: Recorder): void {
    for (const x of other.sorted()) this.record(x);
  }

  get count(): number {
    return this.n;
  }

  /** The samples in ascending order (a copy). */
  sorted(): Float64Array {
    return this.buf.slice(0, this.n).sort();
  }

  summary(): LatencySummary {
    return summarize(this.sorted());
  }

  /** About `points` CDF points, always including the p99.9 and max tails. */
  cdf(points = 120): CdfPoints {
    return cdfOf(this.sorted(), points);
  }
}

/** Summary of ascending samples. */
export function summarize(sorted: ArrayLike<number>): LatencySummary {
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i]!;
  return {
    count: sorted.length,
    mean: sorted.length === 0 ? 0 : sum / sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted.length === 0 ? 0 : sorted[sorted.length - 1]!,
  };
}

/** Downsampled CDF of ascending samples: evenly spaced ranks plus the extreme tail. */
export function cdfOf(sorted: ArrayLike<number>, points = 120): CdfPoints {
  const n = sorted.length;
  if (n === 0) return [];
  const out: [number, number][] = [];
  const fractions = new Set<number>();
  for (let i = 1; i <= points; i++) fractions.add(i / points);
  for (const f of [0.95, 0.99, 0.995, 0.999, 1]) fractions.add(f);
  for (const f of [...fractions].sort((a, b) => a - b)) out.push([percentile(sorted, f * 100), f]);
  return out;
}

/** Element-wise median of several summaries (one per repeat). */
export function medianSummary(list: readonly LatencySummary[]): LatencySummary {
  const pick = (k: keyof LatencySummary) => median(list.map((s) => s[k]));
  return {
    count: pick('count'),
    mean: pick('mean'),
    p50: pick('p50'),
    p95: pick('p95'),
    p99: pick('p99'),
    p999: pick('p999'),
    max: pick('max'),
  };
}

/** Formats milliseconds compactly: `0.123`, `1.23`, `12.3`, `123`. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1) return ms.toFixed(3);
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return ms.toFixed(0);
}

/** Formats a rate with thousands separators and no decimals (`12,345`). */
export function fmtRate(x: number): string {
  return Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–';
}
