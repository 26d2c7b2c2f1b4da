/**
 * Cross-API law property tests over generated schemas and data (intersections, exclusions, arrows,
 * `.all`, wildcards, caveats, expiration, cycles), with the naive reference check as the engine.
 */
import { fc, test } from '@fast-check/vitest';
import { describe } from 'vitest';
import { arrayReader, withOrderedQuery } from './support/array-reader.ts';
import { CONTEXTS, generateWorld } from './support/generate.ts';
import { assertLaws, PAGE_SIZE, worldDomain } from './support/laws.ts';
import { referenceEngine } from './support/reference-check.ts';

/** Per-property budget (ms) for all runs together. */
const LAW_TIMEOUT_MS = 300_000;

describe('cross-API law (reference check)', () => {
  test.prop(
    [
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      fc.constantFrom(...CONTEXTS),
      PAGE_SIZE,
      fc.boolean(),
    ],
    {
      numRuns: 25,
    },
  )(
    'lookupResources, lookupSubjects and permissionsOf agree with check',
    async (seed, context, pageSize, ordered) => {
      const world = generateWorld(seed);
      const plain = arrayReader(world.tuples, world.now);
      // Half the runs give the store the ordered capability, so the limited last hop is covered.
      const reader = ordered ? withOrderedQuery(plain, seed) : plain;
      const ctx = { reader, schema: world.schema };
      await assertLaws(referenceEngine(), ctx, worldDomain(world), context, [1, pageSize]);
    },
    // Generous: the suite shares a loaded machine; each run is small, the count is what costs.
    LAW_TIMEOUT_MS,
  );
});
