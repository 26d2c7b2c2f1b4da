/**
 * Bench: check throughput with the decision log off vs on (schema/agents.zed, memory store, engine
 * cache on as in `clove serve`). Variants, measured in alternating rounds (the machine is noisy, so
 * the report gives medians):
 *   off       no decision log
 *   noproof   log on (every decision, 100% sampling), no proof paths
 *   deferred  log on, grants get their proof recomputed after answering (the default); the
 *             proof memo is warm (every question was asked once before at the same revision)
 *   cold      as deferred with the proof memo off: every grant costs one explained evaluation
 *   inline    log on, sampled checks run explained (one uncached pass)
 * Each round runs `--checks` checks with `--concurrency` in flight over a mix of grants, denials
 * and conditional answers, and reports answers/s (time until every answer came back) and
 * drained/s (until the log also flushed every line to its file, proofs included). Log lines go to
 * a real temp file. Expected answers are verified on every round, and the log's line count too.
 *
 * `--http` measures the same over HTTP: a server in this process (`startServer`) per variant and
 * a client loop through the typed client.
 *
 *   npx tsx bench/decision-log.bench.ts [--checks 20000] [--rounds 5] [--concurrency 16] [--http]
 *     [--variants off,noproof,deferred]   (a subset of the variants; `off` should stay in it)
 *
 * Reports, per variant: answers/s, process CPU µs per check (the log's formatter worker included),
 * and main-thread CPU µs per check (Linux /proc): what logging costs the thread answering checks.
 * `--inline-format` formats lines in the main thread instead of the worker (in-process only).
 *
 * Measured (2026-11-23, 2 shared cores at load average 6-9: wall-clock rounds swing 2x, so CPU is
 * the figure to read), in process, 20,000 checks × 5-7 rounds, medians of main-thread µs/check:
 *   before (line built at record time, commit 9fb4b8f), two runs:
 *     off 9.0 / 9.0, noproof 15.0 / 16.5 (+6.0 / +7.5), deferred 17.5 / 16.0 (+8.5 / +7.0)
 *   after (capture ring, interned records, formatter worker), three runs:
 *     off 6.5 / 9.0 / 8.0, noproof 8.0 / 12.5 / 12.0 (+1.5 / +3.5 / +4.0),
 *     deferred 14.0 / 16.5 / 14.5 (+7.5 / +7.5 / +6.5)
 * The log's own share is 0.9 µs per decision (bench/decision-log-record.bench.ts; 2.3 µs before);
 * the rest is the worker and the file writes competing for the same two cores, and the deferred
 * proof memo lookup. On cache hits of 7-9 µs that is still not "a few percent".
 * Earlier (5000 checks × 5, load ~13, before the engine's synchronous path): off 8.5 CPU µs/check,
 * noproof +5.5 µs, deferred memoised +9 µs, cold 107 µs/check, inline 256 µs/check.
 * Over HTTP (--http, 10,000 checks × 5 rounds, load 5-9), medians of main-thread µs/check for
 * off / noproof / deferred: before 892 / 1209 / 1055 and 938 / 983 / 936; after 795 / 785 / 717
 * and 698 / 685 / 614. A check costs 600-1,200 µs here and rounds swing 2-4x in answers/s, so
 * these runs show no logging cost at all (the log's ~1 µs is 0.1%), only noise.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, obj, subject } from '../src/client/index.ts';
import { loadConfig } from '../src/config.ts';
import { startServer } from '../src/main.ts';
import { parseTuple } from '../src/model/index.ts';
import {
  type CheckInput,
  type Clove,
  createClove,
  type DecisionProofMode,
  openDecisionLog,
  silentLogger,
} from '../src/service/index.ts';
import { createMemoryStore } from '../src/store/index.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const CHECKS = arg('checks', 20_000);
const FORMATTER = process.argv.includes('--inline-format') ? 'inline' : 'worker';

/**
 * CPU time of the main thread alone (the one answering checks), in µs, from /proc on Linux (10 ms
 * ticks); NaN elsewhere. Process CPU (`process.cpuUsage`) also counts the log's formatter worker.
 */
function mainThreadCpuUs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10_000;
  } catch {
    return Number.NaN;
  }
}
const ROUNDS = arg('rounds', 5);
const CONCURRENCY = arg('concurrency', 16);
const HTTP = process.argv.includes('--http');
const SCHEMA = readFileSync(new URL('../schema/agents.zed', import.meta.url), 'utf8');

type Variant = 'off' | 'noproof' | 'deferred' | 'cold' | 'inline';
const ONLY = process.argv.includes('--variants')
  ? (process.argv[process.argv.indexOf('--variants') + 1] ?? '').split(',')
  : undefined;
