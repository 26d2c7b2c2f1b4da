/**
 * Child processes of the suite: the Clove server (`bin/clove.js serve`), the trivial-route server
 * and the HTTP load generator. Each is started by this process and stopped by pid (SIGTERM), never
 * by name.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { guardStop } from './cleanup.ts';
import type { LoadReport, LoadSpec } from './http-load.ts';
import { fromRoot, ROOT } from './paths.ts';

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A running server child: its base URL, pid, RSS probe and stop. */
export interface ServerChild {
  readonly url: string;
  readonly pid: number;
  /** Resident set size of the server process in MB (Linux /proc), or NaN. */
  rssMb(): number;
  stop(): Promise<void>;
}

/** The check cache figures a Clove server exports on /metrics (counters since its start). */
export interface ServerCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly entries: number;
  /** Estimated heap bytes of the entries. */
  readonly bytes: number;
}

/** A running `clove serve` child, which can also report its check cache. */
export interface CloveServerChild extends ServerChild {
  /** Scrapes the server's /metrics; undefined when a figure is missing (cache off: all zero). */
  cacheStats(): Promise<ServerCacheStats | undefined>;
}

/** The value of an unlabelled metric in Prometheus text, or NaN. */
function metricValue(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

async function scrapeCache(url: string): Promise<ServerCacheStats | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const s = {
    hits: metricValue(text, 'clove_engine_cache_hits'),
    misses: metricValue(text, 'clove_engine_cache_misses'),
    entries: metricValue(text, 'clove_engine_cache_entries'),
    bytes: metricValue(text, 'clove_engine_cache_bytes'),
  };
  return Object.values(s).every(Number.isFinite) ? s : undefined;
}

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1000) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}): ${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server not ready after 120 s: ${log()}`);
}

/**
 * Starts `node bin/clove.js serve` on `storeSpec` with the check cache on or off
 * (CLOVE_CACHE_SIZE=0), waits for /readyz. Cache on, the server keeps its own defaults (bounded by
 * estimated bytes, no entry bound) unless `cacheMaxBytes` sets CLOVE_CACHE_MAX_BYTES; cache
 * settings inherited from this process's environment are dropped, so a report's setting is the
 * one the server ran with.
 */
export async function startCloveServer(opts: {
  storeSpec: string;
  cache: boolean;
  cacheMaxBytes?: number | undefined;
}): Promise<CloveServerChild> {
  const { CLOVE_CACHE_SIZE: _size, CLOVE_CACHE_MAX_BYTES: _bytes, ...inherited } = process.env;
  const cacheEnv: Record<string, string> = !opts.cache
    ? { CLOVE_CACHE_SIZE: '0' }
    : opts.cacheMaxBytes !== undefined
      ? { CLOVE_CACHE_MAX_BYTES: String(opts.cacheMaxBytes) }
      : {};
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      fromRoot('bin/clove.js'),
      'serve',
      '--store',
      opts.storeSpec,
      '--port',
      String(port),
      '--log-level',
      'warn',
      '--migrate',
    ],
    {
      cwd: ROOT,
      env: { ...inherited, ...cacheEnv, CLOVE_KEYS: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = guardStop(() => stopChild(child));
  try {
    await waitReady(`${url}/readyz`, child, () => stderr);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    url,
    pid: child.pid!,
    rssMb: () => rssOf(child.pid!),
    stop,
    cacheStats: () => scrapeCache(url),
  };
}

/** Starts the trivial hono route server (bench/lib/trivial-server.ts). */
export async function startTrivialServer(): Promise<ServerChild> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fromRoot('bench/lib/trivial-server.ts'), String(port)],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = guardStop(() => stopChild(child));
  try {
    await waitReady(`${url}/trivial`, child, () => stderr);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, pid: child.pid!, rssMb: () => rssOf(child.pid!), stop };
}

/** Runs bench/lib/http-load.ts in its own process and returns its report. */
export async function runLoadProcess(spec: LoadSpec): Promise<LoadReport> {
  const dir = mkdtempSync(join(tmpdir(), 'clove-bench-load-'));
  const file = join(dir, 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  try {
    return await new Promise<LoadReport>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', fromRoot('bench/lib/http-load.ts'), file],
        {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const unregister = guardStop(() => stopChild(child));
      let out = '';
      let err = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.stderr?.on('data', (d: Buffer) => {
        err = (err + d.toString()).slice(-4000);
      });
      child.once('exit', (code) => {
        void unregister();
        if (code !== 0) return reject(new Error(`http-load exited ${code}: ${err}`));
        try {
          resolve(JSON.parse(out.trim().split('\n').pop()!) as LoadReport);
        } catch (e) {
          reject(new Error(`http-load printed no report: ${String(e)} ${err}`));
        }
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
