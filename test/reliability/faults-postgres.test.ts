/**
 * Postgres stopped in the middle of a stream of writes, against the real server process: every
 * write either committed completely (visible at its own zookie) or was reported as failed; none is
 * half-applied (each write is a 3-tuple batch: all or nothing); the API answers 503 `unavailable`
 * while the database is down (writes and `/readyz`), and recovers by itself when it returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/postgres.ts';
import {
  type PausablePostgres,
  pausablePostgresAvailable,
  startPausablePostgres,
} from '../support/pausable-postgres.ts';
import { runCli, type ServerProcess, startServerProcess } from '../e2e/server-process.ts';
import { codeOf, type Outcome, postJson, readAll, sleep, wireRel } from './wire.ts';

const SCHEMA = `definition user {}
definition document {
  relation viewer: user
  relation editor: user
  relation owner: user
  permission view = viewer + editor + owner
}
`;

/** Write `i`: three tuples on one document, committed together or not at all. */
const batch = (i: number) => [
  `document:w${i}#viewer@user:a${i}`,
  `document:w${i}#editor@user:b${i}`,
  `document:w${i}#owner@user:c${i}`,
];

let pg: PausablePostgres;
let server: ServerProcess;

beforeAll(async () => {
  if (!pausablePostgresAvailable()) return;
  pg = await startPausablePostgres();
  const url = await createTestDatabase(pg.url, 'clove_fault');
  const m = await runCli(['migrate'], { DATABASE_URL: url });
  expect(m.code, m.stderr).toBe(0);
  server = await startServerProcess([], {
    DATABASE_URL: url,
    CLOVE_KEYS: '',
    CLOVE_REQUEST_TIMEOUT_MS: '5000',
  });
  const w = await postJson(server.url, '/v1/schema/write', { schema: SCHEMA });
  expect(w.kind === 'http' && w.status).toBe(200);
});

afterAll(async () => {
  await server?.stop();
  pg?.destroy();
});

describe.skipIf(!pausablePostgresAvailable())('Postgres stops mid-stream', () => {
  it('no write is lost or half-applied; 503 while down; recovers without a restart', async () => {
    const write = (i: number) =>
      postJson(server.url, '/v1/relationships/write', {
        updates: batch(i).map((t) => ({ operation: 'OPERATION_TOUCH', relationship: wireRel(t) })),
      });
    const results = new Map<number, Outcome>();
    let i = 0;
    // Phase 1: healthy.
    for (; i < 20; i++) results.set(i, await write(i));
    // Phase 2: a concurrent stream of writes while Postgres stops under it.
    let stopAt = 0;
    const writer = (async () => {
      const until = Date.now() + 240_000;
      while (Date.now() < until && (stopAt === 0 || Date.now() < stopAt + 4_000)) {
        const n = i++;
        results.set(n, await write(n));
      }
    })();
    await sleep(300);
    pg.pause();
    stopAt = Date.now();
    await writer;
    const down: Outcome[] = [];
    for (let k = 0; k < 3; k++) {
      const n = i++;
      const o = await write(n);
      results.set(n, o);
      down.push(o);
    }
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    for (const o of down) {
      expect(o.kind).toBe('http');
      expect(codeOf(o)).toBe('unavailable');
      expect(o.kind === 'http' && o.status).toBe(503);
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    // Phase 3: Postgres returns; the same server process recovers by itself.
    pg.resume();
    let recovered = false;
    const until = Date.now() + 120_000;
    while (!recovered && Date.now() < until) {
      const n = i++;
      const o = await write(n);
      results.set(n, o);
      recovered = o.kind === 'http' && o.status === 200;
      if (!recovered) await sleep(250);
    }
    expect(recovered).toBe(true);
    for (let k = 0; k < 10; k++) {
      const n = i++;
      const o = await write(n);
      results.set(n, o);
      expect(o.kind === 'http' && o.status).toBe(200);
    }
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    // Verdict: acknowledged → all three tuples, visible at the write's own zookie; failed → a typed
    // error (never a 500) and all-or-nothing.
    const stored = new Set(await readAll(server.url, 'document'));
    let acked = 0;
    let failed = 0;
    for (const [n, o] of results) {
      const present = batch(n).filter((t) => stored.has(t)).length;
      expect([0, 3], `write ${n} is half-applied`).toContain(present);
      if (o.kind === 'http' && o.status === 200) {
        acked++;
        expect(present, `acknowledged write ${n} is missing`).toBe(3);
      } else {
        failed++;
        if (o.kind === 'http') {
          expect(o.status, JSON.stringify(o.body)).not.toBe(500);
          expect(['unavailable', 'deadline_exceeded']).toContain(codeOf(o));
        }
      }
    }
    // Spot-check read-your-writes at the zookie of every 5th acknowledged write.
    for (const [n, o] of results) {
      if (n % 5 !== 0 || o.kind !== 'http' || o.status !== 200) continue;
      const token = (o.body.writtenAt as { token: string }).token;
      const at = new Set(await readAll(server.url, 'document', { atExact: token }));
      for (const t of batch(n)) expect(at.has(t)).toBe(true);
    }
    console.log(
      `[faults] postgres stop: ${results.size} writes, ${acked} acknowledged (all present), ` +
        `${failed} failed (none half-applied)`,
    );
    expect(failed).toBeGreaterThan(0);
    expect(stored.size % 3).toBe(0);
  }, 600_000);
});
