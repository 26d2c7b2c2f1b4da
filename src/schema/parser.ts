/**
 * Recursive-descent parser for the schema language (the grammar SpiceDB's `pkg/schemadsl` accepts).
 * Syntax errors become diagnostics; the parser then skips to the next statement (or top-level
 * `definition` / `caveat` / `use`) and continues, so one typo does not hide the rest of the file.
 * Each method sits below the production it implements.
 */
import type { Diagnostic, Span } from '../errors.ts';
import type {
  CaveatDecl,
  CaveatParam,
  CelTypeNode,
  Commented,
  DefinitionDecl,
  Expr,
  MemberDecl,
  NameNode,
  PermissionDecl,
  RelationDecl,
  SchemaAST,
  TopItem,
  TypeRef,
  UseDecl,
} from './ast.ts';
import { editDistance } from './suggest.ts';
import { type Token, type TokenKind, Lexer } from './lexer.ts';

/** Result of parsing: the tree (possibly partial) and every syntax diagnostic found. */
export interface ParseResult {
  ast: SchemaAST;
  diagnostics: Diagnostic[];
}

/** Maximum diagnostics collected before the parser gives up on the rest of the file. */
export const MAX_DIAGNOSTICS = 100;

/** Thrown inside a statement to unwind to the nearest recovery point. */
class Bail extends Error {}

const TOP_KEYWORDS = new Set(['definition', 'caveat', 'use']);

/** Reserved words SpiceDB never accepts as names (`self` joins them after `use self`). */
const RESERVED = new Set(['definition', 'caveat', 'relation', 'permission', 'nil', 'with']);

/** Parses `source` into a SchemaAST plus syntax diagnostics; never throws on bad input. */
export function parseSource(source: string): ParseResult {
  return new Parser(source).parseSchema();
}

class Parser {
  private readonly lexer: Lexer;
  private tok: Token;
  private prev: Token | undefined;
  /** The last token that was not a newline (for blank-line detection). */
  private lastReal: Token | undefined;
  private readonly diagnostics: Diagnostic[] = [];
  private commentIdx = 0;
  /** `use self` seen: `self` is then a keyword; before it, `self` is an ordinary name (SpiceDB). */
  private useSelf = false;
  /** Depth of open parentheses in an expression: newlines inside parentheses are insignificant. */
  private parenDepth = 0;

  constructor(private readonly source: string) {
    this.lexer = new Lexer(source);
    this.tok = this.lexer.next();
  }

  // ---- token helpers ----------------------------------------------------------------------

  private advance(): Token {
    const t = this.tok;
    this.prev = t;
    if (t.kind !== 'newline') this.lastReal = t;
    this.tok = this.lexer.next();
    return t;
  }

  private at(kind: TokenKind, text?: string): boolean {
    return this.tok.kind === kind && (text === undefined || this.tok.text === text);
  }

  private atKeyword(word: string): boolean {
    return this.tok.kind === 'ident' && this.tok.text === word;
  }

  private optional(kind: TokenKind, text?: string): Token | undefined {
    return this.at(kind, text) ? this.advance() : undefined;
  }

  private expect(kind: TokenKind, what: string, text?: string): Token {
    if (this.at(kind, text)) return this.advance();
    this.fail(`expected ${what}, found ${describe(this.tok)}`, this.tok.span);
  }

  private skipNewlines(): void {
    while (this.tok.kind === 'newline') this.advance();
  }

  private fail(message: string, span: Span, code = 'unexpected_token', hint?: string): never {
    this.report(code, message, span, hint);
    throw new Bail();
  }

