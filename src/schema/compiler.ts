/**
 * AST → IR. Runs only on a schema that parsed and checked without errors, so every reference
 * resolves. Binary operators are flattened (`a + (b + c)` → one union of three), `->` becomes an
 * arrow with mode `any`, and parentheses disappear (they only shaped the tree).
 */
import { invariant } from '../errors.ts';
import type { Expr, SchemaAST } from './ast.ts';
import { celTypeText } from './ast.ts';
import { computeSchemaHash } from './hash.ts';
import { dedent } from './printer.ts';
import type {
  AllowedSubjectIR,
  CaveatIR,
  DefinitionIR,
  ExprIR,
  PermissionIR,
  RelationIR,
  SchemaIR,
} from './ir.ts';

/** Builds the IR (with its content hash) from a checked AST. */
export function compileAst(ast: SchemaAST): SchemaIR {
  const definitions: Record<string, DefinitionIR> = {};
  const caveats: Record<string, CaveatIR> = {};
  const uses = new Set<string>();
  for (const item of ast.items) {
    if (item.kind === 'use') uses.add(item.name.text);
    else if (item.kind === 'caveat') {
      const params: Record<string, string> = {};
      for (const p of item.params) params[p.name.text] = celTypeText(p.type);
      // Dedented so re-indenting the body (the formatter does) keeps the schema hash.
      caveats[item.name.text] = withDoc(
        { name: item.name.text, params, expression: dedent(item.expression) },
        item.doc,
      );
    } else {
      const relations: Record<string, RelationIR> = {};
      const permissions: Record<string, PermissionIR> = {};
      for (const m of item.members) {
        if (m.kind === 'relation') {
          const allowed = m.types.map((t): AllowedSubjectIR => {
            const a: { -readonly [K in keyof AllowedSubjectIR]: AllowedSubjectIR[K] } = {
              type: t.type.text,
              relation: t.relation?.text ?? '...',
              wildcard: t.wildcard,
              expiration: t.expiration !== undefined,
            };
            if (t.caveat) a.caveat = t.caveat.text;
            return a;
          });
          relations[m.name.text] = withDoc({ name: m.name.text, allowed }, m.doc);
        } else {
          permissions[m.name.text] = withDoc(
            { name: m.name.text, expr: compileExpr(m.expr) },
            m.doc,
          );
        }
      }
      definitions[item.name.text] = withDoc(
        { name: item.name.text, relations, permissions },
        item.doc,
      );
    }
  }
  // `uses` is sorted and de-duplicated: the order of `use` lines carries no meaning.
  const body = { format: 1 as const, definitions, caveats, uses: [...uses].sort() };
  return { format: 1, hash: computeSchemaHash(body), definitions, caveats, uses: body.uses };
}

/** Adds `doc` only when there is one, so the IR has no `doc: undefined` keys. */
function withDoc<T extends object>(node: T, doc: string | undefined): T & { doc?: string } {
  return doc === undefined || doc === '' ? node : { ...node, doc };
}

/** Translates one permission expression, flattening chains of the same associative operator. */
export function compileExpr(e: Expr): ExprIR {
  switch (e.kind) {
    case 'ref':
      return { kind: 'ref', name: e.name };
    case 'nil':
      return { kind: 'nil' };
    case 'self':
      return { kind: 'self' };
    case 'union':
    case 'intersection': {
      const children: ExprIR[] = [];
      // Collect the operands of a left-nested chain (and of same-operator parenthesised groups).
      const push = (x: Expr) => {
        if (x.kind === e.kind) {
          push(x.left);
          push(x.right);
        } else children.push(compileExpr(x));
      };
      push(e);
      return { kind: e.kind, children };
    }
    case 'exclusion':
      return { kind: 'exclusion', base: compileExpr(e.left), subtract: compileExpr(e.right) };
    case 'arrow':
      invariant(e.left.kind === 'ref', 'arrow left side is a relation after checking');
      return {
        kind: 'arrow',
        tupleset: e.left.name,
        computed: e.target.text,
        mode: e.mode === 'all' ? 'all' : 'any',
      };
  }
}
