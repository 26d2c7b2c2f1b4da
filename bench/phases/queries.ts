/**
 * Query phases over any Target: checks one at a time, checks at concurrency N for a fixed
 * duration, bulk checks in batches, lookups and expand. Every answer is verified.
 */
import { createProgress, createTimer } from '../lib/progress.ts';
import { now, Recorder } from '../lib/stats.ts';
import type { ConsistencyMode, Target } from '../lib/targets/types.ts';
import type { CheckCase, Workload } from '../workloads/index.ts';
import type { PhaseName, PhaseResult, Verifier } from './types.ts';
import { rssMb } from './types.ts';

/** Shared inputs of the query phases. */
export interface QueryPhaseContext {
  readonly target: Target;
  readonly store: string;
  readonly workload: Workload;
  readonly verifier: Verifier;
  readonly consistency: ConsistencyMode;
}

/** Runs one target call; a throw becomes the answer 'error' (counted, and reported once). */
async function guarded<T>(ctx: QueryPhaseContext, fallback: T, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    ctx.verifier.noteError(ctx.target.name, e);
    return fallback;
  }
}

export const checkKey = (c: CheckCase) =>
  `check ${c.resource.type}:${c.resource.id}#${c.permission}@${c.subject.type}:${c.subject.id}${c.subject.relation === '...' ? '' : `#${c.subject.relation}`}`;

function record(
  ctx: QueryPhaseContext,
  phase: PhaseName,
  fields: {
    concurrency: number;
    ops: number;
    unit: string;
    durationMs: number;
    throughputOps?: number;
    recorder?: Recorder;
    errors: number;
    mismatches: number;
    notes?: Record<string, number | string>;
    cacheBefore?: { hits: number; misses: number };
  },
): PhaseResult {
  const notes: Record<string, number | string> = { rssMb: rssMb(), ...fields.notes };
  const after = ctx.target.cacheStats?.();
  if (after && fields.cacheBefore && ctx.target.cache === 'on') {
    const hits = after.hits - fields.cacheBefore.hits;
    const total = hits + after.misses - fields.cacheBefore.misses;
    if (total > 0) notes.cacheHitRatio = Math.round((hits / total) * 1000) / 1000;
  }
  return {
    phase,
    target: ctx.target.name,
    system: ctx.target.system,
    store: ctx.store,
    cache: ctx.target.cache,
    consistency: ctx.consistency,
    concurrency: fields.concurrency,
    ops: fields.ops,
    unit: fields.unit,
    durationMs: fields.durationMs,
    throughput: (fields.throughputOps ?? fields.ops) / (fields.durationMs / 1000),
    latency: fields.recorder?.summary(),
    cdf: fields.recorder?.cdf(),
    errors: fields.errors,
    mismatches: fields.mismatches,
    notes,
  };
}

/** Checks one at a time over the workload's check list (after `warmup` untimed checks). */
export async function runChecksSequential(
  ctx: QueryPhaseContext,
  opts: { limit?: number; warmup?: number } = {},
): Promise<PhaseResult> {
  const checks = ctx.workload.checks.slice(0, opts.limit ?? ctx.workload.checks.length);
  for (const c of checks.slice(0, opts.warmup ?? 200))
    await guarded(ctx, 'error', () => ctx.target.check(c, ctx.consistency));
  // The warm-up is for the JIT and connections; the measured pass starts with an empty cache.
  ctx.target.resetCache?.();
  const recorder = new Recorder();
  let errors = 0;
  let mismatches = 0;
  const cacheBefore = ctx.target.cacheStats?.();
  const progress = createProgress(
    `check c=1 ${ctx.target.name} (${ctx.consistency})`,
    checks.length,
  );
  const t0 = now();
  for (const c of checks) {
    const s = now();
    const a = await guarded(ctx, 'error' as const, () => ctx.target.check(c, ctx.consistency));
    recorder.record(now() - s);
    if (a === 'error') errors++;
    if (!ctx.verifier.record(ctx.target.system, checkKey(c), a, c.expected)) mismatches++;
    progress.tick();
  }
  const durationMs = now() - t0;
  progress.done();
  return record(ctx, 'check', {
    concurrency: 1,
    ops: checks.length,
    unit: 'checks',
    durationMs,
    recorder,
    errors,
    mismatches,
    cacheBefore,
  });
}

