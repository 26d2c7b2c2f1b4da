/**
 * Rule: arrows (docs/schema-language.md § Arrows). SpiceDB accepts only `relation->name`: the
 * left side must be a plain identifier (`a->b->c` is "nested arrows not yet supported"), naming a
 * relation (not a permission) that admits no wildcard subject type. The right side should exist on
 * at least one subject type of that relation; when it exists on none the arrow can never match,
 * which is almost always a typo, so it is reported as a warning.
 */
import type { DefinitionDecl, Expr, PermissionDecl } from '../ast.ts';
import { type CheckContext, diag, didYouMean } from './context.ts';

type ArrowExpr = Extract<Expr, { kind: 'arrow' }>;

/** Checks one arrow expression of permission `perm` in definition `def`. */
export function checkArrow(
  ctx: CheckContext,
  def: DefinitionDecl,
  perm: PermissionDecl,
  e: ArrowExpr,
): void {
  const left = e.left;
  if (left.kind !== 'ref') {
    ctx.report(
      diag(
        'nested_arrow',
        'nested arrows are not supported: the left side of an arrow must be a relation name',
        left.span,
        'introduce a permission for the inner arrow and walk that relation instead',
      ),
    );
    return;
  }
  const table = ctx.members.get(def.name.text);
  const rel = table?.get(left.name);
  if (!rel) {
    ctx.report(
      diag(
        'unknown_relation',
        `relation \`${left.name}\` is not defined in \`${def.name.text}\``,
        left.span,
        didYouMean(
          left.name,
          [...(table?.values() ?? [])].filter((m) => m.kind === 'relation').map((m) => m.name.text),
        ),
      ),
    );
    return;
  }
  if (rel.kind !== 'relation') {
    ctx.report(
      diag(
        'arrow_left_not_relation',
        `the left side of an arrow must be a relation, but \`${left.name}\` is a permission (in permission \`${perm.name.text}\`)`,
        left.span,
        'arrows walk stored tuples, so only relations can be walked',
      ),
    );
    return;
  }
  const wildcard = rel.types.find((t) => t.wildcard);
  if (wildcard) {
    ctx.report(
      diag(
        'wildcard_in_arrow',
        `relation \`${left.name}\` admits the wildcard \`${wildcard.type.text}:*\` and cannot be used on the left side of an arrow`,
        left.span,
      ),
    );
    return;
  }
  // The target is looked up on the subject *objects* (arrows ignore the subject relation), so
  // `group#member` contributes definition `group`.
  const subjectTypes = rel.types.map((t) => t.type.text).filter((t) => ctx.definitions.has(t));
  if (subjectTypes.length === 0) return; // unknown subject types are reported elsewhere
  const found = subjectTypes.some((t) => ctx.members.get(t)?.has(e.target.text));
  if (!found) {
    const candidates = new Set<string>();
    for (const t of subjectTypes)
      for (const k of ctx.members.get(t)?.keys() ?? []) candidates.add(k);
    ctx.report({
      ...diag(
        'arrow_target_missing',
        `no subject type of \`${left.name}\` (${[...new Set(subjectTypes)].join(', ')}) has a relation or permission \`${e.target.text}\``,
        e.target.span,
        didYouMean(e.target.text, candidates),
      ),
      severity: 'warning',
    });
  }
}
