import { describe, expect, it } from 'vitest';
import { parseTuple } from '../../src/model/index.ts';
import { createMemoryStore } from '../../src/store/index.ts';

describe('memory store (smoke)', () => {
  it('serves point lookups at a snapshot and hides later writes', async () => {
    const store = createMemoryStore();
    const r1 = await store.write([
      { op: 'create', tuple: parseTuple('document:d1#viewer@user:alice') },
    ]);
    const r2 = await store.write([
      { op: 'touch', tuple: parseTuple('document:d1#viewer@user:bob') },
    ]);
    const q = { resourceType: 'document', resourceIds: ['d1'], relation: 'viewer' };
    expect((await store.snapshot(r1).query(q)).map((t) => t.subject.id)).toEqual(['alice']);
    expect((await store.snapshot(r2).query(q)).map((t) => t.subject.id).sort()).toEqual([
      'alice',
      'bob',
    ]);
    const rev = await store.snapshot(r2).query({
      resourceType: 'document',
      relation: 'viewer',
      subjectType: 'user',
      subjectIds: ['bob'],
    });
    expect(rev).toHaveLength(1);
  });
});
