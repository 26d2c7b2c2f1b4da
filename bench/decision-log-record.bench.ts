/**
 * Bench: what recording one decision costs the thread that answers checks, without the checks.
 * A decision log (proofs off, 100% sampling) records `--decisions` synthetic check decisions
 * (5,000 distinct questions over 200 sessions and 1,000 documents; grants, denials, conditional
 * answers with missing context, errors, a context on one in five) into a sink that discards the
 * bytes, then flushes. Rounds alternate the two formatters:
 *   worker   the default: the check path captures references, a drain interns strings and posts
 *            numbers, a worker thread builds and encodes the lines
 *   inline   the same drain, but the lines are built and encoded in the main thread
 * and report main-thread CPU µs per decision (Linux /proc; 10 ms ticks, so keep `--decisions`
 * large) and process CPU µs per decision (worker included). Medians over `--rounds`. Every line
 * is counted at the end (a bench that loses lines is wrong, not fast).
 *
 *   npx tsx bench/decision-log-record.bench.ts [--decisions 300000] [--rounds 5]
 *
 * Measured while building it (2026-11-23, 2 shared cores, load average 6-9), in µs per decision:
 * see docs/guides/agent-delegation.md ("Cost") for the figures.
 */
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { CheckResult } from '../src/engine/index.ts';
import { AppError } from '../src/errors.ts';
import { type CheckDecision, createDecisionLog, createLineSink } from '../src/service/index.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const N = arg('decisions', 300_000);
const ROUNDS = arg('rounds', 5);

/** CPU time of the main thread in µs (Linux /proc, 10 ms ticks); NaN elsewhere. */
function mainThreadCpuUs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10_000;
  } catch {
    return Number.NaN;
  }
}

const RESULTS: CheckResult[] = [
  { permissionship: 'allowed' },
  { permissionship: 'denied' },
  { permissionship: 'conditional', missingParams: ['task'] },
];
const DECISIONS: CheckDecision[] = Array.from({ length: 5000 }, (_, i) => ({
  caller: 'gateway',
  zookie: 'GhUKEzE3MzI0MDAwMDAwMDAwMDAwMDA',
  request: {
    resource: { type: 'document', id: `u${i % 200}d${i % 5}` },
    permission: i % 2 ? 'edit' : 'view',
    subject: { type: 'agent_session', id: `s${i % 200}`, relation: '...' },
    ...(i % 5 === 2 ? { context: { task: `t${i % 200}` } } : {}),
  },
  ...(i % 97 === 0
    ? { error: new AppError('unknown_relation', 'x') }
    : { result: RESULTS[i % 3] as CheckResult }),
}));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const samples = {
  worker: { main: [] as number[], all: [] as number[] },
  inline: { main: [] as number[], all: [] as number[] },
};

for (let r = 0; r < ROUNDS; r++) {
  for (const formatter of r % 2
    ? (['inline', 'worker'] as const)
    : (['worker', 'inline'] as const)) {
    let bytes = 0;
    let lines = 0;
    const devnull = new Writable({
      write(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        for (let p = chunk.indexOf(10); p !== -1; p = chunk.indexOf(10, p + 1)) lines++;
        cb();
      },
    });
    const log = createDecisionLog(createLineSink(devnull, { maxQueuedLines: 10 * N }), {
      proofs: 'off',
      formatter,
      maxQueuedLines: 10 * N,
    });
    // Warm-up (JIT, worker start), not measured.
    for (let i = 0; i < 20_000; i++)
      log.recordCheck(DECISIONS[i % DECISIONS.length] as CheckDecision);
    await log.flush();
    lines = 0;
    const c0 = process.cpuUsage();
    const m0 = mainThreadCpuUs();
    for (let i = 0; i < N; i++) {
      log.recordCheck(DECISIONS[i % DECISIONS.length] as CheckDecision);
      // Yield now and then, as a server does between requests (drains and replies run then).
      if (i % 1024 === 1023) await new Promise((res) => setImmediate(res));
    }
    await log.flush();
    const main = mainThreadCpuUs() - m0;
    const cpu = process.cpuUsage(c0);
    await log.close();
    if (lines !== N) throw new Error(`${formatter}: ${lines} lines written, expected ${N}`);
    samples[formatter].main.push(main / N);
    samples[formatter].all.push((cpu.user + cpu.system) / N);
    if (bytes === 0) throw new Error('nothing written');
  }
  process.stdout.write(`round ${r + 1}/${ROUNDS} done\n`);
}
console.log(`\n${N} decisions per round, medians over ${ROUNDS} rounds (µs per decision)`);
for (const f of ['worker', 'inline'] as const)
  console.log(
    `${f.padEnd(7)} main thread ${median(samples[f].main).toFixed(2)}   process ${median(samples[f].all).toFixed(2)}` +
      `   runs main ${samples[f].main.map((x) => x.toFixed(2)).join(' ')} | process ${samples[f].all.map((x) => x.toFixed(2)).join(' ')}`,
  );
