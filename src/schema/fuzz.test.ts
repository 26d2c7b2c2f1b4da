import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { SchemaError } from '../errors.ts';
import { checkSchema, compileSchema, formatSchema, parseSchema } from './index.ts';

const TOKENS = [
  'definition',
  'caveat',
  'use',
  'relation',
  'permission',
  'with',
  'and',
  'expiration',
  'nil',
  'self',
  'user',
  'doc',
  'viewer',
  'org/team',
  '{',
  '}',
  '(',
  ')',
  ':',
  ';',
  '|',
  '#',
  '*',
  '+',
  '&',
  '-',
  '->',
  '.',
  'any',
  'all',
  ',',
  '=',
  '<',
  '>',
  '/',
  '\n',
  ' ',
  '\t',
  '//c\n',
  '/* c */',
  '/**',
  '*/',
  '"',
  "'",
  '$',
  'é',
  'int',
  'list',
  'map',
  '==',
  '42',
];

const SEED_SCHEMA = `use expiration
definition user {}
definition doc {
	relation viewer: user | user:* with is_ok and expiration
	permission view = viewer + viewer->view - nil
}
caveat is_ok(aaa int, bbb list<string>) {
	aaa == 1 && 'x' in bbb
}
`;

/** Runs every entry point; only SchemaError may escape the throwing ones. */
function exercise(text: string): void {
  const diags = checkSchema(text);
  expect(diags.length).toBeLessThanOrEqual(100);
  for (const d of diags) {
    expect(d.span.start.offset).toBeLessThanOrEqual(d.span.end.offset);
    expect(d.span.end.offset).toBeLessThanOrEqual(text.length);
  }
  parseSchema(text);
  for (const fn of [compileSchema, formatSchema]) {
    try {
      fn(text);
    } catch (e) {
      expect(e).toBeInstanceOf(SchemaError);
    }
  }
}

describe('fuzz: arbitrary input never throws anything but SchemaError', () => {
  test.prop([fc.string({ maxLength: 200 })], { numRuns: 300 })('random strings', exercise);

  test.prop([fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((ts) => ts.join(' '))], {
    numRuns: 400,
  })('token soup', exercise);

  test.prop(
    [
      fc.array(fc.tuple(fc.nat(SEED_SCHEMA.length), fc.nat(5), fc.constantFrom('', ...TOKENS)), {
        maxLength: 4,
      }),
    ],
    { numRuns: 300 },
  )('mutations of a valid schema', (edits) => {
    let text = SEED_SCHEMA;
    for (const [at, del, ins] of edits) text = text.slice(0, at) + ins + text.slice(at + del);
    exercise(text);
    // Whatever formats must format again to the same text.
    let once: string | undefined;
    try {
      once = formatSchema(text);
    } catch {
      return;
    }
    expect(formatSchema(once)).toBe(once);
  });
});
