/**
 * End to end: the steps of docs/guides/agent-delegation.md against the real server (child process,
 * free loopback port, decision log enabled to a temp file), through the typed client. Every answer
 * of the guide is asserted, then the decision log written by the server is read back and checked
 * line by line (the server flushes it on graceful shutdown).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  atLeastAsFresh,
  createClient,
  type CloveClient,
  obj,
  type Relationship,
  relationship,
  subject,
  type WatchResponse,
} from '../../src/client/index.ts';
import { ROOT, type ServerProcess, startServerProcess } from './server-process.ts';

const KEYS = {
  admin: 'guide-admin-secret-0123456789',
  platform: 'guide-platform-secret-012345',
  gateway: 'guide-gateway-secret-01234567',
};

const dir = mkdtempSync(join(tmpdir(), 'clove-agents-e2e-'));
const DECISIONS = join(dir, 'decisions.jsonl');
const SCHEMA = readFileSync(join(ROOT, 'schema/agents.zed'), 'utf8');

let server: ServerProcess;
/** Writes the schema. */
let admin: CloveClient;
/** The agent platform: starts sessions, grants, revokes (writer role). */
let platform: CloveClient;
/** The tool gateway agents call through: only checks (reader role). */
let gateway: CloveClient;

/** The zookie of the newest write; every check asks to be at least as fresh as it. */
let latest = '';
/** The zookie before the first data write (watch replays from there). */
let beforeData = '';

beforeAll(async () => {
  server = await startServerProcess(['--store', 'memory', '--decision-log', DECISIONS], {
    CLOVE_KEYS: `admin:admin:${KEYS.admin},platform:writer:${KEYS.platform},gateway:reader:${KEYS.gateway}`,
    // A long quantum: only zookies give read-your-writes, so the test proves they are enough.
    CLOVE_QUANTUM_MS: '60000',
  });
  admin = createClient({ endpoint: server.url, key: KEYS.admin });
  platform = createClient({ endpoint: server.url, key: KEYS.platform });
  gateway = createClient({ endpoint: server.url, key: KEYS.gateway });
});

