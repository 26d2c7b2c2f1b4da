/**
 * The service face of the lookups: a lookupSubjects list cut by `limit` says so (it used to be
 * dropped, so a caller could not tell a cut list from a whole one), and lookupResources pages
 * resume exactly through the service's revision-pinned cursors.
 */
import { describe, expect, it } from 'vitest';
import { parseTuple } from '../../src/model/index.ts';
import { createClove } from '../../src/service/clove.ts';
import { createMemoryStore } from '../../src/store/index.ts';

const SCHEMA = `definition user {}
definition document {
  relation viewer: user
  permission view = viewer
}
`;

async function setup() {
  const clove = createClove({ store: createMemoryStore(), quantumMs: 0 });
  await clove.writeSchema(SCHEMA);
  const texts = ['a', 'b', 'c'].flatMap((u) =>
    ['d1', 'd2', 'd3', 'd4'].map((d) => `document:${d}#viewer@user:${u}`),
  );
  await clove.writeTuples(texts.map((t) => ({ op: 'touch' as const, tuple: parseTuple(t) })));
  return clove;
}

const subjectsOf = {
  resource: { type: 'document', id: 'd1' },
  permission: 'view',
  subjectType: 'user',
};

describe('service lookups', () => {
  it('lookupSubjects reports truncated: limit when the limit cut the list, and only then', async () => {
    const clove = await setup();
    const cut = await clove.lookupSubjects({ ...subjectsOf, limit: 2 });
    expect(cut.subjects.map((s) => s.subjectId)).toEqual(['a', 'b']);
    expect(cut.truncated).toEqual({ reason: 'limit' });
    const whole = await clove.lookupSubjects({ ...subjectsOf, limit: 3 });
    expect(whole.subjects).toHaveLength(3);
    expect(whole.truncated).toBeUndefined();
    expect((await clove.lookupSubjects(subjectsOf)).truncated).toBeUndefined();
  });

  it('lookupResources pages concatenate to the full answer, even across a later write', async () => {
    const clove = await setup();
    const req = {
      resourceType: 'document',
      permission: 'view',
      subject: { type: 'user', id: 'a', relation: '...' },
    };
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 10; guard++) {
      const page = await clove.lookupResources({ ...req, limit: 3, ...(cursor ? { cursor } : {}) });
      cursor = undefined;
      for await (const r of page.results) {
        ids.push(r.resourceId);
        cursor = r.cursor;
      }
      // A write between pages must not show up: the cursor pins the first page's snapshot.
      await clove.writeTuples([{ op: 'touch', tuple: parseTuple('document:d35#viewer@user:a') }]);
      if (!cursor) break;
    }
    expect(ids).toEqual(['d1', 'd2', 'd3', 'd4']);
  });
});
