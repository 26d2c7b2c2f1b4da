/**
 * Recursive-descent parser for the schema language (the grammar SpiceDB's `pkg/schemadsl` accepts).
 * Syntax errors become diagnostics; the parser then skips to the next statement (or top-level
 * `definition` / `caveat` / `use`) and continues, so one typo does not hide the rest of the file.
 * Each method sits below the production it implements; expressions are in parse/expressions.ts,
 * token handling in parse/token-stream.ts.
 */
import type { Diagnostic } from '../errors.ts';
import type {
  CaveatDecl,
  CaveatParam,
  CelTypeNode,
  DefinitionDecl,
  MemberDecl,
  NameNode,
  PermissionDecl,
  RelationDecl,
  SchemaAST,
  TopItem,
  TypeRef,
  UseDecl,
} from './ast.ts';
import type { Token } from './lexer.ts';
import { ExpressionParser } from './parse/expressions.ts';
import { Bail, describe, join, MAX_DIAGNOSTICS } from './parse/token-stream.ts';
import { trimBody } from './parse/trivia.ts';
import { editDistance } from './suggest.ts';

export { MAX_DIAGNOSTICS } from './parse/token-stream.ts';
export { cleanDoc } from './parse/trivia.ts';

/** Result of parsing: the tree (possibly partial) and every syntax diagnostic found. */
export interface ParseResult {
  ast: SchemaAST;
  diagnostics: Diagnostic[];
}

const TOP_KEYWORDS = new Set(['definition', 'caveat', 'use']);

/** Parses `source` into a SchemaAST plus syntax diagnostics; never throws on bad input. */
export function parseSource(source: string): ParseResult {
  return new Parser(source).parseSchema();
}

/** The declaration productions, on top of the expression parser and token cursor. */
class Parser extends ExpressionParser {
  // schema := (sep* item)* eof          (sep: newline or `;`; items may also share a line)

  /** Parses the whole input; each failed item is skipped up to the next top-level keyword. */
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
    // Comments after the last item belong to the file, so the printer can keep them at the end.
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
    // From here on `self` is a keyword (SpiceDB treats it as a plain name before `use self`).
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
}
