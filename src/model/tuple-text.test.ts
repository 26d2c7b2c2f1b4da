import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import { ELLIPSIS, type Tuple, WILDCARD } from './refs.ts';
import { formatTuple, parseSubject, parseTuple } from './tuple-text.ts';

const lower = 'abcdefghijklmnopqrstuvwxyz';
const char = (chars: string) => fc.constantFrom(...chars.split(''));
const str = (chars: string, min: number, max: number) =>
  fc.array(char(chars), { minLength: min, maxLength: max }).map((a) => a.join(''));

/** `[a-z][a-z0-9_]{1,62}[a-z0-9]` (kept short for speed). */
const name = fc
  .tuple(char(lower), str(`${lower}0123456789_`, 1, 10), char(`${lower}0123456789`))
  .map((p) => p.join(''));
const typeName = fc
  .tuple(fc.array(name, { maxLength: 2 }), name)
  .map(([prefixes, n]) => [...prefixes, n].join('/'));
const id = fc.oneof(
  str('abcXYZ0189/_|-=+', 1, 12),
  fc.constant('x'.repeat(1024)),
  fc.constant('--=base64+/=='),
);
const json = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const context = fc.dictionary(fc.string({ maxLength: 6 }), json, { minKeys: 1, maxKeys: 3 });
// Whole milliseconds between 1970 and 9999 (the years RFC 3339 can spell).
const expiresAt = fc.integer({ min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) });

const tupleArb: fc.Arbitrary<Tuple> = fc
  .record({
    rt: typeName,
    rid: id,
    rel: name,
    st: typeName,
    sid: fc.oneof(id, fc.constant(WILDCARD)),
    sr: fc.oneof(fc.constant(ELLIPSIS), name),
    caveat: fc.option(
      fc.record({ name: typeName, context: fc.option(context, { nil: undefined }) }),
      {
        nil: undefined,
      },
    ),
    exp: fc.option(expiresAt, { nil: undefined }),
  })
  .map((r) => ({
    resource: { type: r.rt, id: r.rid },
    relation: r.rel,
    subject: { type: r.st, id: r.sid, relation: r.sid === WILDCARD ? ELLIPSIS : r.sr },
    ...(r.caveat && {
      caveat: r.caveat.context
        ? { name: r.caveat.name, context: r.caveat.context }
        : { name: r.caveat.name },
    }),
    ...(r.exp !== undefined && { expiresAt: r.exp }),
  }));

function codeOf(text: string): string | undefined {
  try {
    parseTuple(text);
    return undefined;
  } catch (e) {
    return isAppError(e) ? e.code : 'not an AppError';
  }
}

describe('tuple text form', () => {
  test.prop([tupleArb])('parseTuple(formatTuple(t)) equals t', (t) => {
    expect(parseTuple(formatTuple(t))).toEqual(t);
  });

  test.prop([tupleArb])('formatTuple(parseTuple(s)) equals s for canonical s', (t) => {
    const s = formatTuple(t);
    expect(formatTuple(parseTuple(s))).toBe(s);
  });

  it.each([
    ['document:d1#viewer@user:alice', 'document:d1#viewer@user:alice'],
    ['document:d1#viewer@user:alice#...', 'document:d1#viewer@user:alice'],
    ['  document:d1#viewer@group:eng#member ', 'document:d1#viewer@group:eng#member'],
    ['doc:d#viewer@user:tom[cav:{}]', 'doc:d#viewer@user:tom[cav]'],
    [
      'doc:d#viewer@user:tom[cav:{"k":"]["}][expiration:2026-12-01T00:00:00.500+01:00]',
      'doc:d#viewer@user:tom[cav:{"k":"]["}][expiration:2026-12-01T00:00:00.500+01:00]'.replace(
        '2026-12-01T00:00:00.500+01:00',
        '2026-11-30T23:00:00.500Z',
      ),
    ],
    ['org/team/doc:d#viewer@user:*', 'org/team/doc:d#viewer@user:*'],
  ])('normalises %s', (input, canonical) => {
    expect(formatTuple(parseTuple(input))).toBe(canonical);
  });

  it.each([
    'document:d1#viewer',
    'document:d1@user:a',
    'Document:d1#viewer@user:a',
    'document:d 1#viewer@user:a',
    'document:d1#vi#viewer@user:a',
    'document:*#viewer@user:a',
    'document:d1#viewer@user:*#member',
    `document:${'x'.repeat(1025)}#viewer@user:a`,
    'document:d1#viewer@user:a[cav:{bad json}]',
    'document:d1#viewer@user:a[cav:[1]]',
    'document:d1#viewer@user:a[expiration:tomorrow]',
    'document:d1#viewer@user:a[expiration:2026-13-01T00:00:00Z]',
    'do:d1#viewer@user:a',
    'document:d1#vi@user:a',
  ])('rejects %s with invalid_tuple', (text) => {
    expect(codeOf(text)).toBe('invalid_tuple');
  });

  it('treats an empty caveat context as none, so text and tuple forms agree', () => {
    expect(parseTuple('doc:d#viewer@user:tom[cav:{}]').caveat).toEqual({ name: 'cav' });
  });

  it('parses subjects', () => {
    expect(parseSubject('user:*')).toEqual({ type: 'user', id: '*', relation: ELLIPSIS });
    expect(() => parseSubject('user:*#member')).toThrow();
  });
});
