/**
 * The headline example, schema/agents.zed, does what its comments claim. Checked on real SpiceDB
 * (the reference semantics), so the example stays a correct model whatever Clove's engine does;
 * the engine's own suites can reuse the same tuples and expectations.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SpiceDBHarness, startSpiceDB } from '../support/spicedb.ts';

const SCHEMA = readFileSync(join(import.meta.dirname, '..', '..', 'schema', 'agents.zed'), 'utf8');

// ann edits doc:plan (directly) and doc:notes (via folder:team); bob only views doc:plan.
// Sessions: s_ann (ann's, runs workflow:wf), s_bob (bob's, runs wf), s_old (ann's, expired),
// s_task (ann's, pinned to task "triage"), sub (a sub-agent of s_ann).
const TUPLES = `
document:plan#editor@user:ann
document:plan#viewer@user:bob
document:plan#workflow@workflow:wf
folder:team#editor@user:ann
document:notes#parent@folder:team
document:notes#workflow@workflow:wf
document:secret#editor@user:ann
workflow:wf#owner@user:ann
workflow:wf#session@agent_session:s_ann[expiration:2300-01-01T00:00:00Z]
workflow:wf#session@agent_session:s_bob[expiration:2300-01-01T00:00:00Z]
workflow:wf#session@agent_session:s_old[expiration:2300-01-01T00:00:00Z]
workflow:wf#session@agent_session:s_task[expiration:2300-01-01T00:00:00Z]
user:ann#delegate@agent_session:s_ann[expiration:2300-01-01T00:00:00Z]
user:bob#delegate@agent_session:s_bob[expiration:2300-01-01T00:00:00Z]
user:ann#delegate@agent_session:s_old[expiration:2020-01-01T00:00:00Z]
user:ann#delegate@agent_session:s_task[within_task:{"allowed_tasks":["triage"]}][expiration:2300-01-01T00:00:00Z]
agent_session:s_ann#sub_agent@agent_session:sub[expiration:2300-01-01T00:00:00Z]
`;

let db: SpiceDBHarness;
beforeAll(async () => {
  db = await startSpiceDB();
  await db.writeSchema(SCHEMA);
  await db.writeRelationships(TUPLES);
});
afterAll(async () => {
  await db?.close();
});

const check = async (
  resource: string,
  permission: string,
  subject: string,
  context?: Record<string, unknown>,
) => (await db.check(resource, permission, subject, context)).permissionship;

describe('schema/agents.zed', () => {
  it.each([
    ['document:plan', 'edit', 'user:ann', 'allowed', 'a user edits directly'],
    [
      'document:plan',
      'edit',
      'agent_session:s_ann',
      'allowed',
      "a session edits with its delegator's access through a linked workflow",
    ],
    ['document:notes', 'edit', 'agent_session:s_ann', 'allowed', 'also through folders'],
    [
      'document:secret',
      'edit',
      'agent_session:s_ann',
      'denied',
      'the document is not linked to the workflow',
    ],
    [
      'document:plan',
      'edit',
      'agent_session:s_bob',
      'denied',
      'never more than the delegating user (bob only views)',
    ],
    ['document:plan', 'view', 'agent_session:s_bob', 'allowed', 'but as much as bob has'],
    ['document:plan', 'edit', 'agent_session:s_old', 'denied', 'the delegation expired'],
    [
      'document:plan',
      'edit',
      'agent_session:s_task',
      'conditional',
      'a task-pinned delegation needs the task',
    ],
    [
      'document:plan',
      'view',
      'agent_session:sub',
      'allowed',
      'a sub-agent reads what its parent reads',
    ],
    ['document:plan', 'edit', 'agent_session:sub', 'denied', 'but never edits'],
  ])('%s#%s@%s is %s (%s)', async (resource, permission, subject, expected) => {
    expect(await check(resource, permission, subject)).toBe(expected);
  });

  it('a task-pinned session may act on its task only', async () => {
    expect(await check('document:plan', 'edit', 'agent_session:s_task', { task: 'triage' })).toBe(
      'allowed',
    );
    expect(await check('document:plan', 'edit', 'agent_session:s_task', { task: 'deploy' })).toBe(
      'denied',
    );
  });
});
