/**
 * The ordered-read part of the TupleStore contract (`SnapshotReader.queryOrdered`), run on every
 * backend: the tuples `query` returns, above `afterResourceId`, in ascending resource id order, at
 * most `limit`, with the same MVCC visibility, expiration and fields as `query`.
 */
import { describe, expect, it } from 'vitest';
import { formatTuple, type Tuple } from '../../src/model/index.ts';
import type { OrderedPage, SnapshotReader, TupleQuery, TupleStore } from '../../src/store/index.ts';
import { create, del, type StoreFactory, storeRunner, t, touch } from './support.ts';

/** The reader's queryOrdered (every built-in store serves it). */
function ordered(reader: SnapshotReader): (q: TupleQuery, page: OrderedPage) => Promise<Tuple[]> {
  const fn = reader.queryOrdered;
  expect(fn, 'store serves queryOrdered').toBeTypeOf('function');
  return (fn as NonNullable<typeof fn>).bind(reader);
}

/** "id:tuple" lines, sorted within each id (order among tuples of one id is free). */
function lines(tuples: readonly Tuple[]): string[] {
  const ids = tuples.map((x) => x.resource.id);
  expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  return tuples.map(formatTuple).sort();
}

const VIEWERS_OF_ALICE: TupleQuery = {
  resourceType: 'document',
  relation: 'viewer',
  subjectType: 'user',
  subjectIds: ['alice'],
};

