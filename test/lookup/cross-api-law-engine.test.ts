/**
 * The cross-API laws against the real check engine (cache on and off): lookups must agree with
 * `createEngine().check` on generated schemas and data, caveats evaluated by the engine's CEL.
 */
import { fc, test } from '@fast-check/vitest';
import { describe } from 'vitest';
import { createEngine } from '../../src/engine/index.ts';
import { arrayReader, withOrderedQuery } from './support/array-reader.ts';
import { CONTEXTS, generateWorld } from './support/generate.ts';
import { assertLaws, PAGE_SIZE, worldDomain } from './support/laws.ts';

/** Per-property budget (ms) for all runs together. */
const LAW_TIMEOUT_MS = 300_000;

describe.each([
  ['cache on', () => createEngine()],
  ['cache off', () => createEngine({ cache: false })],
])('cross-API law (engine, %s)', (_name, makeEngine) => {
  const engine = makeEngine();
  // Each world is its own snapshot. The engine's cache keys results by schema hash and revision,
  // and different seeds can generate the same schema: worlds sharing a revision would read each
  // other's cached answers (a test artifact, not an engine fault: a store never reuses a revision).
  let revision = 0;
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
      const plain = arrayReader(world.tuples, world.now, ++revision);
      // Half the runs give the store the ordered capability, so the limited last hop is covered.
      const reader = ordered ? withOrderedQuery(plain, seed) : plain;
      const ctx = { reader, schema: world.schema };
      await assertLaws(engine, ctx, worldDomain(world), context, [1, pageSize]);
    },
    // Generous: the suite shares a loaded machine; each run is small, the count is what costs.
    LAW_TIMEOUT_MS,
  );
});
