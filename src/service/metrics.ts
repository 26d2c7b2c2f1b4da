/**
 * A small Prometheus registry with text exposition (format 0.0.4): counters, gauges and histograms
 * with labels. Hand-written instead of a dependency because Clove needs only these three types and
 * the exposition format is a few lines of text. Not safe across worker threads (one per process).
 */

type Labels = Readonly<Record<string, string>>;

const NO_LABELS: Labels = Object.freeze({});

/**
 * Series keys of label objects seen before. Hot callers pass the same (constant) label objects
 * every time, so a metric update costs a WeakMap lookup instead of a sort and three regex passes.
 */
const KEYS = new WeakMap<Labels, string>();

function labelKey(labels: Labels): string {
  let key = KEYS.get(labels);
  if (key === undefined) {
    const keys = Object.keys(labels).sort();
    key = keys.map((k) => `${k}="${escapeLabel(String(labels[k]))}"`).join(',');
    KEYS.set(labels, key);
  }
  return key;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function braces(key: string, extra?: string): string {
  const all = [key, extra].filter((s) => s !== undefined && s !== '').join(',');
  return all === '' ? '' : `{${all}}`;
}

function fmt(n: number): string {
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  return Number.isNaN(n) ? 'NaN' : String(n);
}

interface Metric {
  readonly name: string;
  render(): string;
}

/** A monotonically increasing count per label set. */
export class Counter implements Metric {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    private readonly help: string,
  ) {}

  inc(labels: Labels = NO_LABELS, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }

  /** The current value for exactly these labels (0 if never incremented). */
  get(labels: Labels = NO_LABELS): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.values) lines.push(`${this.name}${braces(k)} ${fmt(v)}`);
    return lines.join('\n');
  }
}

/** A value that goes up and down, or is computed on scrape by a collect function. */
export class Gauge implements Metric {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly collect?: () => number | undefined,
  ) {}

  set(value: number, labels: Labels = NO_LABELS): void {
    this.values.set(labelKey(labels), value);
  }

  add(delta: number, labels: Labels = NO_LABELS): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + delta);
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    if (this.collect) {
      const v = this.collect();
      if (v !== undefined) lines.push(`${this.name} ${fmt(v)}`);
    }
    for (const [k, v] of this.values) lines.push(`${this.name}${braces(k)} ${fmt(v)}`);
    return lines.join('\n');
  }
}

/** Latency-style seconds buckets: 0.5 ms .. 10 s. */
export const DEFAULT_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Cumulative-bucket histogram per label set, observed in seconds. */
export class Histogram implements Metric {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly buckets: readonly number[] = DEFAULT_BUCKETS,
  ) {}

  observe(value: number, labels: Labels = NO_LABELS): void {
    this.record(this.seriesOf(labelKey(labels)), value);
  }

  /**
   * A recorder for one fixed label set: the series is looked up once, so each observation is only
   * the bucket loop (for per-call hot paths such as store queries).
   */
  recorder(labels: Labels): (value: number) => void {
    const s = this.seriesOf(labelKey(labels));
    return (value) => this.record(s, value);
  }

  private seriesOf(k: string): { counts: number[]; sum: number; count: number } {
    let s = this.series.get(k);
    if (!s) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    return s;
  }

  private record(s: { counts: number[]; sum: number; count: number }, value: number): void {
    const counts = s.counts;
    for (let i = 0; i < this.buckets.length; i++)
      if (value <= (this.buckets[i] as number)) counts[i] = (counts[i] as number) + 1;
    s.sum += value;
    s.count += 1;
  }

  /** Number of observations for exactly these labels. */
  count(labels: Labels = NO_LABELS): number {
    return this.series.get(labelKey(labels))?.count ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      for (let i = 0; i < this.buckets.length; i++)
        lines.push(
          `${this.name}_bucket${braces(k, `le="${fmt(this.buckets[i] as number)}"`)} ${s.counts[i]}`,
        );
      lines.push(`${this.name}_bucket${braces(k, 'le="+Inf"')} ${s.count}`);
      lines.push(`${this.name}_sum${braces(k)} ${fmt(s.sum)}`);
      lines.push(`${this.name}_count${braces(k)} ${s.count}`);
    }
    return lines.join('\n');
  }
}