export function describeTupleOrdered(factory: StoreFactory): void {
  describe('ordered reads (queryOrdered)', () => {
    const withStore = storeRunner(factory);

    it(
      'returns matches above afterResourceId in resource id order, at most limit',
      withStore(async (s) => {
        const ids = ['d10', 'd2', 'a', 'B', 'd1', 'z', 'd3'];
        const r = await s.write([
          ...ids.map((id) => create(`document:${id}#viewer@user:alice`)),
          create('document:d4#viewer@user:bob'),
          create('document:d5#editor@user:alice'),
          create('folder:f1#viewer@user:alice'),
        ]);
        const read = ordered(s.snapshot(r));
        const all = await read(VIEWERS_OF_ALICE, { limit: 100 });
        // Bytewise order: uppercase before lowercase, "d10" before "d2".
        expect(all.map((x) => x.resource.id)).toEqual(['B', 'a', 'd1', 'd10', 'd2', 'd3', 'z']);
        const page = await read(VIEWERS_OF_ALICE, { afterResourceId: 'd1', limit: 3 });
        expect(page.map((x) => x.resource.id)).toEqual(['d10', 'd2', 'd3']);
        expect(await read(VIEWERS_OF_ALICE, { afterResourceId: 'z', limit: 3 })).toEqual([]);
        expect(await read(VIEWERS_OF_ALICE, { limit: 0 })).toEqual([]);
        expect(await read({ ...VIEWERS_OF_ALICE, subjectIds: [] }, { limit: 5 })).toEqual([]);
      }),
    );

    it(
      'pages through a many-subject answer with successive afterResourceId (the sorted full answer)',
      withStore(async (s) => {
        // Ten groups' members and a user, several tuples per document, a foreign subject relation.
        const ops = [];
        for (let d = 0; d < 60; d++) {
          const id = `doc${String(d * 7919).padStart(6, '0')}`;
          ops.push(create(`document:${id}#viewer@group:g${d % 10}#member`));
          if (d % 3 === 0) ops.push(create(`document:${id}#viewer@group:g${(d + 1) % 10}#member`));
          if (d % 4 === 0) ops.push(create(`document:${id}#viewer@group:g${d % 10}#owner`));
          if (d % 5 === 0) ops.push(create(`document:${id}#viewer@user:alice`));
        }
        const r = await s.write(ops);
        const reader = s.snapshot(r);
        const read = ordered(reader);
        const q: TupleQuery = {
          resourceType: 'document',
          relation: 'viewer',
          subjectType: 'group',
          subjectIds: ['g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7', 'g8', 'g9', 'g9', 'nope'],
          subjectRelation: 'member',
        };
        const full = await reader.query(q);
        const pageThrough = async (query: TupleQuery, limit: number) => {
          const out: Tuple[] = [];
          for (let after: string | undefined, guard = 0; guard < 100; guard++) {
            const page = await read(query, {
              ...(after !== undefined && { afterResourceId: after }),
              limit,
            });
            lines(page);
            out.push(...page);
            if (page.length < limit) break;
            after = page[page.length - 1]?.resource.id;
          }
          return out;
        };
        // Several tuples per id: a full page may cut inside its last id, and the next page starts
        // after that id, so pages cover every id once, in order.
        const ids = (await pageThrough(q, 7)).map((x) => x.resource.id);
        expect(ids.filter((id, i) => ids[i - 1] !== id)).toEqual(
          [...new Set(full.map((x) => x.resource.id))].sort(),
        );
        // One tuple per id (alice's direct grants):
        // the pages concatenate to exactly the sorted full answer.
        const single: TupleQuery = {
          resourceType: 'document',
          subjectType: 'user',
          subjectIds: ['alice'],
        };
        const singleFull = (await reader.query(single)).sort((a, b) =>
          a.resource.id < b.resource.id ? -1 : 1,
        );
        expect(singleFull.length).toBe(12);
        expect((await pageThrough(single, 5)).map(formatTuple)).toEqual(
          singleFull.map(formatTuple),
        );
        // Limit larger than the answer: the whole answer, sorted.
        expect(lines(await read(q, { limit: 1000 }))).toEqual(full.map(formatTuple).sort());
      }),
    );

    it(
      'MVCC: a tuple written at r is invisible at r-1, one deleted at r is invisible at r',
      withStore(async (s) => {
        const r1 = await s.write([
          create('document:a#viewer@user:alice'),
          create('document:b#viewer@user:alice'),
        ]);
        const r2 = await s.write([
          create('document:c#viewer@user:alice'),
          del('document:a#viewer@user:alice'),
        ]);
        const r3 = await s.write([touch('document:a#viewer@user:alice')]);
        const ids = async (r: number) =>
          (await ordered(s.snapshot(r))(VIEWERS_OF_ALICE, { limit: 10 })).map((x) => x.resource.id);
        expect(await ids(r1)).toEqual(['a', 'b']);
        expect(await ids(r2)).toEqual(['b', 'c']);
        expect(await ids(r3)).toEqual(['a', 'b', 'c']);
        // A limited page at r2 is not filled up by versions invisible there.
        expect(
          (await ordered(s.snapshot(r2))(VIEWERS_OF_ALICE, { limit: 1 })).map((x) => x.resource.id),
        ).toEqual(['b']);
      }),
    );

    it(
      'hides expired tuples (by the snapshot clock) and returns caveats and expirations intact',
      withStore(async (s) => {
        const now = Date.now();
        const soon = new Date(now + 60_000).toISOString();
        const r = await s.write([
          create(`document:a#viewer@user:alice[expiration:${soon}]`),
          create('document:b#viewer@user:alice[only_on_tuesday:{"day":"monday"}]'),
          create('document:c#viewer@user:alice'),
        ]);
        const early = await ordered(s.snapshot(r, { now }))(VIEWERS_OF_ALICE, { limit: 10 });
        expect(early.map(formatTuple)).toEqual([
          formatTuple(t(`document:a#viewer@user:alice[expiration:${soon}]`)),
          formatTuple(t('document:b#viewer@user:alice[only_on_tuesday:{"day":"monday"}]')),
          'document:c#viewer@user:alice',
        ]);
        expect(early[1]?.caveat).toEqual({ name: 'only_on_tuesday', context: { day: 'monday' } });
        const late = await ordered(s.snapshot(r, { now: now + 120_000 }))(VIEWERS_OF_ALICE, {
          limit: 1,
        });
        expect(late.map((x) => x.resource.id)).toEqual(['b']);
      }),
    );

    it(
      'honours every query field as query() does (resource ids, no relation, no subject ids)',
      withStore(async (s) => {
        const r = await s.write([
          create('document:a#viewer@user:alice'),
          create('document:a#editor@user:bob'),
          create('document:b#viewer@user:*'),
          create('document:c#viewer@group:g#member'),
          create('document:d#viewer@user:alice'),
          create('folder:f#viewer@user:alice'),
        ]);
        const reader = s.snapshot(r);
        const read = ordered(reader);
        const queries: TupleQuery[] = [
          { resourceType: 'document' },
          { resourceType: 'document', relation: 'viewer' },
          { resourceType: 'document', resourceIds: ['d', 'a', 'a', 'zz'] },
          { resourceType: 'document', resourceIds: ['a'], relation: 'editor' },
          { resourceType: 'document', subjectType: 'user', subjectIds: ['alice', '*'] },
          { resourceType: 'document', subjectType: 'group', subjectRelation: 'member' },
          { resourceType: 'document', subjectIds: ['alice'] },
          { resourceType: 'document', resourceIds: ['a', 'b', 'c'], subjectType: 'user' },
        ];
        for (const q of queries) {
          const want = (await reader.query(q)).map(formatTuple).sort();
          expect(lines(await read(q, { limit: 100 })), JSON.stringify(q)).toEqual(want);
          const after = (await read(q, { afterResourceId: 'a', limit: 100 })).map(formatTuple);
          expect(after.sort(), JSON.stringify(q)).toEqual(
            want.filter((x) => !x.startsWith('document:a#')),
          );
        }
      }),
    );

    it(
      'reads more subject ids than one statement binds (chunked on SQL) and still cuts at limit',
      withStore(async (s: TupleStore) => {
        const r = await s.write([
          create('document:c#viewer@user:u5999'),
          create('document:a#viewer@user:u0'),
          create('document:b#viewer@user:u3000'),
        ]);
        const subjectIds = Array.from({ length: 6000 }, (_, i) => `u${i}`);
        const q = { resourceType: 'document', relation: 'viewer', subjectType: 'user', subjectIds };
        const read = ordered(s.snapshot(r));
        expect((await read(q, { limit: 2 })).map((x) => x.resource.id)).toEqual(['a', 'b']);
        expect(
          (await read(q, { afterResourceId: 'a', limit: 5 })).map((x) => x.resource.id),
        ).toEqual(['b', 'c']);
      }),
    );
  });
}
