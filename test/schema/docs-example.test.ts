/**
 * schema/docs.zed models Google-Docs-like sharing as its comments say, checked on real SpiceDB
 * (the reference semantics): nested groups, access inherited down the folder tree, public links,
 * and `read = view - banned`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SpiceDBHarness, startSpiceDB } from '../support/spicedb.ts';

const SCHEMA = readFileSync(join(import.meta.dirname, '..', '..', 'schema', 'docs.zed'), 'utf8');

const TUPLES = `
group:eng#member@user:ann
group:all#member@group:eng#member
group:all#member@user:bob
folder:root#viewer@group:all#member
folder:root#editor@user:cat
folder:sub#parent@folder:root
document:d1#parent@folder:sub
document:d1#owner@user:dan
document:d1#banned@user:bob
document:pub#viewer@user:*
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

describe('schema/docs.zed', () => {
  it.each([
    ['document:d1', 'view', 'user:ann', 'allowed', 'nested group viewer of an ancestor folder'],
    ['document:d1', 'edit', 'user:ann', 'denied', 'viewers do not edit'],
    ['document:d1', 'edit', 'user:cat', 'allowed', 'editor of an ancestor folder'],
    ['document:d1', 'view', 'user:bob', 'allowed', 'bob views through group:all'],
    ['document:d1', 'read', 'user:bob', 'denied', 'but is banned from reading'],
    ['document:d1', 'read', 'user:ann', 'allowed', 'ann is not banned'],
    ['document:d1', 'share', 'user:dan', 'allowed', 'owners share'],
    ['document:d1', 'delete', 'user:dan', 'denied', 'delete also needs edit on the folder'],
    ['document:pub', 'read', 'user:zed', 'allowed', 'public documents'],
    ['document:d1', 'view', 'user:zed', 'denied', 'strangers see nothing'],
  ])('%s#%s@%s is %s (%s)', async (resource, permission, subject, expected) => {
    expect((await db.check(resource, permission, subject)).permissionship).toBe(expected);
  });
});
