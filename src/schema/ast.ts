/**
 * The schema syntax tree: what the parser produces and the printer consumes. Every node carries a
 * `span` taken from its tokens. Comments are kept (`comments` before a declaration, `trailing` on
 * its last line) so formatting never loses them; `doc` is the text of the last `/** *\/` comment.
 * Binary operators are kept binary and left-nested exactly as parsed; the compiler flattens them.
 */
import type { Span } from '../errors.ts';

/** A name with the span of its tokens (for `org/team/user`, from `org` to `user`). */
export interface NameNode {
  text: string;
  span: Span;
}

/** Fields every declaration carries for comments. */
export interface Commented {
  /** Raw text of the comments before the declaration, in order; `''` marks a blank line. */
  comments: string[];
  /** A comment on the same line right after the declaration, if any. */
  trailing?: string;
  /**
   * A blank line preceded the declaration (or its first comment); kept for members so the
   * printer can preserve grouping inside a definition. Top-level items always get one.
   */
  spaced?: boolean;
  /** Cleaned text of the last doc comment (`/** ... *\/`) before the declaration. */
  doc?: string;
}

/** The whole file. `endComments` are comments after the last item. */
export interface SchemaAST {
  kind: 'schema';
  items: TopItem[];
  endComments: string[];
  span: Span;
}

export type TopItem = UseDecl | DefinitionDecl | CaveatDecl;

/** `use expiration` (also `self`, `typechecking`). */
export interface UseDecl extends Commented {
  kind: 'use';
  name: NameNode;
  span: Span;
}

/** `definition [prefix/]name { members }`; `endComments` sit before the closing brace. */
export interface DefinitionDecl extends Commented {
  kind: 'definition';
  name: NameNode;
  members: MemberDecl[];
  endComments: string[];
  span: Span;
}

export type MemberDecl = RelationDecl | PermissionDecl;

/** `relation name: T | T#rel | T:* | T with caveat and expiration`. */
export interface RelationDecl extends Commented {
  kind: 'relation';
  name: NameNode;
  types: TypeRef[];
  span: Span;
}

/** One allowed subject type of a relation. */
export interface TypeRef {
  kind: 'typeRef';
  type: NameNode;
  /** `group#member` → member; absent for the object itself. */
  relation?: NameNode;
  wildcard: boolean;
  caveat?: NameNode;
  /** Span of the `expiration` keyword when `with ... expiration` is present. */
  expiration?: Span;
  span: Span;
}

/** `permission name = expr`. */
export interface PermissionDecl extends Commented {
  kind: 'permission';
  name: NameNode;
  expr: Expr;
  span: Span;
}

export type BinaryKind = 'union' | 'intersection' | 'exclusion';

/** Permission expression nodes. Arrows keep the left operand as an expression so the checker can report nested arrows. */
export type Expr =
  | { kind: 'ref'; name: string; span: Span }
  | { kind: 'nil'; span: Span }
  | { kind: 'self'; span: Span }
  | { kind: BinaryKind; left: Expr; right: Expr; span: Span }
  | { kind: 'arrow'; mode: 'arrow' | 'any' | 'all'; left: Expr; target: NameNode; span: Span };

/** `caveat [prefix/]name(params) { CEL }`; `expression` is the body text trimmed. */
export interface CaveatDecl extends Commented {
  kind: 'caveat';
  name: NameNode;
  params: CaveatParam[];
  expression: string;
  /** Span of the trimmed expression text in the source. */
  expressionSpan: Span;
  span: Span;
}

/** `name type` inside a caveat's parameter list. */
export interface CaveatParam {
  name: NameNode;
  type: CelTypeNode;
  span: Span;
}

/** A parameter type as written: `int`, `list<string>`, `map<list<int>>`. */
export interface CelTypeNode {
  name: string;
  args: CelTypeNode[];
  span: Span;
}

/** Canonical text of a parameter type (`list<string>`), used in the IR and the printer. */
export function celTypeText(t: CelTypeNode): string {
  return t.args.length === 0 ? t.name : `${t.name}<${t.args.map(celTypeText).join(', ')}>`;
}