afterAll(async () => {
  if (server && server.child.exitCode === null) await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

/** A text-form relationship with an optional expiration and caveat. */
function rel(
  text: string,
  extra: { expiresAt?: string; caveat?: [string, Record<string, unknown>] } = {},
): Relationship {
  return {
    ...relationship(text),
    ...(extra.expiresAt ? { optionalExpiresAt: extra.expiresAt } : {}),
    ...(extra.caveat
      ? { optionalCaveat: { caveatName: extra.caveat[0], context: extra.caveat[1] } }
      : {}),
  };
}

/** TOUCHes the relationships with transaction metadata; remembers the zookie. */
async function write(metadata: Record<string, unknown>, ...rels: Relationship[]): Promise<string> {
  const r = await platform.writeRelationships({
    updates: rels.map((relationship) => ({ operation: 'OPERATION_TOUCH', relationship })),
    optionalTransactionMetadata: metadata,
  });
  latest = r.writtenAt.token;
  return latest;
}

/** `resource#permission@subject [with context]` through the gateway, at least as fresh as `latest`. */
async function check(q: string, context?: Record<string, unknown>) {
  const [res, sub] = q.split('@') as [string, string];
  const [resource, permission] = res.split('#') as [string, string];
  const r = await gateway.checkPermission({
    consistency: atLeastAsFresh(latest),
    resource: obj(resource),
    permission,
    subject: subject(sub),
    ...(context ? { context } : {}),
  });
  return r;
}
const answer = async (q: string, context?: Record<string, unknown>) =>
  (await check(q, context)).permissionship.replace('PERMISSIONSHIP_', '');

/** Every check the test makes, with the zookie it was answered at (compared with the log later). */
const checked: { q: string; token: string; answer: string }[] = [];
async function expectAnswer(q: string, expected: string, context?: Record<string, unknown>) {
  const r = await check(q, context);
  const got = r.permissionship.replace('PERMISSIONSHIP_', '');
  checked.push({ q, token: r.checkedAt.token, answer: got });
  expect(got, q).toBe(expected);
}

describe('agent delegation, end to end (docs/guides/agent-delegation.md)', () => {
  it('1. writes the agents schema', async () => {
    const r = await admin.writeSchema(SCHEMA);
    beforeData = r.writtenAt.token;
    latest = beforeData;
  });

  it('2. people, documents and workflows', async () => {
    await write(
      { actor: 'user:admin', reason: 'initial sharing' },
      rel('document:d1#editor@user:alice'),
      rel('document:d2#viewer@user:alice'),
      rel('document:d3#editor@user:bob'),
      rel('workflow:w1#owner@user:alice'),
      rel('workflow:w2#owner@user:bob'),
      rel('document:d1#workflow@workflow:w1'),
      rel('document:d2#workflow@workflow:w1'),
      rel('document:d3#workflow@workflow:w2'),
    );
    await expectAnswer('document:d1#edit@user:alice', 'HAS_PERMISSION');
    await expectAnswer('document:d2#edit@user:alice', 'NO_PERMISSION');
  });

  it('3. alice starts agent session s1 in workflow w1 (expires in an hour); bob starts s2 in w2', async () => {
    const hour = inSeconds(3600);
    await write(
      { actor: 'user:alice', agent: 'agent_session:s1', task: 'quarterly-report' },
      rel('user:alice#delegate@agent_session:s1', { expiresAt: hour }),
      rel('workflow:w1#session@agent_session:s1', { expiresAt: hour }),
      rel('agent_session:s1#workflow@workflow:w1'),
    );
    await write(
      { actor: 'user:bob', agent: 'agent_session:s2', task: 'triage' },
      rel('user:bob#delegate@agent_session:s2', { expiresAt: hour }),
      rel('workflow:w2#session@agent_session:s2', { expiresAt: hour }),
      rel('agent_session:s2#workflow@workflow:w2'),
    );
    await expectAnswer('document:d1#edit@agent_session:s1', 'HAS_PERMISSION');
    // Never beyond alice: she may only view d2, so her session may only view it too.
    await expectAnswer('document:d2#edit@agent_session:s1', 'NO_PERMISSION');
    await expectAnswer('document:d2#view@agent_session:s1', 'HAS_PERMISSION');
    // Not bob's document, not bob's workflow.
    await expectAnswer('document:d3#edit@agent_session:s1', 'NO_PERMISSION');
    await expectAnswer('document:d3#edit@agent_session:s2', 'HAS_PERMISSION');
  });

  it('4. explains why s1 may edit d1', async () => {
    const r = await check('document:d1#edit@agent_session:s1');
    const text = (r as { explanation?: { text: string } }).explanation?.text;
    expect(text).toBeUndefined(); // only with explain: true
    const explained = await gateway.checkPermission({
      consistency: atLeastAsFresh(latest),
      resource: obj('document:d1'),
      permission: 'edit',
      subject: subject('agent_session:s1'),
      explain: true,
    });
    expect(explained.explanation?.text).toBe(
      'document:d1#edit <- document:d1#editor <- user:alice#delegate <- agent_session:s1',
    );
    // The proof tree holds both sides of the intersection: the user side and the workflow side.
    const proof = JSON.stringify(explained.explanation?.proof);
    for (const part of ['"workflow"', '"w1"', '"session"', '"alice"', '"delegate"'])
      expect(proof).toContain(part);
  });

  it('5. a sub-agent gets read access only, pinned to its task', async () => {
    await write(
      { actor: 'agent_session:s1', agent: 'agent_session:sub1', task: 'summarize' },
      rel('agent_session:s1#sub_agent@agent_session:sub1', {
        expiresAt: inSeconds(3600),
        caveat: ['within_task', { allowed_tasks: ['summarize'] }],
      }),
    );
    await expectAnswer('document:d1#view@agent_session:sub1', 'HAS_PERMISSION', {
      task: 'summarize',
    });
    await expectAnswer('document:d1#view@agent_session:sub1', 'CONDITIONAL_PERMISSION');
    await expectAnswer('document:d1#view@agent_session:sub1', 'NO_PERMISSION', { task: 'delete' });
    await expectAnswer('document:d1#edit@agent_session:sub1', 'NO_PERMISSION', {
      task: 'summarize',
    });
    // What the sub-agent can do, in one bulk call (one decision-log line per item).
    const bulk = await gateway.checkBulkPermissions({
      consistency: atLeastAsFresh(latest),
      items: ['view', 'edit', 'read'].map((permission) => ({
        resource: obj('document:d1'),
        permission,
        subject: subject('agent_session:sub1'),
        context: { task: 'summarize' },
      })),
    });
    expect(bulk.pairs.map((p) => p.item?.permissionship)).toEqual([
      'PERMISSIONSHIP_HAS_PERMISSION',
      'PERMISSIONSHIP_NO_PERMISSION',
      'PERMISSIONSHIP_HAS_PERMISSION',
    ]);
  });

  it('6. task-scoped, time-bounded: s1 may read alice’s calendar for task t-42, for a few seconds', async () => {
    await write(
      { actor: 'user:alice', reason: 'calendar setup' },
      rel('calendar:alice#owner@user:alice'),
      rel('calendar_event:standup#calendar@calendar:alice'),
    );
    // The guide uses ten minutes; the test uses a few seconds and waits.
    const expiresAt = inSeconds(3);
    const granted = await write(
      { actor: 'user:alice', agent: 'agent_session:s1', task: 't-42' },
      rel('calendar:alice#task_reader@agent_session:s1', {
        expiresAt,
        caveat: ['within_task', { allowed_tasks: ['t-42'] }],
      }),
    );
    await expectAnswer('calendar_event:standup#read@agent_session:s1', 'HAS_PERMISSION', {
      task: 't-42',
    });
    await expectAnswer('calendar_event:standup#read@agent_session:s1', 'NO_PERMISSION', {
      task: 't-7',
    });
    // bob's session has no delegation from alice: a task grant alone is not enough.
    await expectAnswer('calendar_event:standup#read@agent_session:s2', 'NO_PERMISSION', {
      task: 't-42',
    });

    // Poll (bounded) until the grant has expired; nothing is written meanwhile.
    const deadline = Date.now() + 20_000;
    let last = 'HAS_PERMISSION';
    while (last !== 'NO_PERMISSION' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      last = await answer('calendar_event:standup#read@agent_session:s1', { task: 't-42' });
    }
    expect(last).toBe('NO_PERMISSION');
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiresAt));
    // No write was needed: the newest revision is still the grant's.
    const fresh = await gateway.checkPermission({
      consistency: { fullyConsistent: true },
      resource: obj('calendar_event:standup'),
      permission: 'read',
      subject: subject('agent_session:s1'),
      context: { task: 't-42' },
    });
    expect(fresh.permissionship).toBe('PERMISSIONSHIP_NO_PERMISSION');
    expect(fresh.checkedAt.token).toBe(granted);
  });

  it('7. lookups: which documents may s1 edit?', async () => {
    const ids: string[] = [];
    for await (const r of gateway.lookupResources({
      consistency: atLeastAsFresh(latest),
      resourceObjectType: 'document',
      permission: 'edit',
      subject: subject('agent_session:s1'),
    }))
      ids.push(r.resourceObjectId);
    expect(ids).toEqual(['d1']);
  });

  it('8. revoking s1 revokes it and its sub-agent at once; s2 is unaffected', async () => {
    const r = await platform.deleteRelationships({
      relationshipFilter: {
        resourceType: 'user',
        optionalRelation: 'delegate',
        optionalSubjectFilter: { subjectType: 'agent_session', optionalSubjectId: 's1' },
      },
      optionalTransactionMetadata: {
        actor: 'user:alice',
        agent: 'agent_session:s1',
        reason: 'revoke',
      },
    });
    expect(r.relationshipsDeletedCount).toBe('1');
    latest = r.deletedAt.token;
    await expectAnswer('document:d1#edit@agent_session:s1', 'NO_PERMISSION');
    await expectAnswer('document:d2#view@agent_session:s1', 'NO_PERMISSION');
    await expectAnswer('document:d1#view@agent_session:sub1', 'NO_PERMISSION', {
      task: 'summarize',
    });
    await expectAnswer('document:d3#edit@agent_session:s2', 'HAS_PERMISSION');
    await expectAnswer('document:d1#edit@user:alice', 'HAS_PERMISSION');
  });

  it('9. deleting workflow w2 revokes every session running it; bob keeps his own access', async () => {
    const r = await platform.deleteRelationships({
      relationshipFilter: { resourceType: 'workflow', optionalResourceId: 'w2' },
      optionalTransactionMetadata: { actor: 'user:bob', reason: 'workflow deleted' },
    });
    expect(r.relationshipsDeletedCount).toBe('2');
    latest = r.deletedAt.token;
    await expectAnswer('document:d3#edit@agent_session:s2', 'NO_PERMISSION');
    await expectAnswer('document:d3#edit@user:bob', 'HAS_PERMISSION');
  });

  it('10. attribution: read results carry the metadata of the write that created each relationship', async () => {
    const read = async (resourceType: string, optionalResourceId?: string) => {
      const out: Record<string, unknown> = {};
      for await (const r of gateway.readRelationships({
        consistency: atLeastAsFresh(latest),
        relationshipFilter: { resourceType, ...(optionalResourceId ? { optionalResourceId } : {}) },
      })) {
        const x = r.relationship;
        const key = `${x.resource.objectType}:${x.resource.objectId}#${x.relation}@${x.subject.object.objectType}:${x.subject.object.objectId}`;
        out[key] = r.optionalTransactionMetadata;
      }
      return out;
    };
    // Who linked the workflow to its owner, and which agent and task started the session in it.
    expect(await read('workflow', 'w1')).toEqual({
      'workflow:w1#owner@user:alice': { actor: 'user:admin', reason: 'initial sharing' },
      'workflow:w1#session@agent_session:s1': {
        actor: 'user:alice',
        agent: 'agent_session:s1',
        task: 'quarterly-report',
      },
    });
    // Sub-agent grants name the parent agent as the actor.
    expect(await read('agent_session', 's1')).toEqual({
      'agent_session:s1#sub_agent@agent_session:sub1': {
        actor: 'agent_session:s1',
        agent: 'agent_session:sub1',
        task: 'summarize',
      },
      'agent_session:s1#workflow@workflow:w1': {
        actor: 'user:alice',
        agent: 'agent_session:s1',
        task: 'quarterly-report',
      },
    });
  });

  it('11. attribution: watch replays every write with its transaction metadata', async () => {
    const ctrl = new AbortController();
    const seen: WatchResponse[] = [];
    for await (const m of gateway.watch(
      { optionalStartCursor: { token: beforeData } },
      { signal: ctrl.signal },
    )) {
      if (m.updates.length > 0) seen.push(m);
      if (m.changesThrough.token === latest) break;
    }
    ctrl.abort();
    const meta = seen.map((m) => m.optionalTransactionMetadata);
    expect(meta).toEqual([
      { actor: 'user:admin', reason: 'initial sharing' },
      { actor: 'user:alice', agent: 'agent_session:s1', task: 'quarterly-report' },
      { actor: 'user:bob', agent: 'agent_session:s2', task: 'triage' },
      { actor: 'agent_session:s1', agent: 'agent_session:sub1', task: 'summarize' },
      { actor: 'user:alice', reason: 'calendar setup' },
      { actor: 'user:alice', agent: 'agent_session:s1', task: 't-42' },
      { actor: 'user:alice', agent: 'agent_session:s1', reason: 'revoke' },
      { actor: 'user:bob', reason: 'workflow deleted' },
    ]);
    const revoke = seen[6];
    expect(revoke?.updates).toEqual([
      {
        operation: 'OPERATION_DELETE',
        relationship: expect.objectContaining({
          resource: { objectType: 'user', objectId: 'alice' },
          relation: 'delegate',
        }),
      },
    ]);
  });

  it('12. the decision log has one line per decision, with caller, zookie and proof paths', async () => {
    // Graceful shutdown flushes the log.
    expect(await server.stop()).toBe(0);
    const lines = readFileSync(DECISIONS, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const checks = lines.filter((l) => l.kind === 'check');
    // Every check the test made (and the polling ones) is logged, all by the gateway key.
    expect(checks.length).toBeGreaterThanOrEqual(checked.length + 3);
    expect(new Set(lines.map((l) => l.caller))).toEqual(new Set(['gateway']));
    for (const c of checked) {
      const [res, sub] = c.q.split('@') as [string, string];
      const [resource, permission] = res.split('#') as [string, string];
      const match = checks.find(
        (l) =>
          l.resource === resource &&
          l.permission === permission &&
          l.subject === sub &&
          l.zookie === c.token &&
          l.result === c.answer.toLowerCase(),
      );
      expect(match, `log line for ${c.q} → ${c.answer}`).toBeDefined();
    }
    for (const l of lines) expect(Number.isNaN(Date.parse(l.time as string))).toBe(false);

    const grant = checks.find(
      (l) =>
        l.resource === 'document:d1' &&
        l.permission === 'edit' &&
        l.subject === 'agent_session:s1' &&
        l.result === 'has_permission',
    );
    expect(grant).toMatchObject({
      proof: 'document:d1#edit <- document:d1#editor <- user:alice#delegate <- agent_session:s1',
    });
    expect(grant?.proofTuples).toEqual(
      expect.arrayContaining([
        'document:d1#editor@user:alice',
        // Tuples carry their caveat and expiration, as in the text form.
        expect.stringMatching(/^user:alice#delegate@agent_session:s1\[expiration:/),
        'document:d1#workflow@workflow:w1',
        expect.stringMatching(/^workflow:w1#session@agent_session:s1\[expiration:/),
      ]),
    );
    const task = checks.find(
      (l) => l.resource === 'calendar_event:standup' && l.result === 'has_permission',
    );
    expect(task).toMatchObject({ context: { task: 't-42' } });
    expect(task?.proofTuples).toEqual(
      expect.arrayContaining(['calendar_event:standup#calendar@calendar:alice']),
    );
    for (const l of checks.filter((l) => l.result !== 'has_permission'))
      expect(l).not.toHaveProperty('proof');
    const conditional = checks.find((l) => l.result === 'conditional_permission');
    expect(conditional).toMatchObject({ subject: 'agent_session:sub1', missingContext: ['task'] });

    const bulk = lines.filter((l) => l.kind === 'bulk_check');
    expect(bulk.map((l) => [l.index, l.permission, l.result])).toEqual(
      expect.arrayContaining([
        [0, 'view', 'has_permission'],
        [1, 'edit', 'no_permission'],
        [2, 'read', 'has_permission'],
      ]),
    );
    expect(bulk).toHaveLength(3);
    expect(lines.filter((l) => l.kind === 'lookup_resources')).toEqual([
      expect.objectContaining({
        resource: 'document',
        permission: 'edit',
        subject: 'agent_session:s1',
        found: 1,
      }),
    ]);
  });
});
