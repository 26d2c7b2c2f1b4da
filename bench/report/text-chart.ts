/**
 * A text percentile chart for Markdown (renders anywhere, commits as text): one line per result,
 * a log-scaled bar from 0 to p50 (`█`) continued to p99 (`░`), with the figures.
 */
import type { PhaseResult } from '../phases/types.ts';
import { fmtMs } from '../lib/stats.ts';

const WIDTH = 40;

/** Lines of the chart (inside a code block) for results that have latencies. */
export function percentileChart(results: readonly PhaseResult[]): string {
  const rows = results.filter((r) => r.latency && r.latency.count > 0);
  if (rows.length === 0) return '';
  const lo = Math.min(...rows.map((r) => Math.max(r.latency!.p50, 0.001)));
  const hi = Math.max(...rows.map((r) => r.latency!.p99));
  const floor = Math.log10(lo) - 0.3;
  const span = Math.max(0.5, Math.log10(hi) - floor);
  const cells = (ms: number) =>
    Math.max(1, Math.round(((Math.log10(Math.max(ms, lo)) - floor) / span) * WIDTH));
  const labels = rows.map(
    (r) =>
      `${r.phase} ${r.target} ${r.store} cache ${r.cache}${r.consistency === 'fully_consistent' ? ' full' : ''} c=${r.concurrency}`,
  );
  const lw = Math.max(...labels.map((l) => l.length));
  const lines = rows.map((r, i) => {
    const a = cells(r.latency!.p50);
    const b = Math.max(a, cells(r.latency!.p99));
    return `${labels[i]!.padEnd(lw)} ${'█'.repeat(a)}${'░'.repeat(b - a)}${' '.repeat(WIDTH - b + 1)} p50 ${fmtMs(r.latency!.p50)} ms, p99 ${fmtMs(r.latency!.p99)} ms`;
  });
  return ['```text', `${''.padEnd(lw)} log scale: █ up to p50, ░ up to p99`, ...lines, '```'].join(
    '\n',
  );
}
