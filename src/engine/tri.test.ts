import { describe, expect, it } from 'vitest';
import { exprText } from './check/expr-text.ts';
import { and, andNot, conditional, FALSE, or, TRUE, type Tri } from './tri.ts';

const C = (...m: string[]): Tri => conditional(m);
const show = (t: Tri): string => (t.v === 'C' ? `C[${t.missing?.join(',')}]` : t.v);

describe('three-valued combinators', () => {
  it.each([
    ['or', TRUE, FALSE, 'T'],
    ['or', FALSE, FALSE, 'F'],
    ['or', C('x'), FALSE, 'C[x]'],
    ['or', C('x'), TRUE, 'T'],
    ['or', C('x'), C('y'), 'C[x,y]'],
    ['and', C('x'), C('y'), 'C[x,y]'],
    ['and', C('x'), FALSE, 'F'],
    ['and', C('y'), TRUE, 'C[y]'],
    ['and', TRUE, TRUE, 'T'],
    ['andNot', TRUE, C('y'), 'C[y]'],
    ['andNot', C('x'), C('y'), 'C[x,y]'],
    ['andNot', C('x'), TRUE, 'F'],
    ['andNot', C('x'), FALSE, 'C[x]'],
    ['andNot', FALSE, C('y'), 'F'],
  ] as const)('%s(%o, %o) = %s', (op, a, b, want) => {
    const f = op === 'or' ? or : op === 'and' ? and : andNot;
    expect(show(f(a, b))).toBe(want);
  });

  it('dedupes and sorts missing parameters', () => {
    expect(conditional(['b', 'a', 'b']).missing).toEqual(['a', 'b']);
  });
});

describe('exprText', () => {
  it('prints with SpiceDB precedence', () => {
    const ref = (name: string) => ({ kind: 'ref', name }) as const;
    expect(
      exprText({
        kind: 'exclusion',
        base: { kind: 'intersection', children: [ref('reader'), ref('writer')] },
        subtract: { kind: 'union', children: [ref('banned'), ref('blocked')] },
      }),
    ).toBe('reader & writer - banned + blocked');
    expect(
      exprText({
        kind: 'intersection',
        children: [
          { kind: 'union', children: [ref('a1a'), ref('b1b')] },
          { kind: 'arrow', tupleset: 'parent', computed: 'view', mode: 'all' },
        ],
      }),
    ).toBe('a1a + b1b & parent.all(view)');
    expect(
      exprText({
        kind: 'exclusion',
        base: ref('aaa'),
        subtract: { kind: 'exclusion', base: ref('bbb'), subtract: ref('ccc') },
      }),
    ).toBe('aaa - (bbb - ccc)');
  });
});
