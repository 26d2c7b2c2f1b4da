import { describe, expect, it } from 'vitest';
import { randomRequestId, requestIdOf } from './request-kit.ts';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestIdOf', () => {
  it.each(['abc', 'A.b_c:d-9', 'x'.repeat(128)])('echoes a plain token (%s)', (given) => {
    expect(requestIdOf(given)).toBe(given);
  });

  it.each([undefined, '', 'has space', 'x'.repeat(129), 'é', 'a/b'])(
    'makes a new uuid for %j',
    (given) => {
      expect(requestIdOf(given)).toMatch(UUID_V4);
    },
  );
});

describe('randomRequestId', () => {
  // 9,000 ids cross two refills of the 4,096-id pool.
  const ids = Array.from({ length: 9000 }, () => randomRequestId());

  it('makes version 4 uuids in the lowercase text form', () => {
    for (const id of ids) expect(id).toMatch(UUID_V4);
  });

  it('never repeats an id, across refills of its pool', () => {
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('returns strings that later ids leave unchanged (the text buffer is reused)', () => {
    const first = randomRequestId();
    const copy = `${first}`;
    for (let i = 0; i < 10; i++) randomRequestId();
    expect(first).toBe(copy);
  });

  it('draws every random digit position from all sixteen hex digits', () => {
    // 122 random bits: every position but the version digit (14) and the dashes; the variant
    // digit (19) takes only 8, 9, a, b.
    for (let pos = 0; pos < 36; pos++) {
      if (pos === 8 || pos === 13 || pos === 18 || pos === 23 || pos === 14) continue;
      const seen = new Set(ids.map((id) => id[pos]));
      expect(seen.size, `position ${pos}`).toBe(pos === 19 ? 4 : 16);
    }
  });
});
