/**
 * A mixed-workload load run against the real server process on loopback: `connections` keep-alive
 * loops send 99% checks and 1% writes (touch/delete of a bounded set of tuples, so the data set stays
 * the same size) for `seconds`, while the server's RSS (/proc/<pid>/status VmRSS) and open file
 * descriptors (/proc/<pid>/fd) are sampled every second. Used by the CI load test (short) and by
 * `bench/soak.ts` (long). Checks carry known answers, so a wrong answer counts as an error.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { type ServerProcess, startServerProcess } from '../e2e/server-process.ts';

export const LOAD_SCHEMA = `definition user {}
definition group {
  relation member: user | group#member
}
definition document {
  relation owner: user
  relation viewer: user | group#member
  relation banned: user
  permission view = (viewer + owner) - banned
}
`;

const GROUPS = 50;
const USERS = 2_000;
const DOCS = 5_000;

/** One sample of the server process. */
export interface ProcessSample {
  readonly atS: number;
  readonly rssMb: number;
  readonly fds: number;
}

export interface LoadReport {
  readonly seconds: number;
  readonly connections: number;
  readonly requests: number;
  readonly checks: number;
  readonly writes: number;
  readonly errors: number;
  readonly wrongAnswers: number;
  readonly firstErrors: string[];
  readonly throughput: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly samples: ProcessSample[];
  /** Samples after the warm-up third (caches full). */
  readonly rssWarmMb: number;
  readonly rssEndMb: number;
  readonly rssMaxMb: number;
  readonly fdsWarm: number;
  readonly fdsEnd: number;
  readonly fdsMax: number;
}

/** Reads VmRSS (MiB) and the fd count of `pid`; undefined off Linux. */
export function sampleProcess(pid: number): { rssMb: number; fds: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    return { rssMb: kb / 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return undefined;
  }
}

/** Who may view document d (the seeded data): viewers of group d%GROUPS and owner d%USERS. */
function expectedView(d: number, u: number): boolean {
  const g = d % GROUPS;
  return u % GROUPS === g || d % USERS === u;
}

/** Starts a server with `args`, seeds the data set, and runs the load; stops the server after. */
export async function runLoad(opts: {
  seconds: number;
  connections: number;
  serverArgs?: string[];
  env?: Record<string, string>;
  onProgress?: (line: string) => void;
}): Promise<LoadReport> {
  const server = await startServerProcess(opts.serverArgs ?? ['--store', 'memory'], {
    CLOVE_KEYS: '',
    CLOVE_LOG_LEVEL: 'error',
    ...opts.env,
  });
  try {
    await seed(server);
    return await drive(server, opts);
  } finally {
    await server.stop();
  }
}

