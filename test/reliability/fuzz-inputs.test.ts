/**
 * Bad input never crashes the parsers at Clove's boundaries: arbitrary and mutated text given to the
 * tuple parser, the object/subject parsers, the zookie decoder and the validation-file loader only
 * ever produces an `AppError` with the documented code (`invalid_tuple`, `invalid_zookie`,
 * `invalid_validation_file`), or a value that round-trips. Each input is also timed against a
 * generous bound, to catch catastrophic regex backtracking (a hang), never to measure speed.
 * The schema parser has its own fuzz suite (src/schema/fuzz.test.ts); it is not repeated here.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { decodeZookie, encodeZookie } from '../../src/consistency/index.ts';
import { AppError, type ErrorCode } from '../../src/errors.ts';
import { formatTuple, parseObject, parseSubject, parseTuple } from '../../src/model/index.ts';
import { loadValidationFile, parseExpectedSubject } from '../../src/validation/index.ts';

/** An input that takes this long is a hang (backtracking), not a slow machine. */
const HANG_MS = 5_000;

/** Runs `fn`; it must return, or throw an AppError with `code`. Returns what it returned. */
function only<T>(code: ErrorCode, fn: () => T): T | AppError {
  const t0 = performance.now();
  try {
    return fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(code);
    expect(typeof (err as AppError).message).toBe('string');
    return err as AppError;
  } finally {
    expect(performance.now() - t0).toBeLessThan(HANG_MS);
  }
}

const VALID_TUPLES = [
  'document:readme#viewer@user:alice',
  'doc/sub:d-1#viewer@group:eng#member',
  'document:x#viewer@user:*',
  'document:x#viewer@user:tom[only_weekdays:{"day":"mon","n":[1,2]}]',
  'document:x#viewer@user:tom[expiration:2030-01-01T00:00:00Z]',
  'document:x#viewer@user:tom[c_v][expiration:2030-01-01T00:00:00.5+02:00]',
];

/** Characters that matter to the tuple grammar, plus hostile ones. */
const TUPLE_CHARS = [
  ...'abcz019_:#@*/|-=+[]{}".,\\ \n\t%\'`;$é',
  '...',
  'expiration',
  '\u0000',
  '\u202e',
  '😀',
];

/** Applies up to 4 random edits (insert, delete, replace) to `base`. */
const mutated = (bases: readonly string[], alphabet: readonly string[]) =>
  fc
    .tuple(
      fc.constantFrom(...bases),
      fc.array(fc.tuple(fc.nat(300), fc.nat(4), fc.constantFrom('', ...alphabet)), {
        maxLength: 4,
      }),
    )
    .map(([base, edits]) => {
      let text = base;
      for (const [at, del, ins] of edits) {
        const i = at % (text.length + 1);
        text = text.slice(0, i) + ins + text.slice(i + del);
      }
      return text;
    });

describe('tuple parser', () => {
  const roundTrips = (text: string) => {
    const out = only('invalid_tuple', () => parseTuple(text));
    if (out instanceof AppError) return;
    // Whatever parses prints canonically and parses back to the same tuple.
    expect(parseTuple(formatTuple(out))).toEqual(out);
  };

  test.prop([fc.string({ maxLength: 300 })], { numRuns: 500 })('arbitrary strings', roundTrips);
  test.prop([fc.string({ unit: 'binary', maxLength: 200 })], { numRuns: 300 })(
    'arbitrary unicode',
    roundTrips,
  );
  test.prop([mutated(VALID_TUPLES, TUPLE_CHARS)], { numRuns: 1500 })(
    'mutations of valid tuples',
    roundTrips,
  );

  it.each([
    ['a 1024-char id', `document:${'a'.repeat(1024)}#viewer@user:bob`, true],
    ['a 1025-char id', `document:${'a'.repeat(1025)}#viewer@user:bob`, false],
    ['a 1025-char subject id', `document:a#viewer@user:${'b'.repeat(1025)}`, false],
    ['a quote in an id', `document:a'b#viewer@user:bob`, false],
    ['a percent in an id', 'document:a%20#viewer@user:bob', false],
    ['unicode in an id', 'document:café#viewer@user:bob', false],
    ['a NUL in an id', 'document:a\u0000#viewer@user:bob', false],
    ['SQL in an id', "document:x');DROP TABLE clove_tuples;--#viewer@user:bob", false],
    ['a wildcard resource', 'document:*#viewer@user:bob', false],
    ['a wildcard with a relation', 'document:a#viewer@user:*#member', false],
  ])('%s → accepted: %s', (_name, text, ok) => {
    const out = only('invalid_tuple', () => parseTuple(text));
    expect(out instanceof AppError).toBe(!ok);
  });

  it('a pathological backtracking input stays bounded', () => {
    // Long runs of the characters the id and caveat-context patterns share.
    const nasty = `document:${'a/'.repeat(600)}#viewer@user:${'='.repeat(1000)}[c_c:{${'{'.repeat(5000)}`;
    only('invalid_tuple', () => parseTuple(nasty));
    only('invalid_tuple', () => parseTuple(`${'a:'.repeat(20_000)}`));
  });

  test.prop([mutated(['user:alice', 'group:eng#member', 'user:*', 'doc/x:a-b'], TUPLE_CHARS)], {
    numRuns: 500,
  })('object and subject parsers', (text) => {
    only('invalid_tuple', () => parseSubject(text));
    only('invalid_tuple', () => parseObject(text));
  });
});

