/**
 * The differential machinery itself, without SpiceDB: run settings from the environment, tuple
 * reduction, and the shape of a failure report after fast-check shrinking.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseTuple } from '../../src/model/index.ts';
import { diffCaseArb } from '../support/generators/index.ts';
import {
  caseText,
  diffConfig,
  formatQuery,
  Mismatch,
  reduceTuples,
  runDifferential,
} from './support.ts';

describe('differential support', () => {
  afterEach(() => {
    delete process.env.DIFF_SEED;
    delete process.env.DIFF_CASES;
  });

  it('reads DIFF_SEED / DIFF_CASES and rejects non-integers', () => {
    expect(diffConfig({ seed: 1, cases: 2 })).toMatchObject({ seed: 1, cases: 2 });
    process.env.DIFF_SEED = '42';
    process.env.DIFF_CASES = '7';
    expect(diffConfig({ seed: 1, cases: 2 })).toMatchObject({ seed: 42, cases: 7 });
    process.env.DIFF_CASES = 'many';
    expect(() => diffConfig({ seed: 1, cases: 2 })).toThrow(/DIFF_CASES must be an integer/);
  });

  it('reduces tuples to the ones a failure needs', async () => {
    const tuples = ['doc:a#viewer@user:u1', 'doc:b#viewer@user:u2', 'doc:c#viewer@user:u3'].map(
      parseTuple,
    );
    const kept = await reduceTuples(tuples, async (ts) => ts.some((t) => t.resource.id === 'b'));
    expect(kept).toEqual([tuples[1]]);
  });

  it('formats queries in the relationship form', () => {
    expect(
      formatQuery(
        { type: 'doc', id: 'a' },
        'view',
        { type: 'team', id: 't', relation: 'member' },
        { num: 1 },
      ),
    ).toBe('doc:a#view@team:t#member with {"num":1}');
  });

  it('reports a shrunk failure with the seed to replay it', async () => {
    const cfg = { seed: 5, cases: 50, shrinkMs: 20_000 };
    const run = runDifferential('demo', cfg, diffCaseArb({ checks: 1 }), async (c) => {
      if (c.tuples.length >= 3)
        throw new Mismatch(
          'check',
          'doc:a#viewer@user:u1',
          { SpiceDB: 'allowed', Clove: 'denied' },
          caseText(c),
        );
    });
    const err = await run.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toContain('replay with DIFF_SEED=5 DIFF_CASES=50');
    expect(err?.message).toContain('Clove disagrees with SpiceDB on check');
    // Shrinking leaves the smallest failing case: exactly three tuples.
    expect(err?.message).toContain('tuples (3):');
  });
});
