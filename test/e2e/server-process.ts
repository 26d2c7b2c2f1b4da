/**
 * Starts the real server as a child process (`node bin/clove.js serve ...`) on a free loopback
 * port, waits for `/healthz`, and stops it with SIGTERM (graceful shutdown) afterwards.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
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

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the server wrote to stderr (JSON log lines). */
  readonly logs: () => string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  /** Milliseconds from spawn to the first successful /healthz. */
  readonly startupMs: number;
}

/** Runs the CLI once and collects its output. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/clove.js', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Spawns `clove serve` with `args` and waits until it answers (or exits, or 120 s pass). */
export async function startServerProcess(
  args: string[],
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const t0 = Date.now();
  const child = spawn(
    process.execPath,
    ['bin/clove.js', 'serve', '--port', String(port), '--host', '127.0.0.1', ...args],
    { cwd: ROOT, env: { ...process.env, CLOVE_LOG_LEVEL: 'warn', ...env } },
  );
  let logs = '';
  child.stderr?.on('data', (d) => {
    logs += d;
  });
  child.stdout?.on('data', (d) => {
    logs += d;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const url = `http://127.0.0.1:${port}`;
  let ready = false;
  while (!ready && Date.now() - t0 < 120_000) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${logs}`);
    try {
      ready = (await fetch(`${url}/healthz`)).ok;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  if (!ready) {
    child.kill('SIGKILL');
    throw new Error(`server did not start:\n${logs}`);
  }
  const startupMs = Date.now() - t0;
  return {
    url,
    child,
    startupMs,
    logs: () => logs,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
