/**
 * Prints schema diagnostics like a compiler (one block per diagnostic, then a summary line), used by
 * every CLI command that reads a schema.
 */
import type { Diagnostic } from '../errors.ts';
import { formatDiagnostic } from '../schema/index.ts';

/** Writes each diagnostic and a `N errors, M warnings` summary to `out`; returns the error count. */
export function printDiagnostics(
  diagnostics: readonly Diagnostic[],
  source: string,
  file: string,
  out: NodeJS.WritableStream = process.stderr,
): number {
  let errors = 0;
  let warnings = 0;
  for (const d of diagnostics) {
    if ((d.severity ?? 'error') === 'error') errors++;
    else warnings++;
    out.write(`${formatDiagnostic(d, source, file)}\n\n`);
  }
  if (diagnostics.length > 0)
    out.write(`${file}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}\n`);
  return errors;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
