import { describe, expect, it } from 'vitest';
import { parseTuple } from '../model/index.ts';
import { compileSchema } from '../schema/index.ts';
import { createMemoryStore } from '../store/index.ts';
import { diffSchemaUsages, formatUsages, previewSchemaChange } from './schema-safety.ts';

const base = `
use expiration
caveat cav(x int) { x == 1 }
definition user {}
definition group {
  relation member: user
}
definition document {
  relation viewer: user | user:* | group#member | user with cav | user with expiration
  relation owner: user
  permission view = viewer + owner
}`;

const V1 = compileSchema(base);
const without = (from: string, to: string) => compileSchema(base.replace(from, to));

describe('diffSchemaUsages', () => {
  it('finds nothing removed for the same schema or for a first schema', () => {
    expect(diffSchemaUsages(V1, V1)).toEqual([]);
    expect(diffSchemaUsages(undefined, V1)).toEqual([]);
  });

  it('reports a removed relation as a whole', () => {
    const next = without(
      '  relation owner: user\n  permission view = viewer + owner',
      '  permission view = viewer',
    );
    expect(diffSchemaUsages(V1, next)).toEqual([{ resourceType: 'document', relation: 'owner' }]);
  });

  it('reports removed wildcard, subject set, caveat and expiration shapes', () => {
    const next = without(
      'relation viewer: user | user:* | group#member | user with cav | user with expiration',
      'relation viewer: user',
    );
    const shapes = diffSchemaUsages(V1, next).map((u) => u.subject);
    expect(shapes).toEqual([
      { type: 'user', relation: '...', wildcard: true, caveat: null, expiration: false },
      { type: 'group', relation: 'member', wildcard: false, caveat: null, expiration: false },
      { type: 'user', relation: '...', wildcard: false, caveat: 'cav', expiration: false },
      { type: 'user', relation: '...', wildcard: false, caveat: null, expiration: true },
    ]);
  });

  it('reports every relation of a removed definition', () => {
    const next = compileSchema(`
use expiration
caveat cav(x int) { x == 1 }
definition user {}
definition document {
  relation viewer: user | user:* | user with cav | user with expiration
  relation owner: user
  permission view = viewer + owner
}`);
    const removed = diffSchemaUsages(V1, next);
    expect(removed).toContainEqual({ resourceType: 'group', relation: 'member' });
    expect(removed.some((u) => u.subject?.type === 'group')).toBe(true);
  });
});

describe('previewSchemaChange', () => {
  it('counts live tuples per removed usage, as writeSchema would refuse', async () => {
    const store = createMemoryStore();
    await store.writeSchema({ text: base, ir: V1 });
    await store.write(
      ['document:a#viewer@user:*', 'document:b#viewer@user:*', 'document:a#viewer@user:x[cav]'].map(
        (t) => ({ op: 'create' as const, tuple: parseTuple(t) }),
      ),
    );
    const next = without(
      'relation viewer: user | user:* | group#member | user with cav | user with expiration',
      'relation viewer: user | group#member',
    );
    const preview = await previewSchemaChange(store, next);
    expect(formatUsages(preview)).toEqual([
      'document#viewer@user:*: 2 tuple(s)',
      'document#viewer@user with cav: 1 tuple(s)',
    ]);
    await expect(store.writeSchema({ text: 'next', ir: next })).rejects.toMatchObject({
      code: 'schema_in_use',
      details: { usages: preview },
    });
  });
});
