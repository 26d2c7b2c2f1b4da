import { describe, expect, it } from 'vitest';
import { AppError } from './errors.ts';
import { loadConfig, MAX_CACHE_MAX_BYTES, MIN_CACHE_MAX_BYTES, parseByteCount } from './config.ts';

/** The `invalid_config` error `loadConfig` throws for `env`. */
function configError(env: Record<string, string>): AppError {
  try {
    loadConfig({}, env);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('invalid_config');
    return e as AppError;
  }
  throw new Error(`expected invalid_config for ${JSON.stringify(env)}`);
}

describe('check cache settings', () => {
  it('by default leave both bounds to the engine (byte bound only, no entry bound)', () => {
    const c = loadConfig({}, {});
    expect(c.cacheSize).toBeUndefined();
    expect(c.cacheMaxBytes).toBeUndefined();
  });

  it('CLOVE_CACHE_SIZE is still the entry bound, 0 turning the cache off', () => {
    expect(loadConfig({}, { CLOVE_CACHE_SIZE: '100000' }).cacheSize).toBe(100_000);
    expect(loadConfig({}, { CLOVE_CACHE_SIZE: '0' }).cacheSize).toBe(0);
    expect(configError({ CLOVE_CACHE_SIZE: '-1' }).message).toMatch(/cacheSize/);
    expect(configError({ CLOVE_CACHE_SIZE: 'lots' }).message).toMatch(/cacheSize/);
  });

  it.each([
    ['268435456', 268_435_456],
    ['256MiB', 256 * 1024 ** 2],
    ['256mib', 256 * 1024 ** 2],
    [' 2 GiB ', 2 * 1024 ** 3],
    ['4096KiB', 4 * 1024 ** 2],
    ['1048576', MIN_CACHE_MAX_BYTES],
    ['1024GiB', MAX_CACHE_MAX_BYTES],
  ])('CLOVE_CACHE_MAX_BYTES=%j is %d bytes', (text, bytes) => {
    expect(loadConfig({}, { CLOVE_CACHE_MAX_BYTES: text }).cacheMaxBytes).toBe(bytes);
  });

  it.each(['lots', '256MB', '1.5GiB', '-5', '0x100000', 'MiB', '256 MiBs'])(
    'CLOVE_CACHE_MAX_BYTES=%j is refused naming the variable and the expected form',
    (text) => {
      const err = configError({ CLOVE_CACHE_MAX_BYTES: text });
      expect(err.message).toMatch(/CLOVE_CACHE_MAX_BYTES must be a byte count such as/);
    },
  );

  it('a bound below 1 MiB or above 1 TiB is refused with its limits', () => {
    expect(configError({ CLOVE_CACHE_MAX_BYTES: '0' }).message).toMatch(
      /at least 1MiB.*CLOVE_CACHE_SIZE=0 to turn the cache off/,
    );
    expect(configError({ CLOVE_CACHE_MAX_BYTES: '1048575' }).message).toMatch(/at least 1MiB/);
    expect(configError({ CLOVE_CACHE_MAX_BYTES: '1025GiB' }).message).toMatch(/at most 1TiB/);
  });

  it('an empty value counts as unset, like every other variable', () => {
    expect(loadConfig({}, { CLOVE_CACHE_MAX_BYTES: '' }).cacheMaxBytes).toBeUndefined();
  });

  it('every bad setting is named at once', () => {
    const err = configError({ CLOVE_CACHE_MAX_BYTES: 'big', CLOVE_CACHE_SIZE: 'many' });
    const issues = (err.details as { issues: string[] }).issues;
    expect(issues.some((i) => i.startsWith('cacheMaxBytes'))).toBe(true);
    expect(issues.some((i) => i.startsWith('cacheSize'))).toBe(true);
  });
});

describe('parseByteCount', () => {
  it('reads bare bytes and binary units, NaN for anything else', () => {
    expect(parseByteCount('10')).toBe(10);
    expect(parseByteCount('3KiB')).toBe(3072);
    expect(parseByteCount('1gib')).toBe(1024 ** 3);
    expect(parseByteCount('ten')).toBeNaN();
    expect(parseByteCount('1TB')).toBeNaN();
  });
});
