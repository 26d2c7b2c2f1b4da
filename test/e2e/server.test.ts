/**
 * End to end: the real server in a child process, driven through the typed client over loopback.
 * Covers schema write, relationship writes, checks with zookies (the new-enemy scenario), lookups,
 * watch, auth failures, malformed bodies and graceful shutdown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  atLeastAsFresh,
  CloveApiError,
  createClient,
  type CloveClient,
  obj,
  subject,
  updates,
} from '../../src/client/index.ts';
import { type ServerProcess, startServerProcess } from './server-process.ts';

const KEYS = {
  admin: 'e2e-admin-secret-0123456789',
  writer: 'e2e-writer-secret-012345678',
  reader: 'e2e-reader-secret-012345678',
};

const SCHEMA = `definition user {}

definition group {
  relation member: user | group#member
}

definition document {
  relation owner: user
  relation viewer: user | group#member
  permission edit = owner
  permission view = viewer + edit
}
`;

let server: ServerProcess;
let admin: CloveClient;
let writer: CloveClient;
let reader: CloveClient;

beforeAll(async () => {
  server = await startServerProcess(['--store', 'memory'], {
    CLOVE_KEYS: `a:admin:${KEYS.admin},w:writer:${KEYS.writer},r:reader:${KEYS.reader}`,
    // A long quantum makes minimize_latency visibly stale: only zookies give read-your-writes.
    CLOVE_QUANTUM_MS: '60000',
  });
  admin = createClient({ endpoint: server.url, key: KEYS.admin });
  writer = createClient({ endpoint: server.url, key: KEYS.writer });
  reader = createClient({ endpoint: server.url, key: KEYS.reader });
});

afterAll(async () => {
  const code = await server?.stop();
  expect(code).toBe(0);
});

const view = (doc: string, user: string, token: string) =>
  reader.checkPermission({
    consistency: atLeastAsFresh(token),
    resource: obj(doc),
    permission: 'view',
    subject: subject(user),
  });

describe('clove serve (child process)', () => {
  it('writes and reads the schema', async () => {
    const w = await admin.writeSchema(SCHEMA);
    expect(w.writtenAt.token).toMatch(/^[A-Za-z0-9_-]+$/);
    const r = await reader.readSchema();
    expect(r.schemaText).toBe(SCHEMA);
  });

  it('new enemy: after removing Bob and then writing, a check at the write’s zookie denies Bob', async () => {
    const granted = await writer.writeRelationships({
      updates: updates(
        'OPERATION_TOUCH',
        'document:plans#viewer@user:bob',
        'document:plans#owner@user:alice',
      ),
    });
    expect((await view('document:plans', 'user:bob', granted.writtenAt.token)).permissionship).toBe(
      'PERMISSIONSHIP_HAS_PERMISSION',
    );
    // Alice removes Bob, then adds new secret content (another write) to the document.
    const removed = await writer.writeRelationships({
      updates: updates('OPERATION_DELETE', 'document:plans#viewer@user:bob'),
    });
    const content = await writer.writeRelationships({
      updates: updates('OPERATION_TOUCH', 'document:plans#viewer@user:carol'),
    });
    expect(content.writtenAt.token).not.toBe(removed.writtenAt.token);
    const bob = await view('document:plans', 'user:bob', content.writtenAt.token);
    expect(bob.permissionship).toBe('PERMISSIONSHIP_NO_PERMISSION');
    const carol = await view('document:plans', 'user:carol', content.writtenAt.token);
    expect(carol.permissionship).toBe('PERMISSIONSHIP_HAS_PERMISSION');
    // The answer's zookie is at least as fresh as the one asked for.
    const exact = await reader.checkPermission({
      consistency: { atExactSnapshot: granted.writtenAt },
      resource: obj('document:plans'),
      permission: 'view',
      subject: subject('user:bob'),
    });
    expect(exact.permissionship).toBe('PERMISSIONSHIP_HAS_PERMISSION');
  });

  it('explains a check', async () => {
    const w = await writer.writeRelationships({
      updates: updates(
        'OPERATION_TOUCH',
        'group:eng#member@user:dana',
        'document:spec#viewer@group:eng#member',
      ),
    });
    const r = await reader.checkPermission({
      consistency: atLeastAsFresh(w.writtenAt.token),
      resource: obj('document:spec'),
      permission: 'view',
      subject: subject('user:dana'),
      explain: true,
    });
    expect(r.permissionship).toBe('PERMISSIONSHIP_HAS_PERMISSION');
    expect(r.explanation?.text).toContain('group:eng');
  });

  it('looks up resources and subjects', async () => {
    const w = await writer.writeRelationships({
      updates: updates(
        'OPERATION_TOUCH',
        'document:a1#viewer@user:erin',
        'document:a2#owner@user:erin',
      ),
    });
    const consistency = atLeastAsFresh(w.writtenAt.token);
    const docs: string[] = [];
    for await (const r of reader.lookupResources({
      consistency,
      resourceObjectType: 'document',
      permission: 'view',
      subject: subject('user:erin'),
    }))
      docs.push(r.resourceObjectId);
    expect(docs.sort()).toEqual(['a1', 'a2']);
    const users: string[] = [];
    for await (const s of reader.lookupSubjects({
      consistency,
      resource: obj('document:plans'),
      permission: 'view',
      subjectObjectType: 'user',
    }))
      users.push(s.subject.subjectObjectId);
    expect(users.sort()).toEqual(['alice', 'carol']);
    const perms = await reader.permissionsOf({
      consistency,
      resource: obj('document:a2'),
      subject: subject('user:erin'),
    });
    expect(perms.permissions.map((p) => p.name)).toEqual(['edit', 'owner', 'view']);
  });

  it('watch streams a write made after it started', async () => {
    const start = await reader.readSchema();
    const ctrl = new AbortController();
    const got = (async () => {
      for await (const m of reader.watch(
        { optionalStartCursor: start.readAt },
        { signal: ctrl.signal },
      ))
        if (m.updates.length > 0) return m;
      return undefined;
    })();
    const w = await writer.writeRelationships({
      updates: updates('OPERATION_TOUCH', 'document:watched#viewer@user:fay'),
      optionalTransactionMetadata: { actor: 'e2e' },
    });
    const m = await got;
    ctrl.abort();
    expect(m?.updates[0]?.relationship.resource.objectId).toBe('watched');
    expect(m?.changesThrough.token).toBe(w.writtenAt.token);
    expect(m?.optionalTransactionMetadata).toEqual({ actor: 'e2e' });
  });

  it('reads relationships back', async () => {
    const rows = [];
    for await (const r of reader.readRelationships({
      consistency: { fullyConsistent: true },
      relationshipFilter: { resourceType: 'document', optionalResourceId: 'plans' },
    }))
      rows.push(r.relationship);
    expect(rows.map((r) => `${r.relation}@${r.subject.object.objectId}`).sort()).toEqual([
      'owner@alice',
      'viewer@carol',
    ]);
  });

  it('refuses missing or wrong keys (401) and too-low roles (403)', async () => {
    const anon = createClient({ endpoint: server.url });
    await expect(anon.readSchema()).rejects.toMatchObject({ code: 'unauthenticated', status: 401 });
    const wrong = createClient({ endpoint: server.url, key: 'wrong-key-0000000000000' });
    await expect(wrong.readSchema()).rejects.toMatchObject({
      code: 'unauthenticated',
      status: 401,
    });
    await expect(
      reader.writeRelationships({
        updates: updates('OPERATION_TOUCH', 'document:x#viewer@user:y'),
      }),
    ).rejects.toMatchObject({ code: 'permission_denied', status: 403 });
    await expect(writer.writeSchema(SCHEMA)).rejects.toBeInstanceOf(CloveApiError);
  });

  it('answers malformed bodies with 400 invalid_request', async () => {
    for (const body of ['{"resource":', '{"resource": {"objectType": 1}}', 'null']) {
      const res = await fetch(`${server.url}/v1/permissions/check`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEYS.reader}`, 'content-type': 'application/json' },
        body,
      });
      expect(res.status).toBe(400);
      const json = (await res.json()) as { error: { code: string } };
      expect(json.error.code).toBe('invalid_request');
    }
  });

  it('serves metrics and the OpenAPI document', async () => {
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('clove_check_outcomes_total{outcome="has_permission"}');
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { openapi: string };
    expect(doc.openapi).toBe('3.1.0');
  });

  it('logs JSON lines with request ids and never the keys', () => {
    const logs = server.logs();
    for (const key of Object.values(KEYS)) expect(logs).not.toContain(key);
  });
});
