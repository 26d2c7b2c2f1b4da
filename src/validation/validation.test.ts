import { describe, expect, it } from 'vitest';
import { createEngine } from '../engine/index.ts';
import {
  formatValidationFailures,
  loadValidationFile,
  parseExpectedSubject,
  runValidationFile,
} from './index.ts';

const FILE = `schema: >-
  definition user {}

  definition doc {
    relation viewer: user | user:*
    relation banned: user
    permission view = viewer - banned
  }
relationships: >-
  doc:1#viewer@user:*

  doc:1#banned@user:bob

  // a comment
assertions:
  assertTrue:
    - doc:1#view@user:ann
    - doc:1#view@user:bob # wrong on purpose
  assertFalse:
    - doc:1#view@user:bob
  assertCaveated: null
validation:
  doc:1#view:
    - "[user:* - {user:bob}] is <doc:1#viewer>"
`;

describe('validation files', () => {
  it('loads with the line of every item', () => {
    const f = loadValidationFile({ text: FILE });
    expect(f.relationships.map((r) => [r.text, r.line])).toEqual([
      ['doc:1#viewer@user:*', 10],
      ['doc:1#banned@user:bob', 12],
    ]);
    expect(f.assertions.map((a) => [a.kind, a.line])).toEqual([
      ['assertTrue', 17],
      ['assertTrue', 18],
      ['assertFalse', 20],
    ]);
    expect(f.validation[0]?.line).toBe(23);
  });

  it('reports failing assertions with file lines, expected and actual', async () => {
    const report = await runValidationFile(loadValidationFile({ text: FILE }), {
      engineFactory: () => createEngine(),
    });
    expect(report.passed).toBe(false);
    expect(formatValidationFailures(report)).toEqual([
      '<input>:18: assertTrue "doc:1#view@user:bob": expected allowed, got denied',
    ]);
    expect(report.validation[0]?.passed).toBe(true);
  });

  it.each([
    [
      'duplicate relationship',
      'relationships: |\n  doc:1#viewer@user:a\n  doc:1#viewer@user:a\n',
      /:3: duplicate relationship/,
    ],
    ['bad relationship', 'relationships: |\n  doc:1#viewer\n', /:2: invalid relationship/],
    ['unknown key', 'schemas: x\n', /:1: unknown key "schemas"/],
    [
      'caveat on assertion',
      'assertions:\n  assertTrue:\n    - doc:1#view@user:a[cav]\n',
      /:3: an assertion cannot carry a caveat/,
    ],
    [
      'bad context JSON',
      "assertions:\n  assertTrue:\n    - 'doc:1#view@user:a with {x'\n",
      /:3: assertion context is not valid JSON/,
    ],
    ['both schema keys', 'schema: x\nschemaFile: y.zed\n', /either "schema" or "schemaFile"/],
  ])('rejects %s with its line', (_name, text, message) => {
    expect(() => loadValidationFile({ text })).toThrow(message);
  });

  it('parses assertion context and expected subject forms', () => {
    const f = loadValidationFile({
      text: `assertions:\n  assertCaveated:\n    - 'doc:1#view@user:a with {"n": 1, "s": "x with y"}'\n`,
    });
    expect(f.assertions[0]?.request.context).toEqual({ n: 1, s: 'x with y' });
    const e = parseExpectedSubject(
      '[user:* - {user:a, user:b[...]}] is <doc:1#viewer>/<doc:1#editor>',
    );
    expect(e.subject).toEqual({ type: 'user', id: '*', relation: '...' });
    expect(e.excluded.map((x) => x.caveated)).toEqual([false, true]);
    expect(e.relations).toEqual(['doc:1#editor', 'doc:1#viewer']);
    expect(parseExpectedSubject('[user:tom[...]] is <doc:1#viewer>').caveated).toBe(true);
  });

  it('reads legacy validation_tuples as relationships', async () => {
    const f = loadValidationFile({
      text: 'schema: |-\n  definition user {}\n\n  definition doc {\n    relation viewer: user\n  }\nvalidation_tuples:\n  - doc:1#viewer@user:a\nassertions:\n  assertTrue:\n    - doc:1#viewer@user:a\n',
    });
    expect(f.relationships.map((r) => [r.text, r.line])).toEqual([['doc:1#viewer@user:a', 8]]);
    expect((await runValidationFile(f)).passed).toBe(true);
  });

  it('reports a schema that does not compile', async () => {
    const report = await runValidationFile(
      loadValidationFile({ text: 'schema: |\n  definition {\n' }),
    );
    expect(report.passed).toBe(false);
    expect(report.error?.code).toBe('schema_syntax_error');
  });
});
