/**
 * Plain-text and Markdown tables of phase results (one row per record), shared by the console
 * output and the Markdown report.
 */
import type { PhaseResult } from '../phases/types.ts';
import { fmtMs, fmtRate } from '../lib/stats.ts';

export const COLUMNS = [
  'phase',
  'target',
  'store',
  'cache',
  'consistency',
  'c',
  'ops',
  'throughput',
  'p50 ms',
  'p95 ms',
  'p99 ms',
  'p99.9 ms',
  'max ms',
  'err/miss',
  'notes',
] as const;

const CONSISTENCY_SHORT: Record<string, string> = {
  minimize_latency: 'min_lat',
  fully_consistent: 'full',
};

function notesText(r: PhaseResult): string {
  return Object.entries(r.notes)
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : v}`)
    .join(' ');
}

/** The cells of one result row, in COLUMNS order. */
export function rowCells(r: PhaseResult): string[] {
  const l = r.latency;
  return [
    r.phase,
    r.target,
    r.store,
    r.cache,
    r.consistency ? (CONSISTENCY_SHORT[r.consistency] ?? r.consistency) : '',
    String(r.concurrency),
    fmtRate(r.ops),
    `${fmtRate(r.throughput)} ${r.unit}/s`,
    l ? fmtMs(l.p50) : '',
    l ? fmtMs(l.p95) : '',
    l ? fmtMs(l.p99) : '',
    l ? fmtMs(l.p999) : '',
    l ? fmtMs(l.max) : '',
    `${r.errors}/${r.mismatches}`,
    notesText(r),
  ];
}

/** A fixed-width text table for the terminal. */
export function textTable(results: readonly PhaseResult[]): string {
  const rows = [COLUMNS.slice() as string[], ...results.map(rowCells)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 5 && i <= 13 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ');
  return [
    line(rows[0]!),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.slice(1).map(line),
  ].join('\n');
}

/** A GitHub-flavoured Markdown table. */
export function markdownTable(headers: readonly string[], rows: readonly string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${headers.map(esc).join(' | ')} |`,
    `|${headers.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** The results as a Markdown table. */
export function resultsMarkdown(results: readonly PhaseResult[]): string {
  return markdownTable(COLUMNS, results.map(rowCells));
}
