/**
 * HTTP load generator, run as its own process (`node --import tsx bench/lib/http-load.ts spec.json`)
 * so that generating load never competes with the server's event loop. It drives `concurrency`
 * keep-alive connections (`raw-http.ts`: one socket per worker, one request in flight on each,
 * far cheaper per request than node:http's client) against one route, until
 * `maxRequests` are sent or `durationMs` has passed, verifies each check answer against the
 * expectation, and prints one JSON line (LoadReport) on stdout.
 */
import { readFileSync } from 'node:fs';
import { type RawResponse, RawConnection, serializeRequest } from './raw-http.ts';
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

/** Runs the load described by `spec` and returns its report. */
export async function runLoad(spec: LoadSpec): Promise<LoadReport> {
  const url = new URL(spec.url);
  const requests = spec.bodies.map((body) =>
    serializeRequest({
      method: spec.method,
      url,
      ...(spec.headers ? { headers: spec.headers } : {}),
      ...(spec.method === 'POST' ? { body } : {}),
    }),
  );
  const port = Number(url.port || 80);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // One connection per worker, each with one request in flight (what a pool of keep-alive
  // clients does), never pipelined.
  const connections = Array.from({ length: spec.concurrency }, () => new RawConnection(host, port));
  const recorder = new Recorder();
  let next = 0;
  let errors = 0;
  let mismatches = 0;
  let retries = 0;
  const examples: string[] = [];
  const max = spec.maxRequests ?? Number.POSITIVE_INFINITY;
  const one = async (conn: RawConnection, i: number, timed: boolean) => {
    const k = i % spec.bodies.length;
    const body = spec.bodies[k]!;
    const request = requests[k]!;
    const t0 = performance.now();
    try {
      let res: RawResponse;
      try {
        res = await conn.send(request);
      } catch (e) {
        // Keep-alive race: the server closed an idle pooled socket just as it was reused. A check
        // is idempotent, so it is sent once more (as any HTTP client does); the latency includes it.
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ECONNRESET' && code !== 'EPIPE') throw e;
        retries++;
        res = await conn.send(request);
      }
      const ms = performance.now() - t0;
      if (res.status !== 200) {
        errors++;
        if (examples.length < 5) examples.push(`HTTP ${res.status}: ${res.text.slice(0, 200)}`);
        return;
      }
      if (timed) recorder.record(ms);
      const want = spec.expected?.[k];
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
    connections.map(async (conn, w) => {
      for (let k = 0; k < warm; k++) await one(conn, w * warm + k, false);
    }),
  );
  const start = performance.now();
  const deadline = start + spec.durationMs;
  await Promise.all(
    connections.map(async (conn) => {
      while (next < max && performance.now() < deadline) await one(conn, next++, true);
    }),
  );
  const durationMs = performance.now() - start;
  for (const conn of connections) conn.close();
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