const VARIANTS: readonly Variant[] = (
  HTTP
    ? (['off', 'noproof', 'deferred', 'inline'] as const) // the proof memo is not a server setting
    : (['off', 'noproof', 'deferred', 'cold', 'inline'] as const)
).filter((v) => ONLY === undefined || ONLY.includes(v));
const PROOFS: Record<Exclude<Variant, 'off'>, DecisionProofMode> = {
  noproof: 'off',
  deferred: 'deferred',
  cold: 'deferred',
  inline: 'inline',
};

/** 200 users each with a workflow, a session, a sub-agent and five documents; 1 in 4 sessions' users can only view. */
function world(): { tuples: string[]; queries: { q: CheckInput; expect: string }[] } {
  const tuples: string[] = [];
  const queries: { q: CheckInput; expect: string }[] = [];
  const ref = (t: string) => {
    const [type, id] = t.split(':') as [string, string];
    return { type, id };
  };
  const q = (res: string, permission: string, sub: string, context?: Record<string, unknown>) => ({
    resource: ref(res),
    permission,
    subject: { ...ref(sub), relation: '...' },
    ...(context ? { context } : {}),
  });
  for (let u = 0; u < 200; u++) {
    const user = `user:u${u}`;
    const s = `agent_session:s${u}`;
    const sub = `agent_session:sub${u}`;
    const w = `workflow:w${u}`;
    tuples.push(
      `${w}#owner@${user}`,
      `${user}#delegate@${s}[expiration:2300-01-01T00:00:00Z]`,
      `${w}#session@${s}[expiration:2300-01-01T00:00:00Z]`,
      `${s}#workflow@${w}`,
      `${s}#sub_agent@${sub}[within_task:{"allowed_tasks":["t${u}"]}][expiration:2300-01-01T00:00:00Z]`,
    );
    const viewOnly = u % 4 === 0;
    for (let d = 0; d < 5; d++) {
      const doc = `document:u${u}d${d}`;
      tuples.push(`${doc}#${viewOnly ? 'viewer' : 'editor'}@${user}`, `${doc}#workflow@${w}`);
      queries.push(
        { q: q(doc, 'edit', s), expect: viewOnly ? 'no_permission' : 'has_permission' },
        { q: q(doc, 'view', s), expect: 'has_permission' },
        { q: q(doc, 'view', sub, { task: `t${u}` }), expect: 'has_permission' },
        { q: q(doc, 'view', sub), expect: 'conditional_permission' },
        { q: q(doc, 'edit', `agent_session:s${(u + 1) % 200}`), expect: 'no_permission' },
      );
    }
  }
  return { tuples, queries };
}

const W = world();
const dir = mkdtempSync(join(tmpdir(), 'clove-decision-bench-'));

async function runLoop(
  check: (i: number) => Promise<string>,
): Promise<{ answersMs: number; wrong: number }> {
  let next = 0;
  let wrong = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (;;) {
        const i = next++;
        if (i >= CHECKS) return;
        const item = W.queries[i % W.queries.length] as (typeof W.queries)[number];
        if ((await check(i)) !== item.expect) wrong++;
      }
    }),
  );
  return { answersMs: performance.now() - t0, wrong };
}

/** One in-process round: fresh store + service, warm-up pass, then the measured pass. */
async function roundInProcess(v: Variant, round: number) {
  const file = join(dir, `${v}-${round}.jsonl`);
  const log =
    v === 'off'
      ? undefined
      : openDecisionLog({
          target: file,
          proofs: PROOFS[v],
          formatter: FORMATTER,
          ...(v === 'cold' ? { proofCacheSize: 0, maxPendingProofs: 1_000_000 } : {}),
        });
  const clove: Clove = createClove({
    store: createMemoryStore(),
    quantumMs: 5000,
    ...(log ? { decisionLog: log } : {}),
  });
  await clove.writeSchema(SCHEMA);
  await clove.importTuples(W.tuples.map(parseTuple));
  const check = async (i: number) => {
    const item = W.queries[i % W.queries.length] as (typeof W.queries)[number];
    return (await clove.check(item.q, { caller: 'bench' })).answer.permissionship;
  };
  // Warm-up: the cache and JIT see every query once (logged too, so the file has them).
  for (let i = 0; i < W.queries.length; i++) await check(i);
  await log?.flush();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const m0 = mainThreadCpuUs();
  const { answersMs, wrong } = await runLoop(check);
  await log?.flush();
  const drainedMs = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const mainUs = mainThreadCpuUs() - m0;
  await clove.close();
  const lines = log ? readFileSync(file, 'utf8').split('\n').length - 1 : 0;
  if (log && lines !== CHECKS + W.queries.length)
    throw new Error(`${v}: expected ${CHECKS + W.queries.length} log lines, got ${lines}`);
  if (wrong > 0) throw new Error(`${v}: ${wrong} wrong answers`);
  return { answersMs, drainedMs, cpuUs: cpu.user + cpu.system, mainUs };
}

