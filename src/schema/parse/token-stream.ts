/**
 * The parser's token cursor: one-token lookahead over the lexer, `expect`/`optional` helpers,
 * diagnostics with error recovery (`fail` unwinds to the nearest recovery point), comment
 * attachment, and the name productions shared by every part of the grammar.
 */
import type { Diagnostic, Span } from '../../errors.ts';
import type { Commented, NameNode } from '../ast.ts';
import { Lexer, type Token, type TokenKind } from '../lexer.ts';
import { cleanDoc, normalizeComment } from './trivia.ts';

/** Maximum diagnostics collected before the parser gives up on the rest of the file. */
export const MAX_DIAGNOSTICS = 100;

/** Thrown inside a statement to unwind to the nearest recovery point. */
export class Bail extends Error {}

/** Reserved words SpiceDB never accepts as names (`self` joins them after `use self`). */
export const RESERVED = new Set(['definition', 'caveat', 'relation', 'permission', 'nil', 'with']);

/** Base of the parser classes: token access, diagnostics, comments and names. */
export class TokenStream {
  protected readonly lexer: Lexer;
  protected tok: Token;
  protected prev: Token | undefined;
  /** The last token that was not a newline (for blank-line detection). */
  protected lastReal: Token | undefined;
  protected readonly diagnostics: Diagnostic[] = [];
  protected commentIdx = 0;
  /** `use self` seen: `self` is then a keyword; before it, `self` is an ordinary name (SpiceDB). */
  protected useSelf = false;

  constructor(protected readonly source: string) {
    this.lexer = new Lexer(source);
    this.tok = this.lexer.next();
  }

  protected advance(): Token {
    const t = this.tok;
    this.prev = t;
    if (t.kind !== 'newline') this.lastReal = t;
    this.tok = this.lexer.next();
    return t;
  }

  protected at(kind: TokenKind, text?: string): boolean {
    return this.tok.kind === kind && (text === undefined || this.tok.text === text);
  }

  protected atKeyword(word: string): boolean {
    return this.tok.kind === 'ident' && this.tok.text === word;
  }

  protected optional(kind: TokenKind, text?: string): Token | undefined {
    return this.at(kind, text) ? this.advance() : undefined;
  }

  protected expect(kind: TokenKind, what: string, text?: string): Token {
    if (this.at(kind, text)) return this.advance();
    this.fail(`expected ${what}, found ${describe(this.tok)}`, this.tok.span);
  }

  protected skipNewlines(): void {
    while (this.tok.kind === 'newline') this.advance();
  }

  protected fail(message: string, span: Span, code = 'unexpected_token', hint?: string): never {
    this.report(code, message, span, hint);
    throw new Bail();
  }

  protected report(code: string, message: string, span: Span, hint?: string): void {
    if (this.diagnostics.length >= MAX_DIAGNOSTICS) return;
    // A bad character is reported once by the lexer, not again as an unexpected token.
    if (this.tok.kind === 'error' && span === this.tok.span && code !== 'invalid_character') return;
    const d: Diagnostic = { code, message, span, severity: 'error' };
    if (hint) d.hint = hint;
    this.diagnostics.push(d);
  }

  /**
   * Takes the comments that start before the token `next` (they precede the next declaration).
   * A blank line between two comments, or between the last comment and `next`, is kept as an
   * empty string so the printer can reproduce it (and so a detached header is not a doc comment).
   */
  protected takeComments(next: Token | undefined): string[] {
    const out: string[] = [];
    const all = this.lexer.comments;
    const limit = next ? next.span.start.offset : Number.POSITIVE_INFINITY;
    let lastLine = -1;
    while (
      this.commentIdx < all.length &&
      (all[this.commentIdx] as { span: Span }).span.start.offset < limit
    ) {
      const c = all[this.commentIdx] as { text: string; span: Span };
      if (lastLine >= 0 && c.span.start.line > lastLine + 1) out.push('');
      out.push(normalizeComment(c.text));
      lastLine = c.span.end.line;
      this.commentIdx++;
    }
    if (next && out.length > 0 && next.span.start.line > lastLine + 1) out.push('');
    return out;
  }

  /**
   * Attaches leading comments (and the doc text) to a declaration about to be parsed. For members,
   * `spaced` records a blank line between the previous statement and the first comment (or the
   * member itself when it has none).
   */
  protected leading(member = false): Commented {
    const pending = this.lexer.comments[this.commentIdx];
    const firstLine =
      pending && pending.span.start.offset < this.tok.span.start.offset
        ? pending.span.start.line
        : this.tok.span.start.line;
    const comments = this.takeComments(this.tok);
    const c: Commented = { comments };
    const last = comments[comments.length - 1];
    if (last?.startsWith('/**') && last !== '/**/') c.doc = cleanDoc(last);
    if (
      member &&
      this.lastReal &&
      this.lastReal.kind !== '{' &&
      firstLine - this.lastReal.span.end.line > 1
    )
      c.spaced = true;
    return c;
  }

  /** Attaches a comment on the declaration's last line as its trailing comment. */
  protected trailing(node: Commented & { span: Span }): void {
    const c = this.lexer.comments[this.commentIdx];
    if (
      c &&
      c.span.start.line === node.span.end.line &&
      c.span.start.offset >= node.span.end.offset
    ) {
      node.trailing = c.text;
      this.commentIdx++;
    }
  }

  protected syncLexErrors(): void {
    for (const e of this.lexer.errors.splice(0)) this.report(e.code, e.message, e.span);
  }

  protected span(start: Span): Span {
    return { start: start.start, end: (this.prev ?? this.tok).span.end };
  }

  // ident / typeName := ident ('/' ident)*

  protected parseIdent(what: string): NameNode {
    const t = this.expect('ident', what);
    this.notReserved(t, what);
    return { text: t.text, span: t.span };
  }

  protected notReserved(t: Token, what: string): void {
    if (RESERVED.has(t.text) || (this.useSelf && t.text === 'self'))
      this.fail(`expected ${what}, found keyword \`${t.text}\``, t.span);
  }

  protected parseTypeName(what: string): NameNode {
    const first = this.expect('ident', what);
    this.notReserved(first, what);
    let text = first.text;
    let last = first;
    while (this.at('/')) {
      this.advance();
      last = this.expect('ident', 'a name segment after `/`');
      this.notReserved(last, 'a name segment after `/`');
      text += `/${last.text}`;
    }
    return { text, span: join(first.span, last.span) };
  }
}

export function join(a: Span, b: Span): Span {
  return { start: a.start, end: b.end };
}

export function describe(t: Token): string {
  if (t.kind === 'eof') return 'end of input';
  if (t.kind === 'newline') return 'end of line';
  return `\`${t.text}\``;
}
