import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ID } from './common.ts';
import { Scan, scanObjectRef } from './scan-text.ts';

describe('Scan.same', () => {
  it.each([
    ['view"', 'view', true],
    ['viewer"', 'view', false],
    ['vie","x"', 'view', false],
    ['view', 'view', false],
  ])('reads %j as %j: %s', (text, known, ok) => {
    const s = new Scan(text);
    expect(s.same(known)).toBe(ok);
    expect(s.pos).toBe(ok ? known.length + 1 : 0);
    if (ok) expect(s.value).toBe(known);
  });
});

describe('Scan.id', () => {
  // Ids from the pattern's own class, the wildcard, and anything else (quotes, escapes, unicode).
  const content = fc.oneof(
    fc.stringMatching(/^[a-zA-Z0-9/_|\-=+]{0,12}$/),
    fc.constantFrom('*', '**', 'a*', '', 'x'.repeat(1024), 'x'.repeat(1025), 'a b', 'é', 'a\\"b'),
    fc.string({ maxLength: 8 }),
  );
  test.prop([content])('accepts exactly what str() + the ObjectId pattern accept', (id) => {
    const text = `${id}"}`;
    const viaId = new Scan(text);
    const viaStr = new Scan(text);
    const want = viaStr.str() && viaStr.value.length <= 1024 && ID.test(viaStr.value);
    expect(viaId.id()).toBe(want);
    if (want) {
      expect(viaId.value).toBe(viaStr.value);
      expect(viaId.pos).toBe(viaStr.pos);
    }
  });
});

describe('scanObjectRef', () => {
  it('tries the last type first and falls back to reading and validating', () => {
    const text = '{"objectType":"document","objectId":"a"}';
    for (const last of ['', 'document', 'doc', 'documents']) {
      const s = new Scan(text);
      expect(scanObjectRef(s, last)).toBe('document');
      expect(s.value).toBe('a');
      expect(s.pos).toBe(text.length);
    }
    expect(scanObjectRef(new Scan('{"objectType":"Bad","objectId":"a"}'), 'document')).toBe(
      undefined,
    );
  });
});