  private report(code: string, message: string, span: Span, hint?: string): void {
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
  private takeComments(next: Token | undefined): string[] {
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
  private leading(member = false): Commented {
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
  private trailing(node: Commented & { span: Span }): void {
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

  private syncLexErrors(): void {
    for (const e of this.lexer.errors.splice(0)) this.report(e.code, e.message, e.span);
  }

  private span(start: Span): Span {
    return { start: start.start, end: (this.prev ?? this.tok).span.end };
  }

  // ---- schema := (sep* item)* eof -----------------------------------------------------------

  parseSchema(): ParseResult {
    const start = this.tok.span;
    const items: TopItem[] = [];
    for (;;) {
      while (this.at('newline') || this.at(';')) this.advance();
      if (this.at('eof') || this.diagnostics.length >= MAX_DIAGNOSTICS) break;
      const before = this.tok;
      try {
        items.push(this.parseTopItem());
      } catch (e) {
        if (!(e instanceof Bail)) throw e;
        this.recoverTop(before);
      }
      this.syncLexErrors();
    }
    this.syncLexErrors();
    const endComments = this.takeComments(undefined);
    const ast: SchemaAST = {
      kind: 'schema',
      items,
      endComments,
      span: { start: start.start, end: this.tok.span.end },
    };
    return { ast, diagnostics: this.diagnostics };
  }

  /** Skips to the next top-level keyword that starts a line or follows a `}`. */
  private recoverTop(failedAt: Token): void {
    if (this.tok === failedAt && !this.at('eof')) this.advance();
    while (!this.at('eof')) {
      const p = this.prev?.kind;
      if (
        this.tok.kind === 'ident' &&
        TOP_KEYWORDS.has(this.tok.text) &&
        (p === 'newline' || p === '}')
      )
        return;
      this.advance();
    }
  }

  // item := use | definition | caveat

  private parseTopItem(): TopItem {
    if (this.atKeyword('definition')) return this.parseDefinition();
    if (this.atKeyword('caveat')) return this.parseCaveat();
    if (this.atKeyword('use')) return this.parseUse();
    const word = this.tok.kind === 'ident' ? this.tok.text : '';
    const near = ['definition', 'caveat', 'use'].find(
      (k) => word.length > 2 && editDistance(word, k) <= 2,
    );
    this.fail(
      `expected \`definition\`, \`caveat\` or \`use\`, found ${describe(this.tok)}`,
      this.tok.span,
      'unexpected_token',
      near ? `did you mean \`${near}\`?` : undefined,
    );
  }

  // use := 'use' ident

  private parseUse(): UseDecl {
    const c = this.leading();
    const kw = this.advance();
    const t = this.expect('ident', 'a feature name after `use`');
    const name: NameNode = { text: t.text, span: t.span };
    if (name.text === 'self') this.useSelf = true;
    const node: UseDecl = { kind: 'use', name, span: this.span(kw.span), ...c };
    this.trailing(node);
    return node;
  }

  // definition := 'definition' typeName '{' (sep* member end)* sep* '}'

  private parseDefinition(): DefinitionDecl {
    const c = this.leading();
    const kw = this.advance();
    const name = this.parseTypeName('a definition name');
    this.skipNewlines();
    this.expect('{', '`{` to open the definition body');
    const members: MemberDecl[] = [];
    for (;;) {
      while (this.at('newline') || this.at(';')) this.advance();
      if (this.at('}') || this.at('eof')) break;
      if (
        this.tok.kind === 'ident' &&
        TOP_KEYWORDS.has(this.tok.text) &&
        this.prev?.kind === 'newline'
      )
        break; // a missing `}`: report below and let the top level continue
      const before = this.tok;
      try {
        members.push(this.parseMember());
      } catch (e) {
        if (!(e instanceof Bail)) throw e;
        this.recoverMember(before);
      }
      this.syncLexErrors();
      if (this.diagnostics.length >= MAX_DIAGNOSTICS) break;
    }
    const endComments = this.takeComments(this.tok);
    if (!this.at('}')) {
      this.report(
        'unexpected_token',
        `expected \`}\` to close definition \`${name.text}\`, found ${describe(this.tok)}`,
        this.tok.span,
      );
    } else this.advance();
    const node: DefinitionDecl = {
      kind: 'definition',
      name,
      members,
      endComments,
      span: this.span(kw.span),
      ...c,
    };
    this.trailing(node);
    return node;
  }

  /** Skips the rest of a broken member statement (to its newline, `;` or the closing `}`). */
  private recoverMember(failedAt: Token): void {
    if (this.tok === failedAt && !this.at('eof') && !this.at('}')) this.advance();
    let depth = 0;
    while (!this.at('eof')) {
      if (this.at('(')) depth++;
      else if (this.at(')')) depth = Math.max(0, depth - 1);
      else if (depth === 0 && (this.at('newline') || this.at(';') || this.at('}'))) return;
      this.advance();
    }
  }

  // member := relation | permission, each ended by a newline or `;`

  private parseMember(): MemberDecl {
    let m: MemberDecl;
    if (this.atKeyword('relation')) m = this.parseRelation();
    else if (this.atKeyword('permission')) m = this.parsePermission();
    else
      this.fail(
        `expected \`relation\` or \`permission\`, found ${describe(this.tok)}`,
        this.tok.span,
      );
    this.trailing(m);
    if (this.at('newline') || this.at(';') || this.at('eof')) return m;
    if (this.at('}'))
      this.fail(
        `expected a newline after the ${m.kind} \`${m.name.text}\`, found \`}\``,
        this.tok.span,
        'expected_statement_end',
        'put the closing `}` on its own line (SpiceDB requires it)',
      );
    this.fail(
      `expected a newline or \`;\` after the ${m.kind} \`${m.name.text}\`, found ${describe(this.tok)}`,
      this.tok.span,
      'expected_statement_end',
    );
  }

  // relation := 'relation' ident ':' typeRef ('|' typeRef)*

  private parseRelation(): RelationDecl {
    const c = this.leading(true);
    const kw = this.advance();
    const name = this.parseIdent('a relation name');
    this.expect(':', '`:` after the relation name');
    const types: TypeRef[] = [this.parseTypeRef()];
    while (this.optional('|')) {
      this.skipNewlines();
      types.push(this.parseTypeRef());
    }
    return { kind: 'relation', name, types, span: this.span(kw.span), ...c };
  }

  // typeRef := typeName (':' '*' | '#' ident)? ('with' (expiration | ident ('and' expiration)?))?

  private parseTypeRef(): TypeRef {
    const type = this.parseTypeName('a subject type');
    const ref: TypeRef = { kind: 'typeRef', type, wildcard: false, span: type.span };
    if (this.optional(':')) {
      this.expect('*', '`*` after `:` (wildcard subject type)');
      ref.wildcard = true;
    } else if (this.optional('#')) {
      ref.relation = this.parseIdent('a relation name after `#`');
    }
    if (this.atKeyword('with')) {
      this.advance();
      const first = this.parseTypeName('a caveat name or `expiration` after `with`');
      if (first.text === 'expiration') ref.expiration = first.span;
      else {
        ref.caveat = first;
        if (this.atKeyword('and')) {
          this.advance();
          const exp = this.expect('ident', '`expiration` after `and`', 'expiration');
          ref.expiration = exp.span;
        }
      }
    }
    ref.span = this.span(type.span);
    return ref;
  }

  // permission := 'permission' ident '=' expr

  private parsePermission(): PermissionDecl {
    const c = this.leading(true);
    const kw = this.advance();
    const name = this.parseIdent('a permission name');
    this.expect('=', '`=` after the permission name');
    this.skipNewlines();
    const expr = this.parseExclusion();
    return { kind: 'permission', name, expr, span: this.span(kw.span), ...c };
  }

  // Precedence (SpiceDB): `-` lowest, then `&`, then `+` tightest; all left-associative.
  // exclusion := intersection ('-' intersection)*

  private parseExclusion(): Expr {
    let left = this.parseIntersection();
    while (this.peekOperator('-')) {
      this.advance();
      this.skipNewlines();
      const right = this.parseIntersection();
      left = { kind: 'exclusion', left, right, span: join(left.span, right.span) };
    }
    return left;
  }

  // intersection := union ('&' union)*

  private parseIntersection(): Expr {
    let left = this.parseUnion();
    while (this.peekOperator('&')) {
      this.advance();
      this.skipNewlines();
      const right = this.parseUnion();
      left = { kind: 'intersection', left, right, span: join(left.span, right.span) };
    }
    return left;
  }

  // union := arrow ('+' arrow)*

  private parseUnion(): Expr {
    let left = this.parseArrow();
    while (this.peekOperator('+')) {
      this.advance();
      this.skipNewlines();
      const right = this.parseArrow();
      left = { kind: 'union', left, right, span: join(left.span, right.span) };
    }
    return left;
  }

  /** Operators continue an expression on the same line, or anywhere inside parentheses. */
  private peekOperator(kind: TokenKind): boolean {
    if (this.parenDepth > 0) this.skipNewlines();
    return this.at(kind);
  }

  // arrow := primary ('->' ident | '.' ('any' | 'all') '(' ident ')')*

  private parseArrow(): Expr {
    const parenthesised = this.at('(');
    let left = this.parsePrimary();
    // As in SpiceDB, only an identifier starts an arrow: `(a)->b` and `nil->b` are syntax errors.
    if (parenthesised || left.kind !== 'ref') return left;
    for (;;) {
      if (this.peekOperator('->')) {
        this.advance();
        const target = this.parseIdent('a relation or permission name after `->`');
        left = { kind: 'arrow', mode: 'arrow', left, target, span: join(left.span, target.span) };
      } else if (this.peekOperator('.')) {
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

  private parsePrimary(): Expr {
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

  // caveat := 'caveat' typeName '(' param (',' param)* ')' '{' CEL '}'

  private parseCaveat(): CaveatDecl {
    const c = this.leading();
    const kw = this.advance();
    const name = this.parseTypeName('a caveat name');
    this.expect('(', '`(` to open the caveat parameters');
    const params: CaveatParam[] = [];
    this.skipNewlines();
    if (!this.at(')')) {
      for (;;) {
        this.skipNewlines();
        params.push(this.parseParam());
        this.skipNewlines();
        if (!this.optional(',')) break;
        this.skipNewlines();
        if (this.at(')')) break; // trailing comma
      }
    }
    this.expect(')', '`,` or `)` in the caveat parameters');
    this.skipNewlines();
    if (!this.at('{'))
      this.fail(
        `expected \`{\` to open the caveat body, found ${describe(this.tok)}`,
        this.tok.span,
      );
    // The lexer has not read past `{` (one-token lookahead), so the raw body starts right after it.
    const open = this.tok;
    const body = this.lexer.readCaveatBody();
    this.prev = {
      kind: '}',
      text: '}',
      span: { start: body.span.end, end: this.lexer.position() },
    };
    this.lastReal = this.prev;
    this.tok = this.lexer.next();
    if (!body.closed) {
      this.syncLexErrors();
      throw new Bail();
    }
    const { expression, expressionSpan } = trimBody(this.source, body.text, body.span, open.span);
    const node: CaveatDecl = {
      kind: 'caveat',
      name,
      params,
      expression,
      expressionSpan,
      span: this.span(kw.span),
      ...c,
    };
    this.trailing(node);
    return node;
  }

  // param := ident celType

  private parseParam(): CaveatParam {
    const name = this.parseIdent('a parameter name');
    const type = this.parseCelType();
    return { name, type, span: join(name.span, type.span) };
  }

  // celType := ident ('<' celType (',' celType)* '>')?

  private parseCelType(): CelTypeNode {
    const t = this.expect('ident', 'a parameter type');
    const node: CelTypeNode = { name: t.text, args: [], span: t.span };
    if (this.optional('<')) {
      node.args.push(this.parseCelType());
      while (this.optional(',')) node.args.push(this.parseCelType());
      const close = this.expect('>', '`>` to close the type arguments');
      node.span = join(t.span, close.span);
    }
    return node;
  }

  // ident / typeName := ident ('/' ident)*

  private parseIdent(what: string): NameNode {
    const t = this.expect('ident', what);
    this.notReserved(t, what);
    return { text: t.text, span: t.span };
  }

  private notReserved(t: Token, what: string): void {
    if (RESERVED.has(t.text) || (this.useSelf && t.text === 'self'))
      this.fail(`expected ${what}, found keyword \`${t.text}\``, t.span);
  }

  private parseTypeName(what: string): NameNode {
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

function join(a: Span, b: Span): Span {
  return { start: a.start, end: b.end };
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'end of input';
  if (t.kind === 'newline') return 'end of line';
  return `\`${t.text}\``;
}

/**
 * Block comments are stored with continuation lines re-indented to one space (` * text`), the
 * form the printer emits at any nesting depth, so formatting is stable.
 */
function normalizeComment(text: string): string {
  if (!text.includes('\n')) return text;
  return text
    .split('\n')
    .map((l, i) => (i === 0 ? l.trimEnd() : ` ${l.trim()}`))
    .join('\n');
}

/** Text of a doc comment without its delimiters and leading `*` gutters. */
export function cleanDoc(raw: string): string {
  return raw
    .replace(/^\/\*\*/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, '').trimEnd())
    .join('\n')
    .trim();
}

/** Trims the caveat body and computes the exact span of the remaining expression text. */
function trimBody(
  source: string,
  text: string,
  span: Span,
  open: Span,
): { expression: string; expressionSpan: Span } {
  const lead = text.length - text.trimStart().length;
  const expression = text.trim();
  if (expression === '') return { expression, expressionSpan: { start: open.end, end: open.end } };
  const start = advancePos(source, span.start, span.start.offset + lead);
  const end = advancePos(source, start, start.offset + expression.length);
  return { expression, expressionSpan: { start, end } };
}

function advancePos(source: string, from: Span['start'], to: number): Span['start'] {
  let { line, column } = from;
  for (let i = from.offset; i < to; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column, offset: to };
}
