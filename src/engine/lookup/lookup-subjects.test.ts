import { describe, expect, it } from 'vitest';
import { arrayReader } from '../../../test/lookup/support/array-reader.ts';
import { isAppError } from '../../errors.ts';
import { parseTuple } from '../../model/index.ts';
import { compileSchema } from '../../schema/index.ts';
import { createEngine } from '../engine.ts';
import { lookupSubjects } from './lookup-subjects.ts';

const schema = compileSchema(`definition user {}
definition group {
  relation member: user | group#member
}
definition document {
  relation viewer: user | group#member | user:*
  relation editor: user
  relation banned: user | group#member
  permission view = viewer
  permission read = viewer - banned
  permission both = viewer & editor
}`);
const tuples = [
  'group:big#member@user:u1',
  'group:big#member@user:u2',
  'group:big#member@group:inner#member',
  'group:inner#member@user:u3',
  'document:d#viewer@group:big#member',
  'document:d#editor@user:u2',
  'document:d#banned@user:u1',
  'document:pub#viewer@user:*',
  'document:pub#banned@group:inner#member',
  'document:pub#editor@user:u9',
].map(parseTuple);
const ctx = { reader: arrayReader(tuples), schema };
const engine = createEngine();
const ids = (r: { subjects: { subjectId: string }[] }) => r.subjects.map((s) => s.subjectId);

describe('lookupSubjects', () => {
  it('lists nested group members in id order', async () => {
    const r = await lookupSubjects(engine, ctx, {
      resource: { type: 'document', id: 'd' },
      permission: 'view',
      subjectType: 'user',
    });
    expect(ids(r)).toEqual(['u1', 'u2', 'u3']);
    expect(r.truncated).toBeUndefined();
  });

  it('applies exclusions and intersections', async () => {
    const d = { type: 'document', id: 'd' };
    expect(
      ids(
        await lookupSubjects(engine, ctx, { resource: d, permission: 'read', subjectType: 'user' }),
      ),
    ).toEqual(['u2', 'u3']);
    expect(
      ids(
        await lookupSubjects(engine, ctx, { resource: d, permission: 'both', subjectType: 'user' }),
      ),
    ).toEqual(['u2']);
  });

  it('answers a wildcard minus the subjects a subtracted group excludes', async () => {
    const r = await lookupSubjects(engine, ctx, {
      resource: { type: 'document', id: 'pub' },
      permission: 'read',
      subjectType: 'user',
    });
    expect(r.subjects).toEqual([
      {
        subjectId: '*',
        permissionship: 'allowed',
        excludedSubjects: [{ subjectId: 'u3', permissionship: 'allowed' }],
      },
    ]);
  });

  it('intersects a wildcard with concrete subjects', async () => {
    const r = await lookupSubjects(engine, ctx, {
      resource: { type: 'document', id: 'pub' },
      permission: 'both',
      subjectType: 'user',
    });
    expect(ids(r)).toEqual(['u9']);
  });

  it('finds subject sets, the identity rule included', async () => {
    const r = await lookupSubjects(engine, ctx, {
      resource: { type: 'group', id: 'big' },
      permission: 'member',
      subjectType: 'group',
      subjectRelation: 'member',
    });
    expect(ids(r)).toEqual(['big', 'inner']);
  });

  it('cuts to the limit and says so', async () => {
    const r = await lookupSubjects(engine, ctx, {
      resource: { type: 'document', id: 'd' },
      permission: 'view',
      subjectType: 'user',
      limit: 2,
    });
    expect(ids(r)).toEqual(['u1', 'u2']);
    expect(r.truncated).toEqual({ reason: 'limit' });
  });

  it('reports a passed deadline instead of a partial answer', async () => {
    const r = await lookupSubjects(
      engine,
      { ...ctx, deadline: 0 },
      { resource: { type: 'document', id: 'd' }, permission: 'view', subjectType: 'user' },
    );
    expect(r).toEqual({ subjects: [], truncated: { reason: 'deadline' } });
  });

  it.each([
    [
      'unknown_definition',
      { resource: { type: 'nope', id: 'd' }, permission: 'view', subjectType: 'user' },
    ],
    [
      'unknown_relation',
      { resource: { type: 'document', id: 'd' }, permission: 'nope', subjectType: 'user' },
    ],
    [
      'unknown_definition',
      { resource: { type: 'document', id: 'd' }, permission: 'view', subjectType: 'robot' },
    ],
    [
      'unknown_relation',
      {
        resource: { type: 'document', id: 'd' },
        permission: 'view',
        subjectType: 'group',
        subjectRelation: 'nope',
      },
    ],
  ])('rejects a bad request with %s', async (code, req) => {
    const err = await lookupSubjects(engine, ctx, req).catch((e: unknown) => e);
    expect(isAppError(err, code as never)).toBe(true);
  });
});

describe('lookupSubjects over a union that reaches an intersection', () => {
  // The agents shape: `view = viewer + agent_view`, `agent_view = delegated & running`. Many
  // sessions are delegated, few run the workflow: intersecting the parts decides them all, where
  // one forward walk would send every delegated session to check.
  const agents = compileSchema(`definition user {
  relation delegate: session
  permission agent = delegate
}
definition session {}
definition workflow {
  relation session: session
}
definition document {
  relation viewer: user
  relation workflow: workflow
  permission delegated = viewer->agent
  permission agent_view = delegated & workflow->session
  permission view = viewer + agent_view
}`);
  const many = Array.from({ length: 40 }, (_, i) => `user:u${i % 4}#delegate@session:s${i}`);
  const actx = {
    reader: arrayReader(
      [
        ...many,
        ...['u0', 'u1', 'u2', 'u3'].map((u) => `document:d#viewer@user:${u}`),
        'document:d#workflow@workflow:w',
        'workflow:w#session@session:s7',
        'workflow:w#session@session:s12',
        'workflow:w#session@session:other',
      ].map(parseTuple),
    ),
    schema: agents,
  };

  it('lists only sessions in both parts, without a check', async () => {
    const inner = createEngine();
    let checks = 0;
    const counting = {
      check: (c: Parameters<typeof inner.check>[0], r: Parameters<typeof inner.check>[1]) => {
        checks++;
        return inner.check(c, r);
      },
    };
    const r = await lookupSubjects(counting, actx, {
      resource: { type: 'document', id: 'd' },
      permission: 'view',
      subjectType: 'session',
    });
    expect(ids(r)).toEqual(['s12', 's7']);
    expect(checks).toBe(0);
  });
});