/** `concurrency` workers issue checks (cycling through the list) for `durationMs`. */
export async function runChecksConcurrent(
  ctx: QueryPhaseContext,
  opts: { concurrency: number; durationMs: number },
): Promise<PhaseResult> {
  const checks = ctx.workload.checks;
  const recorder = new Recorder();
  let next = 0;
  let errors = 0;
  let mismatches = 0;
  const cacheBefore = ctx.target.cacheStats?.();
  const timer = createTimer(`check c=${opts.concurrency} ${ctx.target.name}`, opts.durationMs);
  const t0 = now();
  const deadline = t0 + opts.durationMs;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (now() < deadline) {
        const c = checks[next++ % checks.length]!;
        const s = now();
        const a = await guarded(ctx, 'error' as const, () => ctx.target.check(c, ctx.consistency));
        recorder.record(now() - s);
        if (a === 'error') errors++;
        if (a !== c.expected) {
          mismatches++;
          ctx.verifier.record(ctx.target.system, checkKey(c), a, c.expected);
        }
      }
    }),
  );
  const durationMs = now() - t0;
  timer.done();
  return record(ctx, 'check-concurrent', {
    concurrency: opts.concurrency,
    ops: recorder.count,
    unit: 'checks',
    durationMs,
    recorder,
    errors,
    mismatches,
    cacheBefore,
  });
}

/**
 * Every check (up to `limit`), in bulk calls of `batch` items; latency is per call. `concurrency`
 * calls are in flight at once (default 1: one call at a time, so client encoding and decoding, the
 * round trip and the server's work add up; with more, the server works while the client encodes
 * the next call). `warmup` unrecorded passes over the same calls come first (JIT, connections and,
 * cache on, a warm cache: the report's hit ratio shows which); `passes` recorded passes follow (one
 * pass of 100 calls lasts ~0.1 s, too short for a steady figure).
 */
export async function runBulkChecks(
  ctx: QueryPhaseContext,
  opts: { batch: number; limit?: number; concurrency?: number; warmup?: number; passes?: number },
): Promise<PhaseResult> {
  const checks = ctx.workload.checks.slice(0, opts.limit ?? ctx.workload.checks.length);
  const batches: (typeof checks)[] = [];
  for (let i = 0; i < checks.length; i += opts.batch) batches.push(checks.slice(i, i + opts.batch));
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  /** Sends every batch, `concurrency` at a time; `onDone` gets each call's ms and answers. */
  const pass = async (onDone?: (batch: typeof checks, ms: number, answers: string[]) => void) => {
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++] as typeof checks;
        const s = now();
        const answers = await guarded(ctx, [] as string[], () =>
          ctx.target.bulkCheck(batch, ctx.consistency),
        );
        onDone?.(batch, now() - s, answers);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
  };
  for (let w = 0; w < (opts.warmup ?? 0); w++) await pass();
  const recorder = new Recorder();
  let errors = 0;
  let mismatches = 0;
  const cacheBefore = ctx.target.cacheStats?.();
  const passes = Math.max(1, opts.passes ?? 1);
  const progress = createProgress(`bulk check ${ctx.target.name}`, checks.length * passes);
  const t0 = now();
  for (let p = 0; p < passes; p++)
    await pass((batch, ms, answers) => {
      recorder.record(ms);
      batch.forEach((c, k) => {
        const a = answers[k] ?? 'error';
        if (a === 'error') errors++;
        if (!ctx.verifier.record(ctx.target.system, checkKey(c), a, c.expected)) mismatches++;
      });
      progress.tick(batch.length);
    });
  const durationMs = now() - t0;
  progress.done();
  return record(ctx, 'bulk-check', {
    concurrency,
    ops: recorder.count,
    unit: 'checks',
    throughputOps: checks.length * passes,
    durationMs,
    recorder,
    errors,
    mismatches,
    notes: {
      batch: opts.batch,
      ...(opts.warmup ? { warmup: opts.warmup } : {}),
      ...(passes > 1 ? { passes } : {}),
    },
    cacheBefore,
  });
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