describe('zookie decoder', () => {
  const STORE = 'store-1';
  const good = encodeZookie({ revision: 42, storeId: STORE });

  test.prop([fc.string({ maxLength: 100 })], { numRuns: 500 })('arbitrary strings', (text) => {
    const out = only('invalid_zookie', () => decodeZookie(text, STORE));
    if (!(out instanceof AppError)) expect(Number.isSafeInteger(out)).toBe(true);
  });

  test.prop(
    [
      fc.array(
        fc.tuple(
          fc.nat(40),
          fc.nat(3),
          fc.constantFrom('', 'A', '_', '-', '=', '+', '/', 'z', '0', ' '),
        ),
        { minLength: 1, maxLength: 3 },
      ),
    ],
    { numRuns: 800 },
  )('mutated valid zookies are refused, never misread', (edits) => {
    let text = good;
    for (const [at, del, ins] of edits) {
      const i = at % (text.length + 1);
      text = text.slice(0, i) + ins + text.slice(i + del);
    }
    const out = only('invalid_zookie', () => decodeZookie(text, STORE));
    // An edit either leaves the token unchanged or is caught by the checksum.
    if (!(out instanceof AppError)) {
      expect(text).toBe(good);
      expect(out).toBe(42);
    }
  });

  test.prop([fc.uint8Array({ minLength: 0, maxLength: 40 })], { numRuns: 500 })(
    'arbitrary bytes, base64url encoded',
    (bytes) => {
      only('invalid_zookie', () => decodeZookie(Buffer.from(bytes).toString('base64url'), STORE));
    },
  );

  test.prop([fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.string({ maxLength: 20 })])(
    'a token of another store is refused',
    (revision, other) => {
      fc.pre(other !== STORE);
      const out = only('invalid_zookie', () =>
        decodeZookie(encodeZookie({ revision, storeId: other }), STORE),
      );
      expect(out).toBeInstanceOf(AppError);
    },
  );

  it.each([
    ['non-string', 42],
    ['null', null],
    ['huge', 'A'.repeat(1_000_000)],
  ])('%s → invalid_zookie', (_n, value) => {
    expect(only('invalid_zookie', () => decodeZookie(value as string, STORE))).toBeInstanceOf(
      AppError,
    );
  });
});

const VALID_FILE = `schema: |-
  definition user {}
  definition document {
    relation viewer: user
    permission view = viewer
  }
relationships: |-
  document:readme#viewer@user:alice
  document:readme#viewer@user:bob
assertions:
  assertTrue:
    - document:readme#view@user:alice
  assertFalse:
    - document:readme#view@user:carol
validation:
  document:readme#view:
    - "[user:alice] is <document:readme#viewer>"
    - "[user:bob] is <document:readme#viewer>"
`;

const YAML_CHARS = [
  ...':-|>#[]{}"\'&*!%@`,?\n \t',
  '\n  ',
  '\n- ',
  'schemaFile: /etc/passwd\n',
  '<<: *a\n',
  '&a ',
  '*a',
  '!!binary ',
  '!!js/function ',
  '\u0000',
];

describe('validation-file loader', () => {
  const load = (text: string) =>
    only('invalid_validation_file', () => loadValidationFile({ text, dir: '/nonexistent' }));

  it('the seed file loads', () => {
    expect(load(VALID_FILE)).not.toBeInstanceOf(AppError);
  });

  test.prop([fc.string({ maxLength: 300 })], { numRuns: 300 })('arbitrary strings', (text) => {
    // A relationship or assertion that is not a tuple is reported as a bad validation file or
    // as the tuple error itself; both are typed.
    tryLoad(text);
  });

  test.prop([mutated([VALID_FILE], YAML_CHARS)], { numRuns: 600 })(
    'mutations of a valid file',
    (text) => {
      tryLoad(text);
    },
  );

  it('a YAML alias bomb is bounded', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      'schema: *f',
    ].join('\n');
    tryLoad(bomb);
  });

  it('deep nesting is bounded', () => {
    tryLoad(`schema: ${'['.repeat(5_000)}${']'.repeat(5_000)}`);
    tryLoad(`validation:\n${'  '.repeat(2_000)}x: 1`);
  });

  test.prop(
    [
      mutated(
        [
          '[user:alice] is <document:readme#viewer>',
          '[user:* - {user:a, user:b[...]}] is <d:x#v>/<d:y#w>',
        ],
        TUPLE_CHARS,
      ),
    ],
    {
      numRuns: 500,
    },
  )('expected-subject lines', (text) => {
    tryTyped(() => parseExpectedSubject(text));
  });
});

/** The loader may refuse with its own code or surface a tuple/schema code; never anything else. */
function tryLoad(text: string): void {
  tryTyped(() => loadValidationFile({ text, dir: '/nonexistent' }));
}

function tryTyped(fn: () => unknown): void {
  const t0 = performance.now();
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect(['invalid_validation_file', 'invalid_tuple', 'schema_syntax_error']).toContain(
      (err as AppError).code,
    );
  } finally {
    expect(performance.now() - t0).toBeLessThan(HANG_MS);
  }
}