async function post(url: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

const rel = (rt: string, ri: string, r: string, st: string, si: string, sr?: string) => ({
  resource: { objectType: rt, objectId: ri },
  relation: r,
  subject: { object: { objectType: st, objectId: si }, ...(sr ? { optionalRelation: sr } : {}) },
});

async function seed(server: ServerProcess): Promise<void> {
  await post(server.url, '/v1/schema/write', { schema: LOAD_SCHEMA });
  const rels: unknown[] = [];
  for (let u = 0; u < USERS; u++)
    rels.push(rel('group', `g${u % GROUPS}`, 'member', 'user', `u${u}`));
  for (let d = 0; d < DOCS; d++) {
    rels.push(rel('document', `d${d}`, 'viewer', 'group', `g${d % GROUPS}`, 'member'));
    rels.push(rel('document', `d${d}`, 'owner', 'user', `u${d % USERS}`));
  }
  for (let i = 0; i < rels.length; i += 5_000)
    await post(server.url, '/v1/relationships/importbulk', {
      relationships: rels.slice(i, i + 5_000),
    });
}

async function drive(
  server: ServerProcess,
  opts: { seconds: number; connections: number; onProgress?: (line: string) => void },
): Promise<LoadReport> {
  const url = new URL(server.url);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections });
  const pid = server.child.pid as number;
  const latencies: number[] = [];
  const firstErrors: string[] = [];
  let checks = 0;
  let writes = 0;
  let errors = 0;
  let wrongAnswers = 0;
  const samples: ProcessSample[] = [];
  const t0 = performance.now();
  const sampler = setInterval(() => {
    const s = sampleProcess(pid);
    if (!s) return;
    const atS = (performance.now() - t0) / 1000;
    samples.push({ atS, ...s });
    if (samples.length % 30 === 0)
      opts.onProgress?.(
        `${atS.toFixed(0)} s: ${checks + writes} requests, ${errors} errors, RSS ${s.rssMb.toFixed(0)} MiB, ${s.fds} fds`,
      );
  }, 1_000);

  const send = (path: string, body: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path,
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => {
            text += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const fail = (why: string) => {
    errors++;
    if (firstErrors.length < 5) firstErrors.push(why.slice(0, 300));
  };

  const until = Date.now() + opts.seconds * 1_000;
  await Promise.all(
    Array.from({ length: opts.connections }, async (_, c) => {
      let i = c * 7919;
      while (Date.now() < until) {
        i++;
        const started = performance.now();
        try {
          if (i % 100 === 0) {
            // 1% writes: ban/unban a user on a document; both views of it stay known below.
            const d = i % DOCS;
            const u = (i * 31) % USERS;
            const op = (i / 100) % 2 === 0 ? 'OPERATION_TOUCH' : 'OPERATION_DELETE';
            const r = await send(
              '/v1/relationships/write',
              JSON.stringify({
                updates: [
                  {
                    operation: op,
                    relationship: rel('document', `x${d}`, 'banned', 'user', `u${u}`),
                  },
                ],
              }),
            );
            writes++;
            if (r.status !== 200) fail(`write ${r.status} ${r.text}`);
          } else {
            const d = (i * 13) % DOCS;
            const u = (i * 7) % USERS;
            const r = await send(
              '/v1/permissions/check',
              JSON.stringify({
                resource: { objectType: 'document', objectId: `d${d}` },
                permission: 'view',
                subject: { object: { objectType: 'user', objectId: `u${u}` } },
              }),
            );
            checks++;
            if (r.status !== 200) fail(`check ${r.status} ${r.text}`);
            else {
              const has = r.text.includes('PERMISSIONSHIP_HAS_PERMISSION');
              if (has !== expectedView(d, u)) {
                wrongAnswers++;
                fail(`wrong answer for d${d} u${u}: ${r.text}`);
              }
            }
          }
        } catch (err) {
          fail(`transport: ${(err as Error).message}`);
        }
        latencies.push(performance.now() - started);
      }
    }),
  );
  clearInterval(sampler);
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  const end = sampleProcess(pid);
  if (end) samples.push({ atS: elapsed, ...end });
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  const warm = samples.filter((s) => s.atS >= elapsed / 3);
  const warmFirst = warm[0] ?? samples[0];
  const last = samples.at(-1);
  return {
    seconds: elapsed,
    connections: opts.connections,
    requests: checks + writes,
    checks,
    writes,
    errors,
    wrongAnswers,
    firstErrors,
    throughput: (checks + writes) / elapsed,
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    samples,
    rssWarmMb: warmFirst?.rssMb ?? 0,
    rssEndMb: last?.rssMb ?? 0,
    rssMaxMb: Math.max(0, ...samples.map((s) => s.rssMb)),
    fdsWarm: warmFirst?.fds ?? 0,
    fdsEnd: last?.fds ?? 0,
    fdsMax: Math.max(0, ...samples.map((s) => s.fds)),
  };
}

/** One-paragraph summary of a report, for logs and docs/reliability.md. */
export function formatLoadReport(r: LoadReport): string {
  return [
    `${r.seconds.toFixed(0)} s, ${r.connections} connections: ${r.requests} requests (${r.checks} checks, ${r.writes} writes)`,
    `errors ${r.errors} (wrong answers ${r.wrongAnswers}); throughput ${r.throughput.toFixed(0)} req/s; latency p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms`,
    `server RSS ${r.rssWarmMb.toFixed(0)} MiB after warm-up → ${r.rssEndMb.toFixed(0)} MiB at end (max ${r.rssMaxMb.toFixed(0)}); fds ${r.fdsWarm} → ${r.fdsEnd} (max ${r.fdsMax})`,
  ].join('\n');
}