const sameSet = (a: readonly string[], b: readonly string[]) => {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x)) && s.size === a.length;
};

/** Each lookup case `rounds` times (sequentially); every result set compared with the expectation. */
export async function runLookups(
  ctx: QueryPhaseContext,
  kind: 'lookup-resources' | 'lookup-subjects',
  opts: { rounds: number },
): Promise<PhaseResult> {
  const cases =
    kind === 'lookup-resources' ? ctx.workload.lookupResources : ctx.workload.lookupSubjects;
  const recorder = new Recorder();
  // The first round and the later ones apart as well: with the cache on, later rounds repeat the
  // first's lookups at the same revision and read from the engine's caches, so the phase's
  // percentiles mix cold and warm lookups.
  const firstRound = new Recorder();
  const laterRounds = new Recorder();
  let errors = 0;
  let mismatches = 0;
  let results = 0;
  const cacheBefore = ctx.target.cacheStats?.();
  const progress = createProgress(`${kind} ${ctx.target.name}`, cases.length * opts.rounds);
  const t0 = now();
  for (let round = 0; round < opts.rounds; round++) {
    for (const l of cases) {
      const s = now();
      let found: string[];
      try {
        found =
          kind === 'lookup-resources'
            ? await ctx.target.lookupResources(
                l as (typeof ctx.workload.lookupResources)[number],
                ctx.consistency,
              )
            : await ctx.target.lookupSubjects(
                l as (typeof ctx.workload.lookupSubjects)[number],
                ctx.consistency,
              );
      } catch (e) {
        errors++;
        ctx.verifier.noteError(ctx.target.name, e);
        found = ['error'];
      }
      recorder.record(now() - s);
      (round === 0 ? firstRound : laterRounds).record(now() - s);
      results += found.length;
      const key =
        'resourceType' in l
          ? `lookup-resources ${l.resourceType}#${l.permission}@${l.subject.type}:${l.subject.id}`
          : `lookup-subjects ${l.resource.type}:${l.resource.id}#${l.permission}@${l.subjectType}`;
      const ok = sameSet(found, l.expected);
      const digest = ok ? 'expected' : `${found.length} results`;
      if (round === 0 && !ctx.verifier.record(ctx.target.system, key, digest, 'expected'))
        mismatches++;
      else if (round > 0 && !ok) mismatches++;
      progress.tick();
    }
  }
  const durationMs = now() - t0;
  progress.done();
  return record(ctx, kind, {
    concurrency: 1,
    ops: recorder.count,
    unit: 'lookups',
    durationMs,
    recorder,
    errors,
    mismatches,
    notes: {
      meanResults: Math.round(results / Math.max(1, recorder.count)),
      ...(opts.rounds > 1
        ? {
            firstRoundP50: round3(firstRound.summary().p50),
            laterRoundsP50: round3(laterRounds.summary().p50),
          }
        : {}),
    },
    cacheBefore,
  });
}

/** Expands `permission` on the resources of the lookup-subjects cases, `rounds` times. */
export async function runExpand(
  ctx: QueryPhaseContext,
  opts: { rounds: number },
): Promise<PhaseResult> {
  const cases = ctx.workload.lookupSubjects;
  const recorder = new Recorder();
  let errors = 0;
  let nodes = 0;
  const t0 = now();
  for (let round = 0; round < opts.rounds; round++) {
    for (const l of cases) {
      const s = now();
      try {
        nodes += await ctx.target.expand(l.resource, l.permission, ctx.consistency);
      } catch (e) {
        errors++;
        ctx.verifier.noteError(ctx.target.name, e);
      }
      recorder.record(now() - s);
    }
  }
  const durationMs = now() - t0;
  return record(ctx, 'expand', {
    concurrency: 1,
    ops: recorder.count,
    unit: 'expands',
    durationMs,
    recorder,
    errors,
    mismatches: 0,
    notes: { meanNodes: Math.round(nodes / Math.max(1, recorder.count)) },
  });
}
