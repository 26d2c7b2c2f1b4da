import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compileSchema, formatSchema, parseSchema, printExpr } from './index.ts';
import type { Expr } from './ast.ts';

function permExpr(body: string): Expr {
  const { ast, diagnostics } = parseSchema(`definition doc {\n\tpermission perm = ${body}\n}\n`);
  expect(diagnostics).toEqual([]);
  const def = ast.items[0];
  if (def?.kind !== 'definition' || def.members[0]?.kind !== 'permission')
    throw new Error('no permission');
  return def.members[0].expr;
}

/** Fully parenthesised rendering, to make the tree shape visible. */
function shape(e: Expr): string {
  switch (e.kind) {
    case 'ref':
      return e.name;
    case 'nil':
    case 'self':
      return e.kind;
    case 'arrow':
      return `[${shape(e.left)}${e.mode === 'arrow' ? '->' : `.${e.mode}`}${e.target.text}]`;
    default:
      return `(${shape(e.left)} ${{ union: '+', intersection: '&', exclusion: '-' }[e.kind]} ${shape(e.right)})`;
  }
}

describe('expression precedence (SpiceDB: + binds tightest, then &, then -; left-assoc)', () => {
  it.each([
    ['aaa + bbb + ccc', '((aaa + bbb) + ccc)'],
    ['aaa - bbb - ccc', '((aaa - bbb) - ccc)'],
    ['aaa & bbb & ccc', '((aaa & bbb) & ccc)'],
    ['aaa + bbb & ccc', '((aaa + bbb) & ccc)'],
    ['aaa & bbb + ccc', '(aaa & (bbb + ccc))'],
    ['aaa - bbb + ccc', '(aaa - (bbb + ccc))'],
    ['aaa + bbb - ccc', '((aaa + bbb) - ccc)'],
    ['aaa - bbb & ccc', '(aaa - (bbb & ccc))'],
    ['aaa & bbb - ccc', '((aaa & bbb) - ccc)'],
    ['aaa - bbb & ccc + ddd', '(aaa - (bbb & (ccc + ddd)))'],
    ['(aaa - bbb) & ccc', '((aaa - bbb) & ccc)'],
    ['aaa->bbb + ccc', '([aaa->bbb] + ccc)'],
    ['aaa + bbb->ccc', '(aaa + [bbb->ccc])'],
    ['aaa.any(bbb) & ccc.all(ddd)', '([aaa.anybbb] & [ccc.allddd])'],
    ['aaa->bbb->ccc', '[[aaa->bbb]->ccc]'],
    ['nil + aaa', '(nil + aaa)'],
    ['(\n\taaa +\n\tbbb\n)', '(aaa + bbb)'],
    ['aaa +\n\tbbb', '(aaa + bbb)'],
  ])('%s', (src, expected) => {
    expect(shape(permExpr(src))).toBe(expected);
  });

  it('prints with the minimum parentheses that keep the tree', () => {
    for (const src of [
      'aaa - (bbb - ccc)',
      'aaa & (bbb - ccc)',
      'aaa->bbb->ccc',
      'aaa + bbb & ccc - ddd',
    ]) {
      const e = permExpr(src);
      expect(shape(permExpr(printExpr(e)))).toBe(shape(e));
    }
    expect(printExpr(permExpr('(aaa + bbb) & ccc'))).toBe('aaa + bbb & ccc');
    expect(printExpr(permExpr('aaa - (bbb - ccc)'))).toBe('aaa - (bbb - ccc)');
  });
});

