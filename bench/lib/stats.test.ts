import { describe, expect, it } from 'vitest';
import { cdfOf, median, percentile, Recorder, summarize } from './stats.ts';
import { createPrng } from './prng.ts';

describe('stats', () => {
  it('takes nearest-rank percentiles of sorted samples', () => {
    const xs = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 99.9)).toBe(100);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([], 50)).toBe(0);
  });

  it('summarises a recorder regardless of insertion order', () => {
    const r = new Recorder();
    for (const x of [5, 1, 4, 2, 3]) r.record(x);
    expect(summarize(r.sorted())).toMatchObject({ count: 5, p50: 3, max: 5, mean: 3 });
  });

  it('grows past its initial buffer', () => {
    const r = new Recorder();
    for (let i = 0; i < 5000; i++) r.record(i);
    expect(r.count).toBe(5000);
    expect(r.summary().max).toBe(4999);
  });

  it('medians odd and even lists', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  it('builds a monotone CDF ending at the maximum', () => {
    const cdf = cdfOf(Float64Array.from([1, 2, 3, 4, 10]), 10);
    expect(cdf.at(-1)).toEqual([10, 1]);
    for (let i = 1; i < cdf.length; i++) expect(cdf[i]![0]).toBeGreaterThanOrEqual(cdf[i - 1]![0]);
  });
});

describe('prng', () => {
  it('repeats a sequence for a seed', () => {
    const a = createPrng(42);
    const b = createPrng(42);
    expect(Array.from({ length: 5 }, () => a.next())).toEqual(
      Array.from({ length: 5 }, () => b.next()),
    );
  });

  it('keeps int within range', () => {
    const r = createPrng(1);
    for (let i = 0; i < 1000; i++) {
      const x = r.int(7);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(7);
    }
  });
});
