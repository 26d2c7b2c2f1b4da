/**
 * Synchronous pull lexer for the schema language. The parser asks for one token at a time; comments
 * are not tokens but are collected on the side (with spans) so the parser can attach them to the
 * next declaration and the printer can keep them.
 *
 * Newlines are tokens: SpiceDB ends a relation or permission at a newline (or `;`), so the parser
 * needs to see them. It skips them wherever a statement cannot end (after `+`, `|`, `{`, ...).
 */
import type { Position, Span } from '../errors.ts';

export type TokenKind =
  | 'ident'
  | 'newline'
  | 'eof'
  | 'error'
  | '{'
  | '}'
  | '('
  | ')'
  | ':'
  | ';'
  | '|'
  | '#'
  | '*'
  | '+'
  | '&'
  | '-'
  | '->'
  | '.'
  | ','
  | '='
  | '<'
  | '>'
  | '/';

/** One token; `text` is the exact source slice, `span` is half-open over the source. */
export interface Token {
  kind: TokenKind;
  text: string;
  span: Span;
}

/** A `//`, `/* *\/` or `/** *\/` comment with its exact source text. */
export interface Comment {
  text: string;
  span: Span;
}

/** A lexical problem (bad character, unterminated comment); the lexer keeps going after it. */
export interface LexError {
  code: 'invalid_character' | 'unterminated_comment' | 'unterminated_caveat_body';
  message: string;
  span: Span;
}

const PUNCT = new Set('{}():;|#*+&.,=<>/');

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}

/** Tokenizes `source` on demand; positions are 1-based line/column and 0-based offsets. */
export class Lexer {
  readonly comments: Comment[] = [];
  readonly errors: LexError[] = [];
  private offset = 0;
  private line = 1;
  private column = 1;

  constructor(readonly source: string) {}

  /** Current position (start of the next unread character). */
  position(): Position {
    return { line: this.line, column: this.column, offset: this.offset };
  }

  private advance(n = 1): void {
    for (let i = 0; i < n && this.offset < this.source.length; i++) {
      if (this.source.charCodeAt(this.offset) === 10) {
        this.line++;
        this.column = 1;
      } else {
        this.column++;
      }
      this.offset++;
    }
  }

  /** Moves over `n` characters known to contain no line break (names, punctuation). */
  private advanceInLine(n: number): void {
    this.offset += n;
    this.column += n;
  }

  /** Returns the next token; newlines are collapsed into one `newline` token per run. */
  next(): Token {
    const src = this.source;
    for (;;) {
      // Skip horizontal whitespace and comments; stop at newlines (significant).
      while (this.offset < src.length) {
        const c = src.charCodeAt(this.offset);
        if (c === 32 || c === 9 || c === 13 || c === 0xfeff) this.advanceInLine(1);
        else if (c === 47 && src.charCodeAt(this.offset + 1) === 47) this.lineComment();
        else if (c === 47 && src.charCodeAt(this.offset + 1) === 42) this.blockComment();
        else break;
      }
      const start = this.position();
      if (this.offset >= src.length) return { kind: 'eof', text: '', span: { start, end: start } };
      const c = src.charCodeAt(this.offset);
      if (c === 10) {
        // Collapse a run of newlines, whitespace and comments into one newline token whose span
        // is the first line break only (so "found end of line" points at the end of that line).
        this.advance();
        const end = { line: start.line, column: start.column + 1, offset: start.offset + 1 };
        for (;;) {
          const d = src.charCodeAt(this.offset);
          if (d === 10) this.advance();
          else if (d === 32 || d === 9 || d === 13) this.advance();
          else if (d === 47 && src.charCodeAt(this.offset + 1) === 47) this.lineComment();
          else if (d === 47 && src.charCodeAt(this.offset + 1) === 42) this.blockComment();
          else break;
        }
        return this.newlineToken(start, end);
      }
      if (isIdentStart(c)) {
        let i = this.offset + 1;
        while (i < src.length && isIdentPart(src.charCodeAt(i))) i++;
        const text = src.slice(this.offset, i);
        this.advanceInLine(i - this.offset);
        return { kind: 'ident', text, span: { start, end: this.position() } };
      }
      if (c === 45 /* - */) {
        const arrow = src.charCodeAt(this.offset + 1) === 62;
        this.advanceInLine(arrow ? 2 : 1);
        return {
          kind: arrow ? '->' : '-',
          text: arrow ? '->' : '-',
          span: { start, end: this.position() },
        };
      }
      const ch = src[this.offset] as string;
      if (PUNCT.has(ch)) {
        this.advanceInLine(1);
        return { kind: ch as TokenKind, text: ch, span: { start, end: this.position() } };
      }
      // Unknown character: report it and return an error token so the parser can recover.
      const cp = src.codePointAt(this.offset) ?? c;
      const width = cp > 0xffff ? 2 : 1;
      this.advance(width);
      const span = { start, end: this.position() };
      const text = src.slice(start.offset, this.offset);
      this.errors.push({
        code: 'invalid_character',
        message: `unexpected character ${JSON.stringify(text)}`,
        span,
      });
      return { kind: 'error', text, span };
    }
  }

