/** Schema text of a permission expression, for proofs and expand output (`viewer + parent->view`). */
import type { ExprIR } from '../../schema/ir.ts';

const PRECEDENCE = { exclusion: 1, intersection: 2, union: 3 } as const;

/** Prints `expr` with the minimum parentheses for SpiceDB precedence (`+` > `&` > `-`). */
export function exprText(expr: ExprIR, parent = 0): string {
  switch (expr.kind) {
    case 'ref':
      return expr.name;
    case 'nil':
      return 'nil';
    case 'self':
      return 'self';
    case 'arrow':
      return expr.mode === 'all'
        ? `${expr.tupleset}.all(${expr.computed})`
        : `${expr.tupleset}->${expr.computed}`;
    case 'union':
    case 'intersection': {
      const p = PRECEDENCE[expr.kind];
      const op = expr.kind === 'union' ? ' + ' : ' & ';
      const text = expr.children.map((c) => exprText(c, p)).join(op);
      return p <= parent ? `(${text})` : text;
    }
    case 'exclusion': {
      const p = PRECEDENCE.exclusion;
      const text = `${exprText(expr.base, p - 1)} - ${exprText(expr.subtract, p)}`;
      return p <= parent ? `(${text})` : text;
    }
  }
}
