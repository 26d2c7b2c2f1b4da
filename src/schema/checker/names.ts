/**
 * Rule: names follow SpiceDB's identifier rules (docs/schema-language.md § Names). Definition and
 * caveat names are `[prefix/]name` with 3..64-char lower snake segments; relation and permission
 * names are 3..64-char lower snake names. The regexes are the tuple parser's, so every name the
 * schema accepts can also be written in a tuple.
 */
import { RELATION_NAME, TYPE_NAME } from '../../model/index.ts';
import type { NameNode } from '../ast.ts';
import { type CheckContext, diag } from './context.ts';

const RULE =
  'lower-case letters, digits and `_`, starting with a letter, not ending with `_`, 3 to 64 characters';

/** Reports `invalid_name` for every definition, caveat, relation and permission name that breaks the rules. */
export function checkNames(ctx: CheckContext): void {
  for (const item of ctx.ast.items) {
    if (item.kind === 'use') continue;
    if (item.kind === 'caveat') typeName(ctx, item.name, 'caveat');
    else {
      typeName(ctx, item.name, 'definition');
      for (const m of item.members) {
        if (!RELATION_NAME.test(m.name.text))
          ctx.report(
            diag(
              'invalid_name',
              `invalid ${m.kind} name \`${m.name.text}\``,
              m.name.span,
              `use ${RULE}`,
            ),
          );
      }
    }
  }
}

function typeName(ctx: CheckContext, name: NameNode, what: string): void {
  if (TYPE_NAME.test(name.text)) return;
  ctx.report(
    diag(
      'invalid_name',
      `invalid ${what} name \`${name.text}\``,
      name.span,
      `each \`/\`-separated segment must use ${RULE}`,
    ),
  );
}
