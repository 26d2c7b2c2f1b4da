/**
 * Rule: caveats type-check (docs/schema-language.md § Caveats). Each parameter type must be one
 * SpiceDB supports, and the CEL body must parse and type-check against the parameters as a bool
 * expression. CEL positions are mapped back to exact schema positions through the body's span.
 */
import type { Span } from '../../errors.ts';
import type { CaveatDecl } from '../ast.ts';
import { analyzeCelExpression } from '../cel.ts';
import { advancePosition } from '../lexer.ts';
import { type CelT, CAVEAT_PARAM_TYPES, paramType } from '../cel-types.ts';
import { type CheckContext, diag, didYouMean } from './context.ts';

const NAMES = [
  'int',
  'uint',
  'bool',
  'string',
  'double',
  'bytes',
  'duration',
  'timestamp',
  'ipaddress',
  'any',
  'list',
  'map',
];

/** Reports invalid_caveat_type, empty_caveat, cel_syntax_error, cel_type_error and unused_caveat_parameter. */
export function checkCaveats(ctx: CheckContext, source: string): void {
  for (const item of ctx.ast.items) if (item.kind === 'caveat') checkCaveat(ctx, source, item);
}

function checkCaveat(ctx: CheckContext, source: string, cav: CaveatDecl): void {
  const params = new Map<string, CelT>();
  let typesOk = true;
  for (const p of cav.params) {
    const t = paramType(p.type);
    if ('error' in t) {
      typesOk = false;
      ctx.report(
        diag(
          'invalid_caveat_type',
          t.error,
          t.node.span,
          didYouMean(t.node.name, NAMES) ?? `supported types: ${CAVEAT_PARAM_TYPES.join(', ')}`,
        ),
      );
    } else if (!params.has(p.name.text)) params.set(p.name.text, t);
  }
  if (cav.expression === '') {
    ctx.report(
      diag(
        'empty_caveat',
        `caveat \`${cav.name.text}\` has an empty expression`,
        cav.expressionSpan,
      ),
    );
    return;
  }
  if (!typesOk) return; // type errors in the body would only echo the bad parameter
  // CEL offsets are relative to the trimmed body; expressionSpan anchors them in the schema text.
  const { issues, identifiers } = analyzeCelExpression(cav.expression, params);
  for (const issue of issues) {
    const start = advancePosition(source, cav.expressionSpan.start, issue.offset);
    const end = advancePosition(
      source,
      start,
      Math.min(issue.length, cav.expression.length - issue.offset),
    );
    const span: Span = { start, end };
    ctx.report(diag(issue.code, `in caveat \`${cav.name.text}\`: ${issue.message}`, span));
  }
  // SpiceDB rejects parameters the expression never reads.
  if (identifiers)
    for (const p of cav.params)
      if (!identifiers.has(p.name.text))
        ctx.report(
          diag(
            'unused_caveat_parameter',
            `parameter \`${p.name.text}\` of caveat \`${cav.name.text}\` is never used`,
            p.name.span,
            'remove it or use it in the expression',
          ),
        );
}
