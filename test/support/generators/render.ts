/**
 * Renders generated schema models as SpiceDB schema text.
 */
import { ELLIPSIS } from '../../../src/model/index.ts';
import type { GenAllowed, GenExpr, GenSchema } from './schema.ts';

/** Identity of an admitted subject type, as written in the schema. */
export function allowedKey(a: GenAllowed): string {
  return renderAllowed(a);
}

/** Renders the schema in SpiceDB syntax. */
export function renderSchema(s: GenSchema): string {
  const parts: string[] = [];
  const uses = [s.useExpiration ? 'use expiration' : '', s.useSelf ? 'use self' : ''].filter(
    Boolean,
  );
  if (uses.length > 0) parts.push(uses.join('\n'));
  for (const cav of s.caveats) {
    const params = cav.params.map((p) => `${p.name} ${p.type}`).join(', ');
    parts.push(`caveat ${cav.name}(${params}) {\n  ${cav.body}\n}`);
  }
  for (const d of s.definitions) {
    if (d.relations.length === 0 && d.permissions.length === 0) {
      parts.push(`definition ${d.name} {}`);
      continue;
    }
    const lines = [
      ...d.relations.map(
        (r) => `  relation ${r.name}: ${r.allowed.map(renderAllowed).join(' | ')}`,
      ),
      ...d.permissions.map((p) => `  permission ${p.name} = ${renderExpr(p.expr)}`),
    ];
    parts.push(`definition ${d.name} {\n${lines.join('\n')}\n}`);
  }
  return `${parts.join('\n\n')}\n`;
}

function renderAllowed(a: GenAllowed): string {
  let out = a.wildcard
    ? `${a.type}:*`
    : a.relation === ELLIPSIS
      ? a.type
      : `${a.type}#${a.relation}`;
  if (a.caveat && a.expiration) out += ` with ${a.caveat} and expiration`;
  else if (a.caveat) out += ` with ${a.caveat}`;
  else if (a.expiration) out += ' with expiration';
  return out;
}

const PRECEDENCE = { exclusion: 1, intersection: 2, union: 3 } as const;
const OPERATOR = { exclusion: '-', intersection: '&', union: '+' } as const;

/**
 * Renders an expression with the fewest parentheses SpiceDB's precedence needs (`+` binds tightest,
 * then `&`, then `-`; all left-associative), plus the ones a node asks for with `paren`.
 */
export function renderExpr(e: GenExpr): string {
  return renderIn(e, 0, false);
}

function renderIn(e: GenExpr, parentPrec: number, isRight: boolean): string {
  switch (e.kind) {
    case 'ref':
      return e.name;
    case 'nil':
      return 'nil';
    case 'self':
      return 'self';
    case 'arrow':
      if (e.mode === 'all') return `${e.tupleset}.all(${e.computed})`;
      return e.spelling === 'arrow'
        ? `${e.tupleset}->${e.computed}`
        : `${e.tupleset}.any(${e.computed})`;
    default: {
      const prec = PRECEDENCE[e.kind];
      const text = `${renderIn(e.left, prec, false)} ${OPERATOR[e.kind]} ${renderIn(e.right, prec, true)}`;
      const needs = e.paren || prec < parentPrec || (isRight && prec === parentPrec);
      return needs ? `(${text})` : text;
    }
  }
}
