/**
 * The semantic checker: small rules, one concern each, run over a parsed AST. Every rule reports
 * into one sink; the result is sorted by position and capped so a broken file cannot flood callers.
 */
import type { Diagnostic } from '../../errors.ts';
import type { SchemaAST } from '../ast.ts';
import { checkCaveats } from './caveats.ts';
import { buildContext } from './context.ts';
import { checkCycles } from './cycles.ts';
import { checkDuplicates } from './duplicates.ts';
import { checkNames } from './names.ts';
import { checkReferences } from './references.ts';

export { typeRefKey } from './duplicates.ts';
export { KNOWN_USE_FLAGS } from './references.ts';

/** Runs every semantic rule over `ast`; returns at most `max` diagnostics, sorted by position. */
export function checkAst(ast: SchemaAST, source: string, max = 100): Diagnostic[] {
  const out: Diagnostic[] = [];
  const ctx = buildContext(ast, (d) => {
    out.push(d);
  });
  checkNames(ctx);
  checkDuplicates(ctx);
  checkReferences(ctx);
  checkCycles(ctx);
  checkCaveats(ctx, source);
  return sortDiagnostics(out).slice(0, max);
}

/** Stable order: by start offset, then end offset, then code. */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return [...ds].sort(
    (a, b) =>
      a.span.start.offset - b.span.start.offset ||
      a.span.end.offset - b.span.end.offset ||
      a.code.localeCompare(b.code),
  );
}
