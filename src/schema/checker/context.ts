/**
 * Symbol tables shared by the checker rules, built once per AST. Duplicates keep the first
 * declaration (the duplicate rule reports the rest), so lookups are deterministic.
 */
import type { Diagnostic, Span } from '../../errors.ts';
import type { CaveatDecl, DefinitionDecl, MemberDecl, SchemaAST } from '../ast.ts';

/** What the rules can look up, plus the sink they report into. */
export interface CheckContext {
  ast: SchemaAST;
  definitions: Map<string, DefinitionDecl>;
  /** Definition name → member name → first member with that name. */
  members: Map<string, Map<string, MemberDecl>>;
  caveats: Map<string, CaveatDecl>;
  uses: Set<string>;
  report(d: Diagnostic): void;
}

/** Builds the tables for `ast`; `sink` receives every diagnostic a rule reports. */
export function buildContext(ast: SchemaAST, sink: (d: Diagnostic) => void): CheckContext {
  const definitions = new Map<string, DefinitionDecl>();
  const members = new Map<string, Map<string, MemberDecl>>();
  const caveats = new Map<string, CaveatDecl>();
  const uses = new Set<string>();
  for (const item of ast.items) {
    if (item.kind === 'use') uses.add(item.name.text);
    else if (item.kind === 'caveat') {
      if (!caveats.has(item.name.text)) caveats.set(item.name.text, item);
    } else if (!definitions.has(item.name.text)) {
      definitions.set(item.name.text, item);
      const table = new Map<string, MemberDecl>();
      for (const m of item.members) if (!table.has(m.name.text)) table.set(m.name.text, m);
      members.set(item.name.text, table);
    }
  }
  return { ast, definitions, members, caveats, uses, report: sink };
}

/** Makes an error diagnostic. */
export function diag(code: string, message: string, span: Span, hint?: string): Diagnostic {
  const d: Diagnostic = { code, message, span, severity: 'error' };
  if (hint !== undefined) d.hint = hint;
  return d;
}

export { didYouMean, editDistance } from '../suggest.ts';
