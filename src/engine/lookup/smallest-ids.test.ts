import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { SmallestIds } from './smallest-ids.ts';

const idArb = fc.stringMatching(/^[a-c0-9_]{1,3}$/);
const addsArb = fc.array(fc.tuple(idArb, fc.boolean()), { maxLength: 60 });

/** The reference: every id above `after`, exact when any add said so, sorted, cut at `capacity`. */
function reference(
  adds: readonly (readonly [string, boolean])[],
  capacity: number,
  after: string | undefined,
): { kept: [string, boolean][]; overflowed: boolean } {
  const all = new Map<string, boolean>();
  for (const [id, exact] of adds) {
    if (after !== undefined && id <= after) continue;
    all.set(id, (all.get(id) ?? false) || exact);
  }
  const sorted = [...all].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return { kept: sorted.slice(0, capacity), overflowed: sorted.length > capacity };
}

describe('SmallestIds', () => {
  test.prop([addsArb, fc.integer({ min: 1, max: 20 }), fc.option(idArb, { nil: undefined })])(
    'keeps the smallest distinct ids above `after`, upgrading exactness',
    (adds, capacity, after) => {
      const top = new SmallestIds(capacity, after);
      for (const [id, exact] of adds) top.add(id, exact);
      const want = reference(adds, capacity, after);
      expect(top.sorted()).toEqual(want.kept);
      expect(top.overflowed).toBe(want.overflowed);
    },
  );

  test.prop([addsArb, fc.option(idArb, { nil: undefined })])(
    'keeps everything with an unbounded capacity',
    (adds, after) => {
      const top = new SmallestIds(Number.POSITIVE_INFINITY, after);
      for (const [id, exact] of adds) top.add(id, exact);
      expect(top.sorted()).toEqual(reference(adds, Number.POSITIVE_INFINITY, after).kept);
      expect(top.overflowed).toBe(false);
    },
  );

  test.prop([
    addsArb,
    fc.array(fc.tuple(fc.nat(60), idArb), { maxLength: 3 }),
    fc.integer({ min: 1, max: 20 }),
    fc.option(idArb, { nil: undefined }),
  ])('after cuts, keeps the smallest ids up to the lowest cut', (adds, cuts, capacity, after) => {
    const top = new SmallestIds(capacity, after);
    adds.forEach(([id, exact], i) => {
      for (const [at, cut] of cuts) if (at === i) top.cutAfter(cut);
      top.add(id, exact);
    });
    for (const [at, cut] of cuts) if (at >= adds.length) top.cutAfter(cut);
    const horizon = cuts.map(([, c]) => c).sort()[0];
    const below = adds.filter(([id]) => horizon === undefined || id <= horizon);
    const want = reference(below, capacity, after);
    expect(top.sorted()).toEqual(want.kept);
    expect(top.overflowed).toBe(cuts.length > 0 || reference(adds, capacity, after).overflowed);
  });

  it('refuses a capacity below one', () => {
    expect(() => new SmallestIds(0, undefined)).toThrow(RangeError);
  });
});