describe('statements and top-level items', () => {
  it('accepts top-level items separated by spaces (YAML folded blocks)', () => {
    const src =
      'use expiration definition user {} definition org/team/doc {\n\trelation viewer: user with expiration\n} caveat is_ok(flag bool) { flag }';
    const ir = compileSchema(src);
    expect(Object.keys(ir.definitions)).toEqual(['user', 'org/team/doc']);
    expect(ir.uses).toEqual(['expiration']);
    expect(ir.caveats.is_ok?.expression).toBe('flag');
  });

  it('accepts `;` as a statement end', () => {
    const ir = compileSchema(
      'definition user {}\ndefinition doc { relation viewer: user; permission view = viewer; }',
    );
    expect(ir.definitions.doc?.permissions.view?.expr).toEqual({ kind: 'ref', name: 'viewer' });
  });

  it('treats `self` as a keyword only after `use self`', () => {
    const withFlag = parseSchema('use self\ndefinition doc {\n\tpermission perm = self\n}');
    const without = parseSchema('definition doc {\n\tpermission perm = self\n}');
    const kind = (r: typeof withFlag) => {
      const d = r.ast.items.find((i) => i.kind === 'definition');
      return d?.kind === 'definition' && d.members[0]?.kind === 'permission'
        ? d.members[0].expr.kind
        : '';
    };
    expect(kind(withFlag)).toBe('self');
    expect(kind(without)).toBe('ref');
  });

  it.each(['definition', 'caveat', 'relation', 'permission', 'nil', 'with'])(
    'rejects the reserved word `%s` as a name',
    (word) => {
      const { diagnostics } = parseSchema(`definition doc {\n\trelation ${word}: doc\n}`);
      expect(diagnostics[0]?.message).toBe(`expected a relation name, found keyword \`${word}\``);
    },
  );

  it('arrows start only at an identifier', () => {
    expect(
      parseSchema('definition doc {\n\tpermission perm = (aaa)->bbb\n}').diagnostics[0]?.code,
    ).toBe('expected_statement_end');
    expect(
      parseSchema('definition doc {\n\tpermission perm = nil->bbb\n}').diagnostics[0]?.code,
    ).toBe('expected_statement_end');
  });

  it('rejects a permission followed by `}` on the same line, as SpiceDB does', () => {
    const { diagnostics } = parseSchema('definition doc {\n\tpermission view = aaa + bbb }');
    expect(diagnostics.map((d) => [d.code, d.span.start.line, d.span.start.column])).toEqual([
      ['expected_statement_end', 2, 30],
    ]);
  });

  it('parses every subject type form', () => {
    const { ast, diagnostics } = parseSchema(
      'definition doc {\n\trelation rel: user | group#member | user:* | user with cav | user with expiration | user:* with cav and expiration\n}',
    );
    expect(diagnostics).toEqual([]);
    const def = ast.items[0];
    if (def?.kind !== 'definition' || def.members[0]?.kind !== 'relation') throw new Error('shape');
    const types = def.members[0].types.map((t) => ({
      type: t.type.text,
      relation: t.relation?.text,
      wildcard: t.wildcard,
      caveat: t.caveat?.text,
      expiration: t.expiration !== undefined,
    }));
    expect(types).toEqual([
      { type: 'user', relation: undefined, wildcard: false, caveat: undefined, expiration: false },
      { type: 'group', relation: 'member', wildcard: false, caveat: undefined, expiration: false },
      { type: 'user', relation: undefined, wildcard: true, caveat: undefined, expiration: false },
      { type: 'user', relation: undefined, wildcard: false, caveat: 'cav', expiration: false },
      { type: 'user', relation: undefined, wildcard: false, caveat: undefined, expiration: true },
      { type: 'user', relation: undefined, wildcard: true, caveat: 'cav', expiration: true },
    ]);
  });

  it('keeps doc comments and ordinary comments on the declarations they precede', () => {
    const { ast } = parseSchema('// header\n\n/** The user. */\ndefinition user {} // trailing\n');
    const def = ast.items[0];
    expect(def?.doc).toBe('The user.');
    expect(def?.comments).toEqual(['// header', '', '/** The user. */']);
    expect(def?.trailing).toBe('// trailing');
  });

  it('reads caveat bodies containing braces and strings with braces', () => {
    const ir = compileSchema(
      "caveat has_key(mmm map<int>) {\n\t{'k': 1}['k'] == 1 && mmm['}'] > 0\n}",
    );
    expect(ir.caveats.has_key?.expression).toBe("{'k': 1}['k'] == 1 && mmm['}'] > 0");
  });

  it('recovers after a bad statement and reports later errors too', () => {
    const { diagnostics } = parseSchema(
      'definition doc {\n\trelation : user\n\tpermission = x\n}\ndefinition other {\n\trelation ok: user |\n}\n',
    );
    expect(diagnostics.map((d) => `${d.code}@${d.span.start.line}`)).toEqual([
      'unexpected_token@2',
      'unexpected_token@3',
      'unexpected_token@7',
    ]);
  });

  it('takes spans from tokens (multi-segment names span all segments)', () => {
    const { ast } = parseSchema('definition org/team/user {}');
    const span = ast.items[0]?.kind === 'definition' ? ast.items[0].name.span : undefined;
    expect(span).toEqual({
      start: { line: 1, column: 12, offset: 11 },
      end: { line: 1, column: 25, offset: 24 },
    });
  });

  it('reads schemas from YAML folded blocks (items joined by spaces)', () => {
    const yaml =
      'schema: >-\n  use expiration\n  definition user {}\n  definition doc {\n    relation viewer: user with expiration\n    permission view = viewer\n  }\n';
    const schema = (parseYaml(yaml) as { schema: string }).schema;
    expect(schema.startsWith('use expiration definition user {} definition doc {')).toBe(true);
    expect(Object.keys(compileSchema(schema).definitions)).toEqual(['user', 'doc']);
  });

  it('treats CRLF line endings like LF (same IR hash, LF output when formatting)', () => {
    const lf =
      'definition user {}\n\ncaveat is_ok(aaa int, bbb int) {\n\taaa == 1 &&\n\t\tbbb == 2\n}\n';
    const crlf = lf.replace(/\n/g, '\r\n');
    expect(compileSchema(crlf).hash).toBe(compileSchema(lf).hash);
    expect(formatSchema(crlf)).toBe(formatSchema(lf));
  });
});