  private newlineToken(start: Position, end: Position): Token {
    return { kind: 'newline', text: '\n', span: { start, end } };
  }

  private lineComment(): void {
    const start = this.position();
    let i = this.offset;
    while (i < this.source.length && this.source.charCodeAt(i) !== 10) i++;
    const text = this.source.slice(this.offset, i).replace(/\r$/, '');
    this.advance(i - this.offset);
    this.comments.push({ text, span: { start, end: this.position() } });
  }

  /**
   * Consumes a block comment. Like SpiceDB, a block comment is never a line break, even when it
   * spans lines (`relation a: user /* x\n *\/ permission ...` is one statement).
   */
  private blockComment(): void {
    const start = this.position();
    const close = this.source.indexOf('*/', this.offset + 2);
    const endOffset = close < 0 ? this.source.length : close + 2;
    const text = this.source.slice(this.offset, endOffset);
    this.advance(endOffset - this.offset);
    const span = { start, end: this.position() };
    if (close < 0) {
      this.errors.push({
        code: 'unterminated_comment',
        message: 'unterminated block comment',
        span,
      });
    }
    this.comments.push({ text, span });
  }

  /**
   * Reads a caveat's CEL body raw, after its opening `{`, up to the matching `}` (skipping string
   * literals and nested braces). Returns the body's exact text and span, and consumes the `}`.
   */
  readCaveatBody(): { text: string; span: Span; closed: boolean } {
    const src = this.source;
    const start = this.position();
    let depth = 0;
    let i = this.offset;
    while (i < src.length) {
      const c = src[i];
      if (c === '"' || c === "'") {
        i = skipCelString(src, i);
        continue;
      }
      if (c === '/' && src[i + 1] === '/') {
        while (i < src.length && src[i] !== '\n') i++;
        continue;
      }
      if (c === '{') depth++;
      else if (c === '}') {
        if (depth === 0) break;
        depth--;
      }
      i++;
    }
    const text = src.slice(this.offset, i);
    this.advance(i - this.offset);
    const span = { start, end: this.position() };
    const closed = i < src.length;
    if (closed) this.advance();
    else
      this.errors.push({
        code: 'unterminated_caveat_body',
        message: 'caveat body is missing its closing `}`',
        span,
      });
    return { text, span, closed };
  }
}

/** Returns the offset just past the CEL string literal starting at `i` (single/triple quoted). */
function skipCelString(src: string, i: number): number {
  const q = src[i] as string;
  const triple = src.startsWith(q.repeat(3), i);
  const close = triple ? q.repeat(3) : q;
  let j = i + close.length;
  while (j < src.length) {
    if (src[j] === '\\') {
      j += 2;
      continue;
    }
    if (src.startsWith(close, j)) return j + close.length;
    if (!triple && src[j] === '\n') return j;
    j++;
  }
  return j;
}

/**
 * The position `count` characters after `from` in `source` (clamped to the end), tracking lines;
 * used to map offsets inside a token (a caveat body, a CEL error) back to exact positions.
 */
export function advancePosition(source: string, from: Position, count: number): Position {
  let { line, column } = from;
  const stop = Math.min(source.length, from.offset + Math.max(0, count));
  for (let i = from.offset; i < stop; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column, offset: stop };
}
