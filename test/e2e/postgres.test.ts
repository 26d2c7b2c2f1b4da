/**
 * `DATABASE_URL` switches the server to a real Postgres: an unmigrated database is refused with a
 * hint, `clove migrate` prepares it, and the served API then works on it (data shared by two
 * server processes, as in a horizontally scaled deployment).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atLeastAsFresh, createClient, obj, subject, updates } from '../../src/client/index.ts';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '../support/postgres.ts';
import { runCli, startServerProcess } from './server-process.ts';

let pg: TestPostgres;
let url: string;

beforeAll(async () => {
  pg = await startTestPostgres();
  url = await createTestDatabase(pg.url, 'clove_e2e');
});
afterAll(async () => {
  await pg?.stop();
});

describe('clove serve on Postgres (DATABASE_URL)', () => {
  it('refuses an unmigrated database, naming the fix', async () => {
    const r = await runCli(['serve', '--port', '0'], { DATABASE_URL: url, CLOVE_KEYS: '' });
    expect(r.code).toBe(9);
    expect(r.stderr).toContain('clove migrate');
  });

  it('migrates, then two servers share the data and honour each other’s zookies', async () => {
    const m = await runCli(['migrate'], { DATABASE_URL: url });
    expect(m.code).toBe(0);
    expect(m.stdout).toContain('migrations applied');
    const a = await startServerProcess([], { DATABASE_URL: url, CLOVE_KEYS: '' });
    const b = await startServerProcess([], { DATABASE_URL: url, CLOVE_KEYS: '' });
    try {
      const ca = createClient({ endpoint: a.url });
      const cb = createClient({ endpoint: b.url });
      await ca.writeSchema(
        'definition user {}\n\ndefinition document {\n  relation viewer: user\n  permission view = viewer\n}\n',
      );
      const w = await ca.writeRelationships({
        updates: updates('OPERATION_TOUCH', 'document:pg#viewer@user:ann'),
      });
      const r = await cb.checkPermission({
        consistency: atLeastAsFresh(w.writtenAt.token),
        resource: obj('document:pg'),
        permission: 'view',
        subject: subject('user:ann'),
      });
      expect(r.permissionship).toBe('PERMISSIONSHIP_HAS_PERMISSION');
      expect(await (await fetch(`${b.url}/readyz`)).json()).toEqual({
        status: 'ready',
        store: 'postgres',
      });
    } finally {
      expect(await a.stop()).toBe(0);
      expect(await b.stop()).toBe(0);
    }
  }, 300_000); // child processes on a shared machine: generous
});
