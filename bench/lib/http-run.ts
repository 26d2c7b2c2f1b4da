/**
 * The HTTP part of a run. First the ceiling: a trivial hono route in its own server process,
 * loaded at the same concurrency for the same duration. Then, per cache setting, a real
 * `clove serve` child on the same store: single checks and concurrent checks are driven by a
 * separate load-generator process (keep-alive connections, answers verified there); bulk checks,
 * lookups and expand go through the typed client from this process.
 */
import { formatTuple } from '../../src/model/index.ts';
import { runQueryPhases } from '../phases/run-phases.ts';
import { type PhaseName, PHASES, type PhaseResult, type Verifier } from '../phases/types.ts';
import type { CheckCase, Workload } from '../workloads/index.ts';
import type { BenchOptions } from './args.ts';
import type { LoadReport, LoadSpec } from './http-load.ts';
import {
  type CloveServerChild,
  runLoadProcess,
  type ServerCacheStats,
  startCloveServer,
  startTrivialServer,
} from './processes.ts';
import { createProgress, createTimer } from './progress.ts';
import { now } from './stats.ts';
import type { OpenedStore } from './stores.ts';
import {
  createCloveHttpTarget,
  loadOverHttp,
  wireConsistency,
  wireObject,
  wireSubject,
} from './targets/clove-http.ts';
import type { ConsistencyMode } from './targets/types.ts';

/** An array that also reports each result as it is pushed (long HTTP runs show progress). */
function reporting(onResult: (r: PhaseResult) => void): PhaseResult[] {
  const out: PhaseResult[] = [];
  const push = out.push.bind(out);
  out.push = (...items: PhaseResult[]) => {
    for (const r of items) onResult(r);
    return push(...items);
  };
  return out;
}

function checkBody(c: CheckCase, mode: ConsistencyMode): string {
  return JSON.stringify({
    consistency: wireConsistency(mode),
    resource: wireObject(c.resource),
    permission: c.permission,
    subject: wireSubject(c.subject),
  });
}

function fromReport(
  r: LoadReport,
  fields: {
    phase: PhaseName | 'http-ceiling';
    target: string;
    system: PhaseResult['system'];
    store: string;
    cache: PhaseResult['cache'];
    consistency?: ConsistencyMode;
    concurrency: number;
    unit: string;
    notes: Record<string, number | string>;
  },
): PhaseResult {
  return {
    ...fields,
    ops: r.requests,
    durationMs: r.durationMs,
    throughput: r.throughput,
    latency: r.latency,
    cdf: r.cdf,
    errors: r.errors,
    mismatches: r.mismatches,
  };
}

async function measureCeiling(opts: BenchOptions, store: string): Promise<PhaseResult> {
  const server = await startTrivialServer();
  try {
    const timer = createTimer(`http ceiling c=${opts.concurrency}`, opts.durationMs);
    const r = await runLoadProcess({
      url: `${server.url}/trivial`,
      method: 'POST',
      bodies: ['{"permission":"view"}'],
      concurrency: opts.concurrency,
      durationMs: opts.durationMs,
      warmupPerWorker: 20,
    });
    timer.done();
    return fromReport(r, {
      phase: 'http-ceiling',
      target: 'trivial route',
      system: 'hono',
      store,
      cache: 'n/a',
      concurrency: opts.concurrency,
      unit: 'requests',
      notes: { serverRssMb: server.rssMb() },
    });
  } finally {
    await server.stop();
  }
}

/**
 * The server's check cache over one phase, from its /metrics before and after: the hit ratio of
 * the phase's cache lookups, and the entries and estimated MiB held at its end.
 */
async function cacheNotes(
  server: CloveServerChild,
  before: ServerCacheStats | undefined,
): Promise<Record<string, number>> {
  const after = await server.cacheStats();
  if (!before || !after) return {};
  const hits = after.hits - before.hits;
  const total = hits + after.misses - before.misses;
  return {
    ...(total > 0 ? { cacheHitRatio: Math.round((hits / total) * 1000) / 1000 } : {}),
    cacheEntries: after.entries,
    cacheMb: Math.round((after.bytes / 2 ** 20) * 10) / 10,
  };
}

