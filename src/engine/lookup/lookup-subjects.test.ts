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
