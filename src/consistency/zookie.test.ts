import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import { decodeZookie, encodeZookie } from './zookie.ts';

const STORE = '6f1c1d7e-2b1a-4c55-9a53-0c0ffee00001';
const OTHER = '6f1c1d7e-2b1a-4c55-9a53-0c0ffee00002';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (isAppError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe('zookies', () => {
  test.prop([fc.maxSafeNat(), fc.uuid()])('decode(encode(z)) is z', (revision, storeId) => {
    const token = encodeZookie({ revision, storeId });
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeZookie(token, storeId)).toBe(revision);
  });

  test.prop([fc.nat(1_000_000), fc.nat(20), fc.integer({ min: 1, max: 255 })])(
    'rejects a token with any byte changed',
    (revision, index, xor) => {
      const bytes = Buffer.from(encodeZookie({ revision, storeId: STORE }), 'base64url');
      bytes[index] = (bytes[index] as number) ^ xor;
      expect(codeOf(() => decodeZookie(bytes.toString('base64url'), STORE))).toBe('invalid_zookie');
    },
  );

  it('rejects a token of another store', () => {
    const token = encodeZookie({ revision: 42, storeId: OTHER });
    expect(() => decodeZookie(token, STORE)).toThrow(/another store/);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'abc$def'],
    ['too short', 'AQID'],
    ['too long', 'A'.repeat(40)],
    ['padded', `${encodeZookie({ revision: 1, storeId: STORE })}=`],
    ['long garbage', 'x'.repeat(5000)],
  ])('rejects a malformed token (%s)', (_name, token) => {
    expect(codeOf(() => decodeZookie(token, STORE))).toBe('invalid_zookie');
  });

  it('rejects an unknown version', () => {
    const bytes = Buffer.from(encodeZookie({ revision: 7, storeId: STORE }), 'base64url');
    bytes[0] = 2;
    expect(() => decodeZookie(bytes.toString('base64url'), STORE)).toThrow(/version 2/);
  });

  it('is opaque and short', () => {
    const token = encodeZookie({ revision: 123456789, storeId: STORE });
    expect(token).toHaveLength(28);
    expect(token).not.toContain('123456789');
  });
});
