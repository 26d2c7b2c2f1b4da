import { describe, expect, it } from 'vitest';
import { formatTuple } from '../../src/model/index.ts';
import { WORKLOADS } from './index.ts';

// The smallest named size: smaller graphs of the arrow shapes are so dense that nearly every check is allowed.
const SIZE = 10_000;

describe.each(Object.keys(WORKLOADS))('workload %s', (name) => {
  const gen = WORKLOADS[name]!;
  const w = gen.generate(SIZE, 7, { checks: 400, lookups: 5 });
  const lines = Array.from(w.tuples, formatTuple);

  it('is deterministic for a seed and differs for another seed', () => {
    const again = gen.generate(SIZE, 7, { checks: 400, lookups: 5 });
    expect(Array.from(again.tuples, formatTuple)).toEqual(lines);
    expect(again.checks).toEqual(w.checks);
    expect(again.lookupResources).toEqual(w.lookupResources);
    const other = gen.generate(SIZE, 8, { checks: 400, lookups: 5 });
    expect(Array.from(other.tuples, formatTuple)).not.toEqual(lines);
  });

  it('streams exactly tupleCount distinct tuples near the requested size', () => {
    expect(lines.length).toBe(w.tupleCount);
    expect(new Set(lines).size).toBe(lines.length);
    expect(w.tupleCount).toBeGreaterThan(SIZE * 0.6);
    expect(w.tupleCount).toBeLessThan(SIZE * 1.6);
  });

  it('re-iterates the tuple stream from the start', () => {
    const first = w.tuples[Symbol.iterator]().next().value;
    expect(first && formatTuple(first)).toBe(lines[0]);
  });

  it('has the requested number of checks, half allowed, with near misses', () => {
    expect(w.checks).toHaveLength(400);
    expect(w.checks.filter((c) => c.expected === 'allowed')).toHaveLength(200);
    expect(w.checks.some((c) => c.label.startsWith('near-miss') && c.expected === 'denied')).toBe(
      true,
    );
  });

  it('has lookups with sorted expected ids', () => {
    expect(w.lookupResources.length).toBeGreaterThan(0);
    expect(w.lookupSubjects.length).toBeGreaterThan(0);
    for (const l of [...w.lookupResources, ...w.lookupSubjects])
      expect([...l.expected]).toEqual([...l.expected].sort());
  });
});
