/**
 * Rule: every name is declared once (docs/schema-language.md § Duplicates). Definitions, caveats,
 * members of one definition (relations and permissions share one namespace), caveat parameters,
 * subject types of one relation and `use` flags.
 */
import type { TypeRef } from '../ast.ts';
import { type CheckContext, diag } from './context.ts';

/** Reports duplicate_* and relation_permission_conflict diagnostics at the later declaration. */
export function checkDuplicates(ctx: CheckContext): void {
  const defs = new Map<string, true>();
  const cavs = new Map<string, true>();
  const uses = new Map<string, true>();
  for (const item of ctx.ast.items) {
    if (item.kind === 'use') {
      if (uses.has(item.name.text))
        ctx.report({
          ...diag('duplicate_use', `\`use ${item.name.text}\` appears more than once`, item.span),
          severity: 'warning',
        });
      uses.set(item.name.text, true);
    } else if (item.kind === 'caveat') {
      if (cavs.has(item.name.text))
        ctx.report(
          diag(
            'duplicate_caveat',
            `caveat \`${item.name.text}\` is already defined`,
            item.name.span,
          ),
        );
      cavs.set(item.name.text, true);
      const params = new Set<string>();
      for (const p of item.params) {
        if (params.has(p.name.text))
          ctx.report(
            diag(
              'duplicate_parameter',
              `parameter \`${p.name.text}\` is declared twice in caveat \`${item.name.text}\``,
              p.name.span,
            ),
          );
        params.add(p.name.text);
      }
    } else {
      if (defs.has(item.name.text))
        ctx.report(
          diag(
            'duplicate_definition',
            `definition \`${item.name.text}\` is already defined`,
            item.name.span,
          ),
        );
      defs.set(item.name.text, true);
      // The context keeps the first member of each name; later ones are the duplicates.
      const first = ctx.members.get(item.name.text);
      const seen = new Set<string>();
      for (const m of item.members) {
        if (seen.has(m.name.text)) {
          const prior = first?.get(m.name.text);
          const conflict = prior !== undefined && prior.kind !== m.kind;
          ctx.report(
            conflict
              ? diag(
                  'relation_permission_conflict',
                  `\`${m.name.text}\` is declared as both a ${prior.kind} and a ${m.kind} in \`${item.name.text}\``,
                  m.name.span,
                  'relations and permissions share one namespace per definition',
                )
              : diag(
                  'duplicate_relation',
                  `${m.kind} \`${m.name.text}\` is already defined in \`${item.name.text}\``,
                  m.name.span,
                ),
          );
        }
        seen.add(m.name.text);
        if (m.kind === 'relation') duplicateTypes(ctx, m.name.text, m.types);
      }
    }
  }
}

/** Reports a subject type (with its traits) listed twice on one relation, as SpiceDB does. */
function duplicateTypes(ctx: CheckContext, relation: string, types: TypeRef[]): void {
  const seen = new Set<string>();
  for (const t of types) {
    const key = typeRefKey(t);
    if (seen.has(key))
      ctx.report(
        diag(
          'duplicate_subject_type',
          `subject type \`${key}\` appears twice on relation \`${relation}\``,
          t.span,
        ),
      );
    seen.add(key);
  }
}

/** The subject type as written, e.g. `group#member with cav and expiration`. */
export function typeRefKey(t: TypeRef): string {
  let s = t.type.text;
  if (t.wildcard) s += ':*';
  else if (t.relation) s += `#${t.relation.text}`;
  const traits = [t.caveat?.text, t.expiration ? 'expiration' : undefined].filter(Boolean);
  if (traits.length > 0) s += ` with ${traits.join(' and ')}`;
  return s;
}
