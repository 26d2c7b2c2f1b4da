/**
 * HTTP load generator, run as its own process (`node --import tsx bench/lib/http-load.ts spec.json`)
 * so that generating load never competes with the server's event loop. It drives `concurrency`
 * keep-alive connections (node:http Agent, one socket per worker) against one route, until
 * `maxRequests` are sent or `durationMs` has passed, verifies each check answer against the
 * expectation, and prints one JSON line (LoadReport) on stdout.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { cdfOf, type CdfPoints, type LatencySummary, Recorder, summarize } from './stats.ts';

/** What the parent asks for. `bodies[i]` is sent with `expected[i]` (when given) checked. */
export interface LoadSpec {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly bodies: readonly string[];
  /** Expected `allowed`/`denied` per body (check routes), or absent (no verification). */
  readonly expected?: readonly string[];
  readonly concurrency: number;
  readonly durationMs: number;
  readonly maxRequests?: number;
  /** Untimed requests sent first (per worker) to open connections and warm the JIT. */
  readonly warmupPerWorker?: number;
}

export interface LoadReport {
  readonly requests: number;
  readonly errors: number;
  readonly mismatches: number;
  readonly mismatchExamples: readonly string[];
  /** Requests re-sent once after a reset pooled connection (see `runLoad`). */
  readonly retries: number;
  readonly durationMs: number;
  readonly throughput: number;
  readonly latency: LatencySummary;
  readonly cdf: CdfPoints;
}

const PERMISSIONSHIP: Record<string, string> = {
  PERMISSIONSHIP_HAS_PERMISSION: 'allowed',
  PERMISSIONSHIP_NO_PERMISSION: 'denied',
  PERMISSIONSHIP_CONDITIONAL_PERMISSION: 'conditional',
};

function send(
  agent: http.Agent,
  url: URL,
  spec: LoadSpec,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: spec.method,
        headers: {
          ...(spec.method === 'POST'
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
            : {}),
          ...spec.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (spec.method === 'POST') req.end(body);
    else req.end();
  });
}

/** Runs the load described by `spec` and returns its report. */
export async function runLoad(spec: LoadSpec): Promise<LoadReport> {
  const url = new URL(spec.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const recorder = new Recorder();
  let next = 0;
  let errors = 0;
  let mismatches = 0;
  let retries = 0;
  const examples: string[] = [];
  const max = spec.maxRequests ?? Number.POSITIVE_INFINITY;
  const one = async (i: number, timed: boolean) => {
    const body = spec.bodies[i % spec.bodies.length]!;
    const t0 = performance.now();
    try {
      let res: { status: number; text: string };
      try {
        res = await send(agent, url, spec, body);
      } catch (e) {
        // Keep-alive race: the server closed an idle pooled socket just as it was reused. A check
        // is idempotent, so it is sent once more (as any HTTP client does); the latency includes it.
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ECONNRESET' && code !== 'EPIPE') throw e;
        retries++;
        res = await send(agent, url, spec, body);
      }
      const ms = performance.now() - t0;
      if (res.status !== 200) {
        errors++;
        if (examples.length < 5) examples.push(`HTTP ${res.status}: ${res.text.slice(0, 200)}`);
        return;
      }
      if (timed) recorder.record(ms);
      const want = spec.expected?.[i % spec.bodies.length];
      if (want) {
        const got =
          PERMISSIONSHIP[
            (JSON.parse(res.text) as { permissionship?: string }).permissionship ?? ''
          ];
        if (got !== want) {
          mismatches++;
          if (examples.length < 5) examples.push(`${body} → ${got}, expected ${want}`);
        }
      }
    } catch (e) {
      errors++;
      if (examples.length < 5) examples.push(String(e));
    }
  };
  const warm = spec.warmupPerWorker ?? 0;
  await Promise.all(
    Array.from({ length: spec.concurrency }, async (_, w) => {
      for (let k = 0; k < warm; k++) await one(w * warm + k, false);
    }),
  );
  const start = performance.now();
  const deadline = start + spec.durationMs;
  await Promise.all(
    Array.from({ length: spec.concurrency }, async () => {
      while (next < max && performance.now() < deadline) await one(next++, true);
    }),
  );
  const durationMs = performance.now() - start;
  agent.destroy();
  const sorted = recorder.sorted();
  return {
    requests: recorder.count,
    errors,
    mismatches,
    mismatchExamples: examples,
    retries,
    durationMs,
    throughput: recorder.count / (durationMs / 1000),
    latency: summarize(sorted),
    cdf: cdfOf(sorted),
  };
}

// Entry point when run as a child process.
if (process.argv[1]?.endsWith('http-load.ts')) {
  const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadSpec;
  runLoad(spec).then(
    (report) => process.stdout.write(`${JSON.stringify(report)}\n`),
    (e: unknown) => {
      process.stderr.write(`http-load failed: ${String(e)}\n`);
      process.exit(1);
    },
  );
}
