/**
 * The canonical printer (formatter). Output shape: `use` flags first in source order, one blank
 * line between top-level items, members indented by one tab, one member per line, subject types
 * joined by ` | `, operators spaced, parentheses only where precedence needs them, caveat bodies
 * re-indented by one tab. Comments are kept: leading comments above their declaration, trailing
 * comments on its line. `parse(printSchema(ast))` gives back `ast` (spans aside).
 */
import type {
  CaveatDecl,
  Commented,
  DefinitionDecl,
  Expr,
  MemberDecl,
  SchemaAST,
  TopItem,
  TypeRef,
} from './ast.ts';
import { celTypeText } from './ast.ts';

/** Prints `ast` canonically; the result always ends with one newline (empty schema → ""). */
export function printSchema(ast: SchemaAST): string {
  const blocks = ast.items.map(printItem);
  if (ast.endComments.length > 0)
    blocks.push(ast.endComments.map((c) => reindent(c, '')).join('\n'));
  // Consecutive `use` lines stay together; every other item is separated by a blank line.
  let out = '';
  ast.items.forEach((item, i) => {
    if (i > 0)
      out +=
        item.kind === 'use' && ast.items[i - 1]?.kind === 'use' && item.comments.length === 0
          ? '\n'
          : '\n\n';
    out += blocks[i];
  });
  if (ast.endComments.length > 0) out += (out ? '\n\n' : '') + blocks[blocks.length - 1];
  return out === '' ? '' : `${out}\n`;
}

function printItem(item: TopItem): string {
  switch (item.kind) {
    case 'use':
      return withComments(item, `use ${item.name.text}`, '');
    case 'definition':
      return printDefinition(item);
    case 'caveat':
      return printCaveat(item);
  }
}

function withComments(node: Commented, line: string, indent: string): string {
  const lead = node.comments.map((c) => reindent(c, indent));
  const main = indent + line + (node.trailing ? ` ${node.trailing}` : '');
  return [...lead, main].join('\n');
}

/** Re-indents a (possibly multi-line block) comment so its first line starts at `indent`. */
function reindent(comment: string, indent: string): string {
  if (comment === '') return '';
  const lines = comment.split('\n');
  if (lines.length === 1) return indent + comment;
  return lines.map((l, i) => (i === 0 ? indent + l : `${indent} ${l.trim()}`)).join('\n');
}

function printDefinition(def: DefinitionDecl): string {
  const head = `definition ${def.name.text} {`;
  if (def.members.length === 0 && def.endComments.length === 0)
    return withComments(def, `${head}}`, '');
  const body = def.members.map(
    (m, i) => (i > 0 && m.spaced ? '\n' : '') + withComments(m, printMember(m), '\t'),
  );
  for (const c of def.endComments) body.push(reindent(c, '\t'));
  const lead = def.comments.map((c) => reindent(c, ''));
  return [...lead, head, ...body, `}${def.trailing ? ` ${def.trailing}` : ''}`].join('\n');
}

function printMember(m: MemberDecl): string {
  if (m.kind === 'relation')
    return `relation ${m.name.text}: ${m.types.map(printTypeRef).join(' | ')}`;
  return `permission ${m.name.text} = ${printExpr(m.expr)}`;
}

/** Prints one subject type: `user`, `group#member`, `user:*`, `user with cav and expiration`. */
export function printTypeRef(t: TypeRef): string {
  let s = t.type.text;
  if (t.wildcard) s += ':*';
  else if (t.relation) s += `#${t.relation.text}`;
  if (t.caveat && t.expiration) s += ` with ${t.caveat.text} and expiration`;
  else if (t.caveat) s += ` with ${t.caveat.text}`;
  else if (t.expiration) s += ' with expiration';
  return s;
}

// Binding strength: `+` tightest (3), then `&` (2), then `-` (1); atoms and arrows bind tighter still.
const PREC: Record<Expr['kind'], number> = {
  exclusion: 1,
  intersection: 2,
  union: 3,
  arrow: 4,
  ref: 5,
  nil: 5,
  self: 5,
};
const OP = { union: '+', intersection: '&', exclusion: '-' } as const;

/** Prints an expression with the minimum parentheses that preserve its tree. */
export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'ref':
      return e.name;
    case 'nil':
    case 'self':
      return e.kind;
    case 'arrow': {
      const left = PREC[e.left.kind] >= PREC.arrow ? printExpr(e.left) : `(${printExpr(e.left)})`;
      return e.mode === 'arrow'
        ? `${left}->${e.target.text}`
        : `${left}.${e.mode}(${e.target.text})`;
    }
    default: {
      const p = PREC[e.kind];
      // Left-associative: the left operand may share the precedence, the right one may not.
      const left = PREC[e.left.kind] >= p ? printExpr(e.left) : `(${printExpr(e.left)})`;
      const right = PREC[e.right.kind] > p ? printExpr(e.right) : `(${printExpr(e.right)})`;
      return `${left} ${OP[e.kind]} ${right}`;
    }
  }
}

function printCaveat(c: CaveatDecl): string {
  const params = c.params.map((p) => `${p.name.text} ${celTypeText(p.type)}`).join(', ');
  const body = dedent(c.expression)
    .split('\n')
    .map((l) => (l.trim() === '' ? '' : `\t${l}`))
    .join('\n');
  const lead = c.comments.map((x) => reindent(x, ''));
  return [
    ...lead,
    `caveat ${c.name.text}(${params}) {`,
    body,
    `}${c.trailing ? ` ${c.trailing}` : ''}`,
  ].join('\n');
}

/**
 * Removes the common indentation of a caveat body's continuation lines (the first line was
 * already trimmed by the parser), so re-printing is idempotent.
 */
export function dedent(text: string): string {
  const lines = text.split('\n').map((l) => l.trimEnd());
  const rest = lines.slice(1).filter((l) => l.trim() !== '');
  const common = rest.reduce(
    (min, l) => Math.min(min, l.length - l.trimStart().length),
    Number.POSITIVE_INFINITY,
  );
  const cut = Number.isFinite(common) ? common : 0;
  return lines
    .map((l, i) => (i === 0 ? l : l.slice(Math.min(cut, l.length - l.trimStart().length))))
    .join('\n');
}
