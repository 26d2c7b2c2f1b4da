/**
 * A throwaway loopback Postgres that a fault test can stop and start again without losing its data
 * (`startTestPostgres` wipes on stop). System binaries only (/usr/lib/postgresql/<v>/bin, run as
 * `postgres` when we are root); `available()` says whether they exist, so a suite can skip cleanly.
 * Commits are durable to the OS (synchronous_commit on) and stops are `fast` (a clean shutdown), so
 * an acknowledged commit survives a stop: the faults under test are Clove's, not the fixture's.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../e2e/server-process.ts';

export interface PausablePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth); stays valid across restarts. */
  readonly url: string;
  /** Stops the server (fast shutdown: open connections are cut), keeping the data directory. */
  pause(): void;
  /** Starts it again on the same port and data. */
  resume(): void;
  /** Stops it and deletes the data. */
  destroy(): void;
}

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const v = readdirSync(root)
    .filter((d) => existsSync(join(root, d, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a))[0];
  return v === undefined ? undefined : join(root, v, 'bin');
}

/** True when system Postgres binaries are installed (the fault suite skips otherwise). */
export function pausablePostgresAvailable(): boolean {
  return binDir() !== undefined;
}

/** Initialises and starts a server; call `destroy()` in `afterAll`. */
export async function startPausablePostgres(): Promise<PausablePostgres> {
  const bin = binDir();
  if (!bin) throw new Error('no system Postgres binaries under /usr/lib/postgresql');
  const isRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'clove-pgfault-'));
  const data = join(dir, 'data');
  if (isRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const run = (cmd: string, args: string[], allowFail = false) => {
    const argv = isRoot ? ['-u', 'postgres', '--', join(bin, cmd), ...args] : args;
    const res = spawnSync(isRoot ? 'runuser' : join(bin, cmd), argv, { encoding: 'utf8' });
    if (res.status !== 0 && !allowFail)
      throw new Error(`${cmd} failed (${res.status}): ${res.stderr || res.stdout}`);
  };
  run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const opts = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c max_connections=100',
  ].join(' ');
  const start = () =>
    run('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '120', 'start']);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pause: () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '120', 'stop']),
    resume: start,
    destroy() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'], true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
