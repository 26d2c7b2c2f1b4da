/**
 * The CLI's data commands against a real server (in-process `startServer`, loopback socket), run
 * in-process with captured output: what they print and the exit codes they return.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as check } from '../../src/cli/commands/check.ts';
import { run as expand } from '../../src/cli/commands/expand.ts';
import { run as lookup } from '../../src/cli/commands/lookup.ts';
import { run as schema } from '../../src/cli/commands/schema-remote.ts';
import { run as tuples } from '../../src/cli/commands/tuples.ts';
import { run as validate } from '../../src/cli/commands/validate.ts';
import type { Io } from '../../src/cli/run-command.ts';
import { loadConfig } from '../../src/config.ts';
import { type RunningServer, startServer } from '../../src/main.ts';
import { silentLogger } from '../../src/service/index.ts';

const ADMIN = 'cli-admin-secret-0123456789';
const READER = 'cli-reader-secret-012345678';
const dir = mkdtempSync(join(tmpdir(), 'clove-cli-'));
let server: RunningServer;

const SCHEMA = `definition user {}

definition group {
  relation member: user | group#member
}

definition document {
  relation owner: user
  relation viewer: user | user:* | group#member
  relation banned: user
  permission edit = owner
  permission view = (viewer + edit) - banned
}
`;

function capture(): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    tty: false,
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
  };
  return io;
}

type Cmd = (args: string[], io?: Io) => Promise<number>;
async function cli(cmd: Cmd, args: string[], key = ADMIN) {
  const io = capture();
  const code = await cmd([...args, '--endpoint', server.url, '--key', key], io);
  return { code, out: io.stdout, err: io.stderr };
}

beforeAll(async () => {
  const config = loadConfig(
    { port: 0, store: 'memory' },
    { CLOVE_KEYS: `a:admin:${ADMIN},r:reader:${READER}`, CLOVE_QUANTUM_MS: '0' },
  );
  server = await startServer(config, { logger: silentLogger });
  const file = join(dir, 'schema.zed');
  writeFileSync(file, SCHEMA);
  expect((await cli(schema, ['write', file])).code).toBe(0);
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('clove schema', () => {
  it('read prints the stored schema', async () => {
    const r = await cli(schema, ['read'], READER);
    expect([r.code, r.out]).toEqual([0, SCHEMA]);
  });

  it('write --dry-run validates only; errors exit 3 with diagnostics', async () => {
    const bad = join(dir, 'bad.zed');
    writeFileSync(bad, 'definition document {\n  relation viewer: nobody\n}\n');
    const r = await cli(schema, ['write', bad, '--dry-run']);
    expect(r.code).toBe(3);
    expect(r.err).toContain('schema_invalid');
    expect(r.err).toMatch(/2:\d+: \[/);
    const ok = await cli(schema, ['write', join(dir, 'schema.zed'), '--dry-run']);
    expect(ok.code).toBe(0);
    expect(ok.err).toContain('dry run');
  });

  it('a reader may not write the schema (exit 6)', async () => {
    const r = await cli(schema, ['write', join(dir, 'schema.zed')], READER);
    expect(r.code).toBe(6);
    expect(r.err).toContain('permission_denied');
  });
});

describe('clove tuples, check, lookup, expand', () => {
  let zookie: string;

  beforeAll(async () => {
    const r = await cli(tuples, [
      'write',
      'document:d1#owner@user:ann',
      'document:d1#viewer@group:eng#member',
      'group:eng#member@user:bob',
      'document:pub#viewer@user:*',
    ]);
    expect(r.code).toBe(0);
    zookie = r.out.trim();
  });

  it('write prints a zookie; read lists tuples in text form', async () => {
    expect(zookie).toMatch(/^[A-Za-z0-9_-]+$/);
    const r = await cli(tuples, ['read', 'document:d1', '--zookie', zookie], READER);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n').sort()).toEqual([
      'document:d1#owner@user:ann',
      'document:d1#viewer@group:eng#member',
    ]);
    const json = await cli(tuples, ['read', 'document@group:eng#member', '--json'], READER);
    expect(JSON.parse(json.out.trim()).subject.optionalRelation).toBe('member');
  });

  it.each([
    [['document:d1', 'view', 'user:bob'], 0, 'allowed'],
    [['document:d1#edit@user:bob'], 1, 'denied'],
    [['document:pub', 'view', 'user:zed'], 0, 'allowed'],
  ])('check %j → exit %i (%s)', async (args, code, word) => {
    const r = await cli(check, args, READER);
    expect([r.code, r.out.split('\n')[0]]).toEqual([code, word]);
  });

  it('check --explain prints the proof; --json the wire response', async () => {
    const r = await cli(check, ['document:d1', 'view', 'user:bob', '--explain'], READER);
    expect(r.out).toContain('group:eng#member');
    const j = await cli(check, ['document:d1', 'view', 'user:bob', '--json'], READER);
    expect(JSON.parse(j.out).permissionship).toBe('PERMISSIONSHIP_HAS_PERMISSION');
  });

  it('bad input exits 2 (usage) or 4 (data)', async () => {
    expect((await cli(check, ['document:d1', 'view'], READER)).code).toBe(2);
    expect((await cli(check, ['document:d1', 'nosuch', 'user:bob'], READER)).code).toBe(4);
    expect(
      (await cli(check, ['document:d1', 'view', 'user:bob', '--context', '[1]'], READER)).code,
    ).toBe(2);
    const badKey = await cli(check, ['document:d1', 'view', 'user:bob'], 'nope-nope-nope-nope');
    expect([badKey.code, badKey.err.includes('unauthenticated')]).toEqual([6, true]);
  });

  it('lookup resources, subjects (with the wildcard) and permissions', async () => {
    const res = await cli(lookup, ['resources', 'document', 'view', 'user:bob'], READER);
    expect(res.out.trim().split('\n')).toEqual(['document:d1', 'document:pub']);
    const subs = await cli(lookup, ['subjects', 'document:pub', 'view', 'user'], READER);
    expect(subs.out.trim()).toBe('user:*');
    const perms = await cli(lookup, ['permissions', 'document:d1', 'user:ann'], READER);
    expect(perms.out.trim().split('\n')).toEqual([
      'edit (permission)',
      'owner (relation)',
      'view (permission)',
    ]);
  });

  it('expand prints the tree', async () => {
    const r = await cli(expand, ['document:d1', 'view'], READER);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('document:d1#view (exclusion)');
    expect(r.out).toContain('document:d1#viewer = {group:eng#member}');
  });

  it('export then import round-trips through the text form; delete by filter', async () => {
    const file = join(dir, 'export.txt');
    const exp = await cli(tuples, ['export', '--out', file], READER);
    expect(exp.code).toBe(0);
    expect(exp.err).toContain('exported 4 tuples');
    const del = await cli(tuples, ['delete', 'document']);
    expect(del.code).toBe(0);
    expect(del.err).toContain('deleted 3');
    const dup = await cli(tuples, ['import', file]);
    expect(dup.code).toBe(5); // group:eng#member@user:bob still exists: CREATE semantics
    expect(dup.err).toContain('tuple_already_exists');
    await cli(tuples, ['delete', 'group']);
    const imp = await cli(tuples, ['import', file]);
    expect(imp.code).toBe(0);
    expect(imp.err).toContain('imported 4 tuples');
    const back = await cli(
      check,
      ['document:d1', 'view', 'user:bob', '--zookie', imp.out.trim()],
      READER,
    );
    expect(back.code).toBe(0);
  });

  it('delete with a limit refuses to delete part unless --allow-partial', async () => {
    const over = await cli(tuples, ['delete', 'document', '--limit', '1']);
    expect([over.code, over.err.includes('limit_exceeded')]).toEqual([8, true]);
    const partial = await cli(tuples, ['delete', 'document', '--limit', '1', '--allow-partial']);
    expect(partial.code).toBe(0);
    expect(partial.err).toContain('partial');
  });
});

describe('clove validate', () => {
  const scenarios = new URL('../scenarios/', import.meta.url);
  const files = readdirSync(scenarios)
    .filter((f) => f.endsWith('.yaml'))
    .slice(0, 3);

  it.each(files.map((f) => [f]))('the scenario %s passes', async (f) => {
    const io = capture();
    const code = await validate([join(scenarios.pathname, f)], io);
    expect(io.stdout).toContain(': ok (');
    expect(code).toBe(0);
  });

  it('a missing file exits 4', async () => {
    const io = capture();
    expect(await validate([join(dir, 'nope.yaml')], io)).toBe(4);
    expect(io.stderr).toContain('invalid_validation_file');
  });
});
