import { it } from 'vitest';
import { arrayReader } from './support/array-reader.ts';
import { generateWorld } from './support/generate.ts';
import { referenceEngine } from './support/reference-check.ts';
import { assertLaws } from './support/laws.ts';
it('one', async () => {
  for (const seed of [1, 2, 3, 1321854374]) {
    const world = generateWorld(seed);
    const ctx = { reader: arrayReader(world.tuples, world.now), schema: world.schema };
    const e = referenceEngine();
    const t = performance.now();
    try {
      await assertLaws(e, ctx, world, {});
    } catch (err) {
      console.log(seed, String(err).slice(0, 300));
    }
    console.log(
      seed,
      'laws',
      performance.now() - t,
      e.checks,
      (ctx.reader as any).reads,
      world.tuples.length,
    );
  }
}, 200000);
