/**
 * Proves the SpiceDB harness against real SpiceDB: schema acceptance and rejection, batched writes,
 * the three check answers (with missing caveat parameters), bulk checks, both lookups (wildcards with
 * exclusions), expand, expiration, reset, and error classification.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTuple, parseTuple } from '../../src/model/index.ts';
import { SpiceDBCallError, type SpiceDBHarness, startSpiceDB } from './spicedb.ts';

const SCHEMA = `use expiration

caveat only_level(level int) {
  level > 2
}

definition user {}

definition team {
  relation member: user | team#member
}

definition doc {
  relation viewer: user | user:* | team#member | user with only_level | user with expiration
  relation banned: user
  permission view = viewer - banned
}
`;

const TUPLES = `
// a comment line
doc:d1#viewer@user:ann
doc:d1#viewer@team:eng#member
team:eng#member@user:bob
doc:d2#viewer@user:*
doc:d2#banned@user:eve
doc:d3#viewer@user:cat[only_level]
doc:d4#viewer@user:dan[expiration:2020-01-01T00:00:00Z]
doc:d5#viewer@user:dan[expiration:2300-01-01T00:00:00Z]
`;

describe('SpiceDB harness', () => {
  let h: SpiceDBHarness;
  beforeAll(async () => {
    h = await startSpiceDB();
    await h.writeSchema(SCHEMA);
    await h.writeRelationships(TUPLES, { batchSize: 3 });
  });
  afterAll(() => h.close());

  it.each([
    ['doc:d1', 'view', 'user:ann', undefined, 'allowed'],
    ['doc:d1', 'view', 'user:bob', undefined, 'allowed'],
    ['doc:d1', 'view', 'user:zed', undefined, 'denied'],
    ['doc:d2', 'view', 'user:zed', undefined, 'allowed'],
    ['doc:d2', 'view', 'user:eve', undefined, 'denied'],
    ['doc:d3', 'view', 'user:cat', { level: 3 }, 'allowed'],
    ['doc:d3', 'view', 'user:cat', { level: 1 }, 'denied'],
    ['doc:d4', 'view', 'user:dan', undefined, 'denied'],
    ['doc:d5', 'view', 'user:dan', undefined, 'allowed'],
    ['doc:d1', 'viewer', 'team:eng#member', undefined, 'allowed'],
  ] as const)('check %s#%s@%s %j → %s', async (res, perm, sub, ctx, want) => {
    expect((await h.check(res, perm, sub, ctx)).permissionship).toBe(want);
  });

  it('reports the missing caveat parameters of a conditional answer', async () => {
    expect(await h.check('doc:d3', 'view', 'user:cat')).toEqual({
      permissionship: 'conditional',
      missingParams: ['level'],
    });
  });

  it('answers bulk checks in item order', async () => {
    const out = await h.checkBulk([
      { resource: 'doc:d1', permission: 'view', subject: 'user:ann' },
      { resource: 'doc:d2', permission: 'view', subject: 'user:eve' },
      { resource: 'doc:d3', permission: 'view', subject: 'user:cat' },
    ]);
    expect(out.map((o) => ('error' in o ? 'error' : o.permissionship))).toEqual([
      'allowed',
      'denied',
      'conditional',
    ]);
  });

  it('looks up resources, with conditional markers', async () => {
    expect(
      await h.lookupResources({ resourceType: 'doc', permission: 'view', subject: 'user:cat' }),
    ).toEqual([
      { resourceId: 'd2', permissionship: 'allowed' },
      { resourceId: 'd3', permissionship: 'conditional', missingParams: ['level'] },
    ]);
  });

  it('looks up subjects, wildcards carrying their exclusions', async () => {
    const subjects = await h.lookupSubjects({
      resource: 'doc:d2',
      permission: 'view',
      subjectType: 'user',
    });
    expect(subjects).toEqual([
      {
        subjectId: '*',
        permissionship: 'allowed',
        excludedSubjects: [{ subjectId: 'eve', permissionship: 'allowed' }],
      },
    ]);
    const sets = await h.lookupSubjects({
      resource: 'doc:d1',
      permission: 'view',
      subjectType: 'team',
      subjectRelation: 'member',
    });
    expect(sets.map((s) => s.subjectId)).toEqual(['eng']);
  });

  it('reads back tuples in the model types, expired ones hidden', async () => {
    const read = (await h.readRelationships('doc')).map(formatTuple).sort();
    expect(read).toContain('doc:d3#viewer@user:cat[only_level]');
    expect(read).toContain('doc:d5#viewer@user:dan[expiration:2300-01-01T00:00:00Z]');
    expect(read.some((t) => t.startsWith('doc:d4'))).toBe(false);
  });

  it('expands a permission into a tree', async () => {
    const tree = await h.expand('doc:d2', 'view');
    expect(tree.kind).toBe('exclusion');
  });

  it('rejects an invalid schema and an invalid tuple with SpiceDBCallError', async () => {
    await expect(h.writeSchema('definition broken {')).rejects.toBeInstanceOf(SpiceDBCallError);
    const err = await h.writeRelationships([parseTuple('doc:d9#banned@team:eng')]).catch((e) => e);
    expect(err).toBeInstanceOf(SpiceDBCallError);
    expect(err.grpcCode).toBe('InvalidArgument');
  });

  it('classifies max-depth errors from data cycles', async () => {
    const c = await startSpiceDB();
    try {
      await c.writeSchema(SCHEMA);
      await c.writeRelationships([
        'team:t1#member@team:t2#member',
        'team:t2#member@team:t1#member',
      ]);
      const err = await c.check('team:t1', 'member', 'user:x').catch((e) => e);
      expect(err).toBeInstanceOf(SpiceDBCallError);
      expect(err.isMaxDepth).toBe(true);
    } finally {
      c.close();
    }
  });

  it('resets to an empty datastore with another schema (caveats changed in place)', async () => {
    const c = await startSpiceDB();
    try {
      await c.writeSchema(SCHEMA);
      await c.writeRelationships(TUPLES);
      await c.reset(
        'caveat only_level(flag bool) {\n  flag\n}\n\ndefinition user {}\n\ndefinition doc {\n  relation viewer: user\n}\n',
      );
      expect(await c.readRelationships('doc')).toEqual([]);
      expect((await c.check('doc:d1', 'viewer', 'user:ann')).permissionship).toBe('denied');
    } finally {
      c.close();
    }
  });
});
