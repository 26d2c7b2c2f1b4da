/**
 * Compiler-style rendering of diagnostics, shared by the CLI and error messages:
 * `file:line:col: error[code]: message`, the source line, a caret run under the span, the hint.
 */
import type { Diagnostic } from '../errors.ts';

/** Renders one diagnostic against its source text (multi-line spans underline the first line). */
export function formatDiagnostic(diag: Diagnostic, source: string, file = '<schema>'): string {
  const { start, end } = diag.span;
  const severity = diag.severity ?? 'error';
  const head = `${file}:${start.line}:${start.column}: ${severity}[${diag.code}]: ${diag.message}`;
  const lines = source.split('\n');
  const text = (lines[start.line - 1] ?? '').replace(/\r$/, '');
  const gutter = String(start.line);
  const pad = ' '.repeat(gutter.length);
  const width =
    end.line === start.line
      ? Math.max(1, end.column - start.column)
      : Math.max(1, text.length - start.column + 1);
  // Keep tabs in the indent so the caret lines up under tab-indented source.
  const indent = text.slice(0, start.column - 1).replace(/[^\t]/g, ' ');
  const out = [head, `${pad} |`, `${gutter} | ${text}`, `${pad} | ${indent}${'^'.repeat(width)}`];
  if (diag.hint) out.push(`${pad} = hint: ${diag.hint}`);
  return out.join('\n');
}

/** One-line form used in golden files: `code line:col-line:col message`. */
export function formatDiagnosticLine(diag: Diagnostic): string {
  const { start, end } = diag.span;
  return `${diag.code} ${start.line}:${start.column}-${end.line}:${end.column} ${diag.message}`;
}
