import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { conditional, FALSE, TRUE, type Tri } from '../tri.ts';
import {
  defaultCacheMaxBytes,
  ENTRY_OVERHEAD_BYTES,
  estimateEntryBytes,
  MAX_DEFAULT_CACHE_BYTES,
  stringBytes,
  triBytes,
} from './cache-size.ts';
import { createDispatchCache } from './dispatcher.ts';

const entry = (tri: Tri = TRUE, until = Number.POSITIVE_INFINITY) => ({
  outcome: { tri, until },
  computedAt: 1_700_000_000_000,
});

const KEY = 's0|42|user:ann||document:readme#view';

describe('estimateEntryBytes', () => {
  it('is the overhead plus the key characters (rounded to 8) for shared true/false results', () => {
    expect(KEY.length).toBe(36);
    expect(estimateEntryBytes(KEY, entry(TRUE))).toBe(ENTRY_OVERHEAD_BYTES + 40);
    expect(estimateEntryBytes(KEY, entry(FALSE))).toBe(ENTRY_OVERHEAD_BYTES + 40);
  });

  it('counts two bytes per character once a key holds a character outside Latin-1', () => {
    const latin1 = `${KEY}é`;
    const twoByte = `${KEY}€`;
    expect(estimateEntryBytes(latin1, entry()) - ENTRY_OVERHEAD_BYTES).toBe(40);
    expect(estimateEntryBytes(twoByte, entry()) - ENTRY_OVERHEAD_BYTES).toBe(80);
  });

  it('adds the conditional payload: the tri object, its missing array and the names', () => {
    const one = conditional(['ip']);
    const two = conditional(['ip', 'tenant']);
    expect(triBytes(TRUE)).toBe(0);
    expect(triBytes(one)).toBeGreaterThan(0);
    expect(triBytes(two) - triBytes(one)).toBe(8 + stringBytes('tenant'));
    expect(estimateEntryBytes(KEY, entry(one))).toBe(
      estimateEntryBytes(KEY, entry(TRUE)) + triBytes(one),
    );
  });

  it('counts an unshared true/false object but not the shared constants', () => {
    expect(triBytes({ v: 'T' })).toBeGreaterThan(0);
    expect(triBytes({ v: 'F' })).toBeGreaterThan(0);
  });

  test.prop([
    fc.string({ maxLength: 300 }),
    fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }),
  ])('is a positive integer that grows with the key', (key, missing) => {
    const tri = missing.length > 0 ? conditional(missing) : TRUE;
    const n = estimateEntryBytes(key, entry(tri));
    expect(Number.isInteger(n)).toBe(true);
    expect(n).toBeGreaterThanOrEqual(ENTRY_OVERHEAD_BYTES + key.length);
    expect(estimateEntryBytes(`${key}${'x'.repeat(16)}`, entry(tri))).toBeGreaterThan(n);
  });

  it('stringBytes is a 16-byte header plus the characters rounded up to 8', () => {
    expect(stringBytes('')).toBe(16);
    expect(stringBytes('a')).toBe(24);
    expect(stringBytes('abcdefgh')).toBe(24);
    expect(stringBytes('abcdefghi')).toBe(32);
    expect(stringBytes('€')).toBe(24);
  });
});

describe('defaultCacheMaxBytes', () => {
  it('is 256 MiB on a large heap and a quarter of a small one', () => {
    expect(defaultCacheMaxBytes(4 * 1024 ** 3)).toBe(MAX_DEFAULT_CACHE_BYTES);
    expect(MAX_DEFAULT_CACHE_BYTES).toBe(256 * 1024 ** 2);
    expect(defaultCacheMaxBytes(512 * 1024 ** 2)).toBe(128 * 1024 ** 2);
    expect(defaultCacheMaxBytes()).toBeGreaterThan(0);
    expect(defaultCacheMaxBytes()).toBeLessThanOrEqual(MAX_DEFAULT_CACHE_BYTES);
  });
});

describe('createDispatchCache bounds', () => {
  const keyOf = (i: number) => `s0|7|user:u${i}||document:d${i}#view`;

  it('filled far past its byte bound, stays under it and keeps the most recent entries', () => {
    const maxBytes = 64 * 1024;
    const cache = createDispatchCache({ maxBytes });
    const n = 2_000;
    for (let i = 0; i < n; i++) {
      cache.lru.set(keyOf(i), entry(i % 3 === 0 ? conditional([`p${i}`]) : TRUE));
      expect(cache.lru.calculatedSize).toBeLessThanOrEqual(maxBytes);
    }
    const size = cache.lru.size;
    expect(size).toBeGreaterThan(100);
    expect(size).toBeLessThan(n);
    // The survivors are exactly the newest `size` keys.
    for (let i = 0; i < n; i++) expect(cache.lru.has(keyOf(i))).toBe(i >= n - size);
    // The running total is the sum of the estimates of what is held.
    let sum = 0;
    for (const [k, v] of cache.lru.entries()) sum += estimateEntryBytes(k, v);
    expect(cache.lru.calculatedSize).toBe(sum);
  });

  it('evicts the least recently used entry, not the oldest inserted', () => {
    const one = estimateEntryBytes(keyOf(0), entry());
    // Room for exactly three entries of this key length.
    const cache = createDispatchCache({ maxBytes: 3 * one + one - 1 });
    for (let i = 0; i < 3; i++) cache.lru.set(keyOf(i), entry());
    expect(cache.lru.get(keyOf(0))).toBeDefined(); // 0 is now the most recently used
    cache.lru.set(keyOf(3), entry());
    expect([0, 1, 2, 3].map((i) => cache.lru.has(keyOf(i)))).toEqual([true, false, true, true]);
    expect(cache.lru.calculatedSize).toBe(3 * one);
  });

  it('an entry bound, when given, applies as well as the byte bound', () => {
    const cache = createDispatchCache({ maxEntries: 10, maxBytes: 1024 ** 3 });
    for (let i = 0; i < 50; i++) cache.lru.set(keyOf(i), entry());
    expect(cache.lru.size).toBe(10);
    expect(cache.lru.has(keyOf(49))).toBe(true);
    expect(cache.lru.has(keyOf(39))).toBe(false);
  });

  it.each([{ maxBytes: 0 }, { maxBytes: -1 }, { maxBytes: 1.5 }, { maxEntries: 0 }])(
    'refuses a bound that is not a positive integer: %j',
    (bounds) => {
      expect(() => createDispatchCache(bounds)).toThrow(/must be a positive integer/);
    },
  );

  it('defaults to the byte bound of defaultCacheMaxBytes() and no entry bound', () => {
    const cache = createDispatchCache();
    expect(cache.lru.maxSize).toBe(defaultCacheMaxBytes());
    expect(cache.lru.max).toBe(0);
  });
});
