/**
 * A hand-written SVG latency chart (no dependency): one CDF line per series, log-scaled latency
 * on the x axis, fraction of requests on the y axis, with a legend. Small enough to commit in
 * docs/benchmarks.md.
 */
import type { CdfPoints } from '../lib/stats.ts';

export interface ChartSeries {
  readonly label: string;
  readonly cdf: CdfPoints;
}

const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Renders the CDF chart; series without points are skipped. */
export function cdfChart(title: string, series: readonly ChartSeries[]): string {
  const shown = series.filter((s) => s.cdf.length > 0);
  const W = 760;
  const legendH = 18 * shown.length;
  const H = 340 + legendH;
  const m = { left: 60, right: 20, top: 36, bottom: 50 + legendH };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const all = shown.flatMap((s) => s.cdf.map(([x]) => Math.max(x, 0.001)));
  const lo = 10 ** Math.floor(Math.log10(Math.min(...all, 1)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all, lo * 10)));
  const xOf = (ms: number) =>
    m.left +
    ((Math.log10(Math.max(ms, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * pw;
  const yOf = (f: number) => m.top + (1 - f) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
  ];
  for (let d = lo; d <= hi * 1.0001; d *= 10) {
    const x = xOf(d).toFixed(1);
    out.push(`<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + ph}" stroke="#ddd"/>`);
    out.push(
      `<text x="${x}" y="${m.top + ph + 16}" text-anchor="middle">${d >= 1 ? d : d.toPrecision(1)}</text>`,
    );
  }
  for (const f of [0, 0.5, 0.9, 0.99, 1]) {
    const y = yOf(f).toFixed(1);
    out.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#eee"/>`);
    out.push(
      `<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${f}</text>`,
    );
  }
  out.push(
    `<text x="${m.left + pw / 2}" y="${m.top + ph + 34}" text-anchor="middle">latency (ms, log scale)</text>`,
  );
  out.push(
    `<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`,
  );
  shown.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const pts = s.cdf.map(([x, f]) => `${xOf(x).toFixed(1)},${yOf(f).toFixed(1)}`).join(' ');
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.8" points="${pts}"/>`);
    const ly = m.top + ph + 50 + i * 18;
    out.push(
      `<line x1="${m.left}" y1="${ly}" x2="${m.left + 24}" y2="${ly}" stroke="${color}" stroke-width="3"/>`,
    );
    out.push(
      `<text x="${m.left + 30}" y="${ly}" dominant-baseline="middle">${esc(s.label)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
