import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../errors.ts';
import { checkSchema, formatDiagnostic } from './index.ts';

const pos = (line: number, column: number, offset = 0) => ({ line, column, offset });

describe('formatDiagnostic', () => {
  it('renders file:line:col, the line, a caret run and the hint', () => {
    const source = 'definition doc {\n\trelation viewer: usr\n}\n';
    const d: Diagnostic = {
      code: 'unknown_definition',
      message: 'definition `usr` is not defined',
      span: { start: pos(2, 19), end: pos(2, 22) },
      hint: 'did you mean `user`?',
    };
    expect(formatDiagnostic(d, source, 'a.zed')).toBe(
      [
        'a.zed:2:19: error[unknown_definition]: definition `usr` is not defined',
        '  |',
        '2 | \trelation viewer: usr',
        '  | \t                 ^^^',
        '  = hint: did you mean `user`?',
      ].join('\n'),
    );
  });

  it('underlines to the end of the first line for multi-line spans, and widens the gutter', () => {
    const source = `${'\n'.repeat(9)}caveat c(a int) {\n\ta ==\n}`;
    const d: Diagnostic = {
      code: 'unterminated_caveat_body',
      message: 'caveat body is missing its closing `}`',
      span: { start: pos(10, 17), end: pos(12, 1) },
      severity: 'warning',
    };
    expect(formatDiagnostic(d, source).split('\n')).toEqual([
      '<schema>:10:17: warning[unterminated_caveat_body]: caveat body is missing its closing `}`',
      '   |',
      '10 | caveat c(a int) {',
      '   |                 ^',
    ]);
  });

  it('draws one caret for an empty span', () => {
    const d: Diagnostic = { code: 'x', message: 'm', span: { start: pos(1, 3), end: pos(1, 3) } };
    expect(formatDiagnostic(d, 'abc').split('\n')[3]).toBe('  |   ^');
  });
});

describe('hints', () => {
  const hintFor = (source: string, code: string) =>
    checkSchema(source).find((d) => d.code === code)?.hint;

  it.each([
    [
      'definition user {}\ndefinition doc {\n\trelation viewer: usr\n}',
      'unknown_definition',
      'did you mean `user`?',
    ],
    [
      'definition user {}\ndefinition doc {\n\trelation viewer: user\n\tpermission view = viewr\n}',
      'unknown_relation',
      'did you mean `viewer`?',
    ],
    ['use expirations\ndefinition user {}', 'unknown_use_flag', 'did you mean `expiration`?'],
    ['definiton user {}', 'unexpected_token', 'did you mean `definition`?'],
    ['definition user {\n\tpermission me_or_you = self\n}', 'self_not_enabled', 'add `use self`'],
    ['caveat cav_x(aaa strng) {\n\taaa == 1\n}', 'invalid_caveat_type', 'did you mean `string`?'],
  ])('%#: %s → %s', (source, code, hint) => {
    expect(hintFor(source, code)).toBe(hint);
  });

  it('gives no hint when nothing is close', () => {
    expect(
      hintFor(
        'definition user {}\ndefinition doc {\n\trelation viewer: zzzzzz\n}',
        'unknown_definition',
      ),
    ).toBe(undefined);
  });

  it('caps diagnostics at 100', () => {
    const many = Array.from(
      { length: 150 },
      (_, i) => `definition d${i}x {\n\trelation rrr: nope${i}\n}`,
    ).join('\n');
    expect(checkSchema(many)).toHaveLength(100);
  });
});