/** One HTTP round: `startServer` in this process on a free port, client loop over loopback. */
async function roundHttp(v: Variant, round: number) {
  const file = join(dir, `http-${v}-${round}.jsonl`);
  const config = loadConfig(
    { port: 0, store: 'memory' },
    v === 'off' ? {} : { CLOVE_DECISION_LOG: file, CLOVE_DECISION_LOG_PROOFS: PROOFS[v] },
  );
  const server = await startServer(config, { logger: silentLogger });
  const clove = server.clove;
  await clove.writeSchema(SCHEMA);
  await clove.importTuples(W.tuples.map(parseTuple));
  const client = createClient({ endpoint: server.url });
  const check = async (i: number) => {
    const item = W.queries[i % W.queries.length] as (typeof W.queries)[number];
    const r = await client.checkPermission({
      resource: obj(`${item.q.resource.type}:${item.q.resource.id}`),
      permission: item.q.permission,
      subject: subject(`${item.q.subject.type}:${item.q.subject.id}`),
      ...(item.q.context ? { context: item.q.context as Record<string, unknown> } : {}),
    });
    return r.permissionship.replace('PERMISSIONSHIP_', '').toLowerCase();
  };
  for (let i = 0; i < W.queries.length; i++) await check(i);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const m0 = mainThreadCpuUs();
  const { answersMs, wrong } = await runLoop(check);
  await server.close(); // flushes the decision log
  const drainedMs = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const mainUs = mainThreadCpuUs() - m0;
  if (wrong > 0) throw new Error(`${v}: ${wrong} wrong answers`);
  return { answersMs, drainedMs, cpuUs: cpu.user + cpu.system, mainUs };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

interface Samples {
  answers: number[];
  drained: number[];
  /** Process CPU time per check (µs), answers and log drain included: steadier than wall time on a shared machine. */
  cpu: number[];
  /** Main-thread CPU time per check (µs): what the log costs the thread that answers checks. */
  main: number[];
}
const results = new Map<Variant, Samples>(
  VARIANTS.map((v) => [v, { answers: [], drained: [], cpu: [], main: [] }]),
);
console.log(
  `decision log bench (${HTTP ? 'HTTP' : 'in-process'}): ${CHECKS} checks × ${ROUNDS} rounds, ` +
    `concurrency ${CONCURRENCY}, ${W.tuples.length} tuples, ${W.queries.length} distinct queries`,
);
for (let r = 0; r < ROUNDS; r++) {
  // Rotate the order every round so no variant always runs first (warm CPU, GC state).
  const order = VARIANTS.map((_, i) => VARIANTS[(i + r) % VARIANTS.length] as Variant);
  for (const v of order) {
    const { answersMs, drainedMs, cpuUs, mainUs } = HTTP
      ? await roundHttp(v, r)
      : await roundInProcess(v, r);
    const entry = results.get(v) as Samples;
    entry.answers.push((CHECKS / answersMs) * 1000);
    entry.drained.push((CHECKS / drainedMs) * 1000);
    entry.cpu.push(cpuUs / CHECKS);
    entry.main.push(mainUs / CHECKS);
    if (typeof global.gc === 'function') global.gc();
  }
  process.stdout.write(`round ${r + 1}/${ROUNDS} done\n`);
}
rmSync(dir, { recursive: true, force: true });

const base = median((results.get('off') as Samples).answers);
const baseCpu = median((results.get('off') as Samples).cpu);
const baseMain = median((results.get('off') as Samples).main);
console.log(
  '\nvariant    answers/s  vs off   drained/s   CPU µs/check  vs off   main µs/check  vs off   runs (answers/s | CPU µs/check | main µs/check)',
);
for (const v of VARIANTS) {
  const e = results.get(v) as Samples;
  const a = median(e.answers);
  const c = median(e.cpu);
  const m = median(e.main);
  const pct = (x: number, b: number) => `${((x / b - 1) * 100).toFixed(1)}%`;
  console.log(
    [
      v.padEnd(8),
      a.toFixed(0).padStart(11),
      pct(a, base).padStart(7),
      median(e.drained).toFixed(0).padStart(11),
      c.toFixed(1).padStart(14),
      pct(c, baseCpu).padStart(7),
      m.toFixed(1).padStart(14),
      pct(m, baseMain).padStart(7),
      `  ${e.answers.map((x) => x.toFixed(0)).join(' ')} | ${e.cpu.map((x) => x.toFixed(1)).join(' ')} | ${e.main.map((x) => x.toFixed(1)).join(' ')}`,
    ].join(' '),
  );
}
console.log(
  '(medians over rounds; answers/s: until every answer; drained/s: until the log is flushed;\n' +
    ' CPU: the whole process, log worker included; main: the thread answering checks)',
);
