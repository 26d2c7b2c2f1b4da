/**
 * Rule: every name used resolves (docs/schema-language.md § References). Subject types name a
 * definition (and a relation or permission on it for `T#rel`), caveat traits name a caveat,
 * `with expiration` and `self` need their `use` flag, and expression identifiers name a member of
 * the same definition.
 */
import type { DefinitionDecl, Expr, PermissionDecl, TypeRef } from '../ast.ts';
import { type CheckContext, diag, didYouMean } from './context.ts';
import { checkArrow } from './arrows.ts';

/** `use` flags Clove understands. */
export const KNOWN_USE_FLAGS = ['expiration', 'self', 'typechecking'] as const;

/** Reports unknown_*, *_not_enabled and misplaced_use diagnostics. */
export function checkReferences(ctx: CheckContext): void {
  let seenDeclaration = false;
  for (const item of ctx.ast.items) {
    if (item.kind === 'use' && seenDeclaration)
      ctx.report(
        diag(
          'misplaced_use',
          `\`use ${item.name.text}\` must come before every definition and caveat`,
          item.span,
          'move it to the top of the schema',
        ),
      );
    if (item.kind !== 'use') seenDeclaration = true;
    if (item.kind === 'use') {
      if (!(KNOWN_USE_FLAGS as readonly string[]).includes(item.name.text))
        ctx.report(
          diag(
            'unknown_use_flag',
            `unknown feature \`use ${item.name.text}\``,
            item.name.span,
            didYouMean(item.name.text, KNOWN_USE_FLAGS) ??
              `known flags: ${KNOWN_USE_FLAGS.join(', ')}`,
          ),
        );
      continue;
    }
    if (item.kind !== 'definition') continue;
    for (const m of item.members) {
      if (m.kind === 'relation') for (const t of m.types) checkTypeRef(ctx, t);
      else checkExpr(ctx, item, m, m.expr);
    }
  }
}

/** Resolves one subject type: its definition, its `#relation`, its caveat and `expiration` trait. */
function checkTypeRef(ctx: CheckContext, t: TypeRef): void {
  const target = ctx.definitions.get(t.type.text);
  if (!target)
    ctx.report(
      diag(
        'unknown_definition',
        `definition \`${t.type.text}\` is not defined`,
        t.type.span,
        didYouMean(t.type.text, ctx.definitions.keys()),
      ),
    );
  else if (t.relation && !ctx.members.get(t.type.text)?.has(t.relation.text))
    ctx.report(
      diag(
        'unknown_relation',
        `relation or permission \`${t.relation.text}\` is not defined in \`${t.type.text}\``,
        t.relation.span,
        didYouMean(t.relation.text, ctx.members.get(t.type.text)?.keys() ?? []),
      ),
    );
  if (t.caveat && !ctx.caveats.has(t.caveat.text))
    ctx.report(
      diag(
        'unknown_caveat',
        `caveat \`${t.caveat.text}\` is not defined`,
        t.caveat.span,
        didYouMean(t.caveat.text, ctx.caveats.keys()),
      ),
    );
  if (t.expiration && !ctx.uses.has('expiration'))
    ctx.report(
      diag(
        'expiration_not_enabled',
        '`with expiration` needs `use expiration` at the top of the schema',
        t.expiration,
        'add `use expiration` as the first line',
      ),
    );
}

/** Walks a permission expression, resolving identifiers against the enclosing definition. */
function checkExpr(ctx: CheckContext, def: DefinitionDecl, perm: PermissionDecl, e: Expr): void {
  switch (e.kind) {
    case 'nil':
      return;
    case 'self':
      return;
    case 'ref': {
      const table = ctx.members.get(def.name.text);
      if (e.name === 'self' && !table?.has('self')) {
        // Without `use self`, `self` is an ordinary name (as in SpiceDB); almost always the flag is missing.
        ctx.report(
          diag(
            'self_not_enabled',
            '`self` needs `use self` at the top of the schema',
            e.span,
            'add `use self`',
          ),
        );
        return;
      }
      if (!table?.has(e.name))
        ctx.report(
          diag(
            'unknown_relation',
            `relation or permission \`${e.name}\` is not defined in \`${def.name.text}\``,
            e.span,
            // The permission itself is a valid but unhelpful suggestion for a typo.
            didYouMean(
              e.name,
              [...(table?.keys() ?? [])].filter((n) => n !== perm.name.text),
            ),
          ),
        );
      return;
    }
    case 'arrow':
      checkArrow(ctx, def, perm, e);
      return;
    default:
      checkExpr(ctx, def, perm, e.left);
      checkExpr(ctx, def, perm, e.right);
  }
}
