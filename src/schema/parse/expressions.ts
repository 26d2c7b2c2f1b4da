/**
 * Permission expressions. Precedence is SpiceDB's (`pkg/schemadsl/parser`): `-` binds loosest,
 * then `&`, then `+`; arrows bind tightest; every operator is left-associative. Newlines end an
 * expression except after an operator or inside parentheses.
 */
import type { Expr } from '../ast.ts';
import type { TokenKind } from '../lexer.ts';
import { describe, join, RESERVED, TokenStream } from './token-stream.ts';

/** Most binary operators and arrows in one permission expression (`expression_too_complex`). */
export const MAX_EXPRESSION_OPERATORS = 1000;
/** Deepest nesting of parentheses in one permission expression (`expression_too_complex`). */
export const MAX_PAREN_DEPTH = 100;

/** Adds the expression productions to the token cursor. */
export class ExpressionParser extends TokenStream {
  /** Depth of open parentheses in an expression: newlines inside parentheses are insignificant. */
  protected parenDepth = 0;
  /** Binary operators and arrows read so far in the current permission expression. */
  protected operatorCount = 0;

  // exclusion := intersection ('-' intersection)*

  protected parseExclusion(): Expr {
    if (this.parenDepth === 0) this.operatorCount = 0; // a new permission expression
    let left = this.parseIntersection();
    while (this.peekOperator('-')) {
      this.countOperator();
      this.advance();
      this.skipNewlines();
      const right = this.parseIntersection();
      left = { kind: 'exclusion', left, right, span: join(left.span, right.span) };
    }
    return left;
  }

  // intersection := union ('&' union)*

  protected parseIntersection(): Expr {
    let left = this.parseUnion();
    while (this.peekOperator('&')) {
      this.countOperator();
      this.advance();
      this.skipNewlines();
      const right = this.parseUnion();
      left = { kind: 'intersection', left, right, span: join(left.span, right.span) };
    }
    return left;
  }

  // union := arrow ('+' arrow)*

  protected parseUnion(): Expr {
    let left = this.parseArrow();
    while (this.peekOperator('+')) {
      this.countOperator();
      this.advance();
      this.skipNewlines();
      const right = this.parseArrow();
      left = { kind: 'union', left, right, span: join(left.span, right.span) };
    }
    return left;
  }

  /**
   * Bounds the expression tree: every operator adds a level to the (left-associative) tree that the
   * checker, compiler and printer walk recursively, so ~10,000 of them overflowed the stack and the
   * schema write answered 500. Far beyond any real schema, refused as a syntax error.
   */
  protected countOperator(): void {
    if (++this.operatorCount > MAX_EXPRESSION_OPERATORS)
      this.fail(
        `a permission expression may have at most ${MAX_EXPRESSION_OPERATORS} operators`,
        this.tok.span,
        'expression_too_complex',
      );
  }

  /** Operators continue an expression on the same line, or anywhere inside parentheses. */
  protected peekOperator(kind: TokenKind): boolean {
    if (this.parenDepth > 0) this.skipNewlines();
    return this.at(kind);
  }

  // arrow := primary ('->' ident | '.' ('any' | 'all') '(' ident ')')*

  protected parseArrow(): Expr {
    const parenthesised = this.at('(');
    let left = this.parsePrimary();
    // As in SpiceDB, only an identifier starts an arrow: `(a)->b` and `nil->b` are syntax errors.
    if (parenthesised || left.kind !== 'ref') return left;
    for (;;) {
      if (this.peekOperator('->')) {
        this.countOperator();
        this.advance();
        const target = this.parseIdent('a relation or permission name after `->`');
        left = { kind: 'arrow', mode: 'arrow', left, target, span: join(left.span, target.span) };
      } else if (this.peekOperator('.')) {
        this.countOperator();
        this.advance();
        const fn = this.expect('ident', '`any` or `all` after `.`');
        if (fn.text !== 'any' && fn.text !== 'all')
          this.fail(`expected \`any\` or \`all\` after \`.\`, found \`${fn.text}\``, fn.span);
        this.expect('(', `\`(\` after \`.${fn.text}\``);
        const target = this.parseIdent('a relation or permission name');
        const close = this.expect(')', `\`)\` to close \`.${fn.text}(\``);
        left = { kind: 'arrow', mode: fn.text, left, target, span: join(left.span, close.span) };
      } else return left;
    }
  }

  // primary := ident | 'nil' | 'self' | '(' exclusion ')'

  protected parsePrimary(): Expr {
    const t = this.tok;
    if (t.kind === 'ident') {
      this.advance();
      if (t.text === 'nil') return { kind: 'nil', span: t.span };
      if (t.text === 'self' && this.useSelf) return { kind: 'self', span: t.span };
      if (RESERVED.has(t.text))
        this.fail(
          `expected a relation, permission, \`nil\` or \`(\`, found keyword \`${t.text}\``,
          t.span,
        );
      return { kind: 'ref', name: t.text, span: t.span };
    }
    if (t.kind === '(') {
      // Each level costs several parser frames: bound it before the stack does.
      if (this.parenDepth >= MAX_PAREN_DEPTH)
        this.fail(
          `parentheses may nest at most ${MAX_PAREN_DEPTH} deep`,
          t.span,
          'expression_too_complex',
        );
      this.advance();
      this.parenDepth++;
      try {
        this.skipNewlines();
        const inner = this.parseExclusion();
        this.skipNewlines();
        this.expect(')', '`)` to close the parenthesis');
        return inner;
      } finally {
        this.parenDepth--;
      }
    }
    this.fail(`expected a relation, permission, \`nil\` or \`(\`, found ${describe(t)}`, t.span);
  }
}
