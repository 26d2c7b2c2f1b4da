/**
 * Start-up behaviour of `clove serve`: the secure default (no keys → loopback only), the embedded
 * PGlite store persisting across restarts, and the CLI working locally on the same data directory.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient, obj, subject, updates } from '../../src/client/index.ts';
import { runCli, startServerProcess } from './server-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'clove-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('clove serve start-up', () => {
  it('refuses a non-loopback address without API keys, and says why', async () => {
    const r = await runCli(['serve', '--host', '0.0.0.0', '--store', 'memory', '--port', '0'], {
      CLOVE_KEYS: '',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid_config');
    expect(r.stderr).toContain('without API keys');
  });

  it('keeps data in a PGlite directory across restarts; the CLI reads it locally', async () => {
    const store = join(dir, 'data');
    const schema =
      'definition user {}\n\ndefinition document {\n  relation viewer: user\n  permission view = viewer\n}\n';
    const first = await startServerProcess(['--store', store], { CLOVE_KEYS: '' });
    const c1 = createClient({ endpoint: first.url });
    await c1.writeSchema(schema);
    await c1.writeRelationships({
      updates: updates('OPERATION_TOUCH', 'document:kept#viewer@user:ann'),
    });
    expect(await first.stop()).toBe(0);

    const second = await startServerProcess(['--store', store], { CLOVE_KEYS: '' });
    const c2 = createClient({ endpoint: second.url });
    const r = await c2.checkPermission({
      consistency: { fullyConsistent: true },
      resource: obj('document:kept'),
      permission: 'view',
      subject: subject('user:ann'),
    });
    expect(r.permissionship).toBe('PERMISSIONSHIP_HAS_PERMISSION');
    expect(await second.stop()).toBe(0);

    const check = await runCli(['check', 'document:kept#view@user:ann', '--store', store]);
    expect(check.stdout.trim()).toBe('allowed');
    expect(check.code).toBe(0);
    const denied = await runCli(['check', 'document:kept', 'view', 'user:bob', '--store', store]);
    expect([denied.code, denied.stdout.trim()]).toEqual([1, 'denied']);
  }, 300_000); // child processes on a shared machine: generous

  it('SIGTERM ends open watch streams and exits 0 (graceful shutdown)', async () => {
    const server = await startServerProcess(['--store', 'memory'], { CLOVE_KEYS: '' });
    const c = createClient({ endpoint: server.url });
    await c.writeSchema('definition user {}\n');
    const messages: unknown[] = [];
    const watching = (async () => {
      for await (const m of c.watch({})) messages.push(m);
      return 'ended';
    })();
    await new Promise((r) => setTimeout(r, 1500));
    const t0 = Date.now();
    expect(await server.stop()).toBe(0);
    expect(await watching).toBe('ended');
    expect(Date.now() - t0).toBeLessThan(8000); // well under the 10 s grace period
    expect(messages.length).toBeGreaterThan(0);
  });

  it('clove validate runs a zed validation file and reports failing lines', async () => {
    const file = join(dir, 'v.yaml');
    writeFileSync(
      file,
      [
        'schema: |-',
        '  definition user {}',
        '  definition document {',
        '    relation viewer: user',
        '    permission view = viewer',
        '  }',
        'relationships: |-',
        '  document:d1#viewer@user:ann',
        'assertions:',
        '  assertTrue:',
        '    - document:d1#view@user:ann',
        '  assertFalse:',
        '    - document:d1#view@user:ann',
        '',
      ].join('\n'),
    );
    const r = await runCli(['validate', file]);
    const output = `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
    expect(output).toMatch(/^exit 1\n/);
    expect(output).toMatch(/v\.yaml:13: assertFalse/);
  });
});