/** Holds metrics by name and renders them all for a scrape. */
export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();

  register<M extends Metric>(metric: M): M {
    if (this.metrics.has(metric.name)) throw new Error(`metric ${metric.name} registered twice`);
    this.metrics.set(metric.name, metric);
    return metric;
  }

  /** The Prometheus text exposition of every metric, newline-terminated. */
  render(): string {
    return `${[...this.metrics.values()].map((m) => m.render()).join('\n')}\n`;
  }
}

/** Content type of the text exposition. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Every metric Clove exports; created once per server (or per test). */
export interface CloveMetrics {
  readonly registry: MetricsRegistry;
  /** HTTP latency by method, route pattern and status. */
  readonly httpDuration: Histogram;
  /** Check results by outcome (`has_permission`, `no_permission`, `conditional_permission`, `error`). */
  readonly checkOutcomes: Counter;
  /** Store call latency by operation (`write`, `read`, `head_revision`, `read_schema`, ...). */
  readonly storeDuration: Histogram;
  /** Engine cache hits and misses, read from the engine on scrape. */
  readonly cacheHits: Gauge;
  readonly cacheMisses: Gauge;
  readonly cacheHitRatio: Gauge;
  /** What the engine cache holds now: entries and their estimated heap bytes. */
  readonly cacheEntries: Gauge;
  readonly cacheBytes: Gauge;
  /** The lookups' read cache (per-id store reads at one revision): hits, misses, estimated bytes. */
  readonly readCacheHits: Gauge;
  readonly readCacheMisses: Gauge;
  readonly readCacheBytes: Gauge;
  /** Requests being served right now. */
  readonly inFlight: Gauge;
}

/** Creates the registry with Clove's metrics. `cacheStats` is read lazily at scrape time. */
export function createMetrics(
  cacheStats: () =>
    | {
        hits: number;
        misses: number;
        entries?: number;
        bytes?: number;
        reads?: { hits: number; misses: number; bytes: number };
      }
    | undefined = () => undefined,
): CloveMetrics {
  const registry = new MetricsRegistry();
  return {
    registry,
    httpDuration: registry.register(
      new Histogram('clove_http_request_duration_seconds', 'HTTP request latency by route.'),
    ),
    checkOutcomes: registry.register(
      new Counter('clove_check_outcomes_total', 'Permission check results by outcome.'),
    ),
    storeDuration: registry.register(
      new Histogram('clove_store_query_duration_seconds', 'Store call latency by operation.'),
    ),
    cacheHits: registry.register(
      new Gauge(
        'clove_engine_cache_hits',
        'Engine cache hits since start.',
        () => cacheStats()?.hits,
      ),
    ),
    cacheMisses: registry.register(
      new Gauge(
        'clove_engine_cache_misses',
        'Engine cache misses since start.',
        () => cacheStats()?.misses,
      ),
    ),
    cacheHitRatio: registry.register(
      new Gauge('clove_engine_cache_hit_ratio', 'Engine cache hits / lookups since start.', () => {
        const s = cacheStats();
        if (!s) return undefined;
        const total = s.hits + s.misses;
        return total === 0 ? 0 : s.hits / total;
      }),
    ),
    cacheEntries: registry.register(
      new Gauge(
        'clove_engine_cache_entries',
        'Entries in the engine cache now.',
        () => cacheStats()?.entries,
      ),
    ),
    cacheBytes: registry.register(
      new Gauge(
        'clove_engine_cache_bytes',
        'Estimated heap bytes of the engine cache entries now (bounded by CLOVE_CACHE_MAX_BYTES).',
        () => cacheStats()?.bytes,
      ),
    ),
    readCacheHits: registry.register(
      new Gauge(
        'clove_engine_read_cache_hits',
        'Lookup walk reads answered from the read cache since start (one per id).',
        () => cacheStats()?.reads?.hits,
      ),
    ),
    readCacheMisses: registry.register(
      new Gauge(
        'clove_engine_read_cache_misses',
        'Lookup walk reads the read cache did not hold since start (one per id).',
        () => cacheStats()?.reads?.misses,
      ),
    ),
    readCacheBytes: registry.register(
      new Gauge(
        'clove_engine_read_cache_bytes',
        'Estimated heap bytes of the read cache now (a quarter of CLOVE_CACHE_MAX_BYTES).',
        () => cacheStats()?.reads?.bytes,
      ),
    ),
    inFlight: registry.register(
      new Gauge('clove_http_requests_in_flight', 'HTTP requests currently being served.'),
    ),
  };
}
