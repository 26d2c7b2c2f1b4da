/**
 * End to end: the decision log on stdout (`--decision-log stdout --decision-log-proofs off`), with
 * auth off (the caller is then `anonymous`). Lines are interleaved with nothing else on stdout: the
 * server's own log goes to stderr.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, obj, subject, updates } from '../../src/client/index.ts';
import { ROOT, type ServerProcess, startServerProcess } from './server-process.ts';

let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess([
    '--store',
    'memory',
    '--decision-log',
    'stdout',
    '--decision-log-proofs',
    'off',
  ]);
});

afterAll(async () => {
  if (server && server.child.exitCode === null) await server.stop();
});

describe('decision log on stdout', () => {
  it('writes one JSON line per check, without proofs when they are off', async () => {
    const client = createClient({ endpoint: server.url });
    await client.writeSchema(readFileSync(join(ROOT, 'schema/agents.zed'), 'utf8'));
    const { writtenAt } = await client.writeRelationships({
      updates: updates('OPERATION_TOUCH', 'document:d1#editor@user:alice'),
    });
    const r = await client.checkPermission({
      consistency: { atLeastAsFresh: writtenAt },
      resource: obj('document:d1'),
      permission: 'edit',
      subject: subject('user:alice'),
    });
    expect(r.permissionship).toBe('PERMISSIONSHIP_HAS_PERMISSION');
    expect(await server.stop()).toBe(0);
    const decisions = server
      .logs()
      .split('\n')
      .filter((l) => l.includes('"kind":"check"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(decisions).toEqual([
      expect.objectContaining({
        caller: 'anonymous',
        resource: 'document:d1',
        permission: 'edit',
        subject: 'user:alice',
        result: 'has_permission',
        zookie: r.checkedAt.token,
      }),
    ]);
    expect(decisions[0]).not.toHaveProperty('proof');
  });
});