async function runServerPhases(
  opts: BenchOptions,
  opened: OpenedStore,
  w: Workload,
  verifier: Verifier,
  server: CloveServerChild,
  cache: 'on' | 'off',
  ceiling: PhaseResult | undefined,
  onResult: (r: PhaseResult) => void,
): Promise<PhaseResult[]> {
  const out = reporting(onResult);
  const base = { target: 'clove http', system: 'clove' as const, store: opened.kind, cache };
  if (opened.kind === 'memory') {
    // A memory store cannot be shared with the server process: load it through the API.
    const progress = createProgress('load clove http/memory', w.tupleCount);
    const t0 = now();
    const lines = {
      [Symbol.iterator]: function* () {
        for (const t of w.tuples) yield formatTuple(t);
      },
    };
    const n = await loadOverHttp(server.url, w.schemaText, lines, (k) => progress.update(k));
    const durationMs = now() - t0;
    progress.done();
    if (opts.phases.has('load'))
      out.push({
        ...base,
        phase: 'load',
        concurrency: 1,
        ops: n,
        unit: 'relationships',
        durationMs,
        throughput: n / (durationMs / 1000),
        errors: 0,
        mismatches: 0,
        notes: { serverRssMb: server.rssMb(), via: 'import API' },
      });
  }
  const checks = w.checks;
  const spec = (
    mode: ConsistencyMode,
    list: readonly CheckCase[],
  ): Pick<LoadSpec, 'bodies' | 'expected'> => ({
    bodies: list.map((c) => checkBody(c, mode)),
    expected: list.map((c) => c.expected),
  });
  const cacheBefore = () => (cache === 'on' ? server.cacheStats() : Promise.resolve(undefined));
  const record = (
    r: LoadReport,
    consistency: ConsistencyMode,
    concurrency: number,
    phase: PhaseName,
    extra: Record<string, number | string> = {},
  ) => {
    verifier.addFailures('clove http', r.mismatches, r.mismatchExamples);
    const notes: Record<string, number | string> = { serverRssMb: server.rssMb(), ...extra };
    if (r.retries > 0) notes.retries = r.retries;
    if (ceiling && concurrency === ceiling.concurrency)
      notes.ofCeiling = Math.round((r.throughput / ceiling.throughput) * 1000) / 1000;
    return fromReport(r, { ...base, phase, consistency, concurrency, unit: 'checks', notes });
  };
  if (opts.phases.has('check')) {
    for (const [pass, mode] of opts.consistencies.entries()) {
      const list = checks.slice(0, opts.checkLimit);
      const before = await cacheBefore();
      // The load process reports only at its end: the bar jumps from 0 to done.
      const progress = createProgress(`check c=1 clove http cache ${cache} (${mode})`, list.length);
      const r = await runLoadProcess({
        url: `${server.url}/v1/permissions/check`,
        method: 'POST',
        ...spec(mode, list),
        concurrency: 1,
        durationMs: 600_000,
        maxRequests: list.length,
        warmupPerWorker: 200,
      });
      progress.update(r.requests);
      progress.done();
      // The first pass is the first time this server sees these checks (its cache holds only
      // the 200 warm-up checks); later passes repeat them at the same revision.
      out.push(
        record(r, mode, 1, 'check', {
          pass: pass === 0 ? 'first' : 'repeat',
          ...(await cacheNotes(server, before)),
        }),
      );
    }
  }
  if (opts.phases.has('check-concurrent')) {
    const mode = opts.consistencies[0] ?? 'minimize_latency';
    const timer = createTimer(
      `check c=${opts.concurrency} clove http cache ${cache}`,
      opts.durationMs,
    );
    const before = await cacheBefore();
    const r = await runLoadProcess({
      url: `${server.url}/v1/permissions/check`,
      method: 'POST',
      ...spec(mode, checks),
      concurrency: opts.concurrency,
      durationMs: opts.durationMs,
      warmupPerWorker: 20,
    });
    timer.done();
    out.push(
      record(r, mode, opts.concurrency, 'check-concurrent', await cacheNotes(server, before)),
    );
  }
  const rest = new Set<PhaseName>(
    [...opts.phases].filter((p) => p !== 'check' && p !== 'check-concurrent' && p !== 'load'),
  );
  const target = createCloveHttpTarget({ url: server.url, cache: cache === 'on' });
  try {
    // One phase at a time (runQueryPhases keeps the order), so each gets the server's cache notes.
    for (const phase of PHASES) {
      if (!rest.has(phase)) continue;
      const before = await cacheBefore();
      const results = await runQueryPhases(
        { ...opts, phases: new Set([phase]) },
        target,
        opened.kind,
        w,
        verifier,
      );
      const notes = await cacheNotes(server, before);
      for (const r of results)
        out.push({ ...r, notes: { ...r.notes, serverRssMb: server.rssMb(), ...notes } });
    }
  } finally {
    await target.close();
  }
  return out;
}

/** Runs the HTTP phases against `clove serve` children on `opened`'s store. */
export async function runHttp(
  opts: BenchOptions,
  opened: OpenedStore,
  w: Workload,
  verifier: Verifier,
  onResult: (r: PhaseResult) => void = () => {},
): Promise<PhaseResult[]> {
  const out: PhaseResult[] = [];
  // PGlite allows one process per directory: hand it over to the server.
  await opened.detach();
  const ceiling = opts.phases.has('check-concurrent')
    ? await measureCeiling(opts, opened.kind)
    : undefined;
  if (ceiling) {
    out.push(ceiling);
    onResult(ceiling);
  }
  for (const cache of opts.caches) {
    const server = await startCloveServer({
      storeSpec: opened.spec,
      cache: cache === 'on',
      cacheMaxBytes: opts.serverCacheBytes,
    });
    try {
      out.push(
        ...(await runServerPhases(opts, opened, w, verifier, server, cache, ceiling, onResult)),
      );
    } finally {
      await server.stop();
    }
  }
  return out;
}
