import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { schemaArb } from '../../test/schema/arbitraries.ts';
import { stripSpans } from '../../test/schema/ast-tools.ts';
import { formatSchema, parseSchema, printSchema } from './index.ts';

describe('printer', () => {
  test.prop([schemaArb], { numRuns: 300 })('parse(print(ast)) equals ast (spans aside)', (ast) => {
    const text = printSchema(ast);
    const reparsed = parseSchema(text);
    expect(reparsed.diagnostics).toEqual([]);
    expect(stripSpans(reparsed.ast)).toEqual(stripSpans(ast));
    expect(printSchema(reparsed.ast)).toBe(text);
  });

  it('formats a messy schema canonically and idempotently', () => {
    const messy = [
      'use expiration   definition   user{}',
      '/** Docs. */ definition doc{ relation  viewer :user|user:*  with expiration',
      'permission view=((viewer))+ (viewer - nil)&viewer',
      '',
      '',
      '  // grouped',
      '  permission edit=viewer->view',
      '}   caveat   is_ok( aaa   int ,bbb list< string > ) {   aaa == 1 &&',
      '        bbb.size() > 0',
      '  }',
    ].join('\n');
    const out = formatSchema(messy);
    expect(out).toBe(
      [
        'use expiration',
        '',
        'definition user {}',
        '',
        '/** Docs. */',
        'definition doc {',
        '\trelation viewer: user | user:* with expiration',
        '\tpermission view = viewer + (viewer - nil) & viewer',
        '',
        '\t// grouped',
        '\tpermission edit = viewer->view',
        '}',
        '',
        'caveat is_ok(aaa int, bbb list<string>) {',
        '\taaa == 1 &&',
        '\tbbb.size() > 0',
        '}',
        '',
      ].join('\n'),
    );
    expect(formatSchema(out)).toBe(out);
  });

  it('prints the empty schema as the empty string', () => {
    expect(formatSchema('  \n// \n')).toBe('// \n');
    expect(formatSchema('')).toBe('');
  });

  test.prop([
    fc.constantFrom('viewer + editor - banned', '(aaa - bbb) - (ccc - ddd)', 'aaa.all(bbb) & ccc'),
  ])('keeps the expression tree when re-printing', (expr) => {
    const src = `definition doc {\n\tpermission perm = ${expr}\n}\n`;
    const once = formatSchema(src);
    expect(stripSpans(parseSchema(once).ast)).toEqual(stripSpans(parseSchema(src).ast));
  });
});
