import { describe, expect, it } from 'vitest';
import { Counter, createMetrics, Gauge, Histogram, MetricsRegistry } from './metrics.ts';

describe('Prometheus exposition', () => {
  it('renders counters, gauges and cumulative histograms', () => {
    const r = new MetricsRegistry();
    const c = r.register(new Counter('c_total', 'A counter.'));
    const g = r.register(new Gauge('g', 'A gauge.', () => 0.5));
    const h = r.register(new Histogram('h_seconds', 'A histogram.', [0.1, 1]));
    c.inc({ kind: 'a"b' });
    c.inc({ kind: 'a"b' }, 2);
    g.set(3, { x: 'y' });
    h.observe(0.05, { route: '/r' });
    h.observe(0.5, { route: '/r' });
    h.observe(5, { route: '/r' });
    expect(r.render()).toBe(
      [
        '# HELP c_total A counter.',
        '# TYPE c_total counter',
        'c_total{kind="a\\"b"} 3',
        '# HELP g A gauge.',
        '# TYPE g gauge',
        'g 0.5',
        'g{x="y"} 3',
        '# HELP h_seconds A histogram.',
        '# TYPE h_seconds histogram',
        'h_seconds_bucket{route="/r",le="0.1"} 1',
        'h_seconds_bucket{route="/r",le="1"} 2',
        'h_seconds_bucket{route="/r",le="+Inf"} 3',
        'h_seconds_sum{route="/r"} 5.55',
        'h_seconds_count{route="/r"} 3',
        '',
      ].join('\n'),
    );
  });

  it('exports the engine cache counters, its entries and its estimated bytes', () => {
    const text = createMetrics(() => ({
      hits: 3,
      misses: 1,
      entries: 7,
      bytes: 2048,
    })).registry.render();
    expect(text).toContain('clove_engine_cache_hits 3');
    expect(text).toContain('clove_engine_cache_hit_ratio 0.75');
    expect(text).toContain('clove_engine_cache_entries 7');
    expect(text).toContain('clove_engine_cache_bytes 2048');
    expect(text).not.toMatch(/^clove_engine_read_cache_hits /m);
  });

  it('exports the read cache of the lookups when the engine has one', () => {
    const text = createMetrics(() => ({
      hits: 0,
      misses: 0,
      reads: { hits: 40, misses: 9, bytes: 4096 },
    })).registry.render();
    expect(text).toContain('clove_engine_read_cache_hits 40');
    expect(text).toContain('clove_engine_read_cache_misses 9');
    expect(text).toContain('clove_engine_read_cache_bytes 4096');
  });

  it('refuses a metric name twice', () => {
    const r = new MetricsRegistry();
    r.register(new Counter('x', 'x'));
    expect(() => r.register(new Counter('x', 'x'))).toThrow();
  });
});
