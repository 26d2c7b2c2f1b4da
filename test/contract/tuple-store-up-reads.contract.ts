/**
 * Fixed cases of `ClosureQuery.upReads` (the generated ones are in tuple-store-multi.contract.ts):
 * the reads an upward closure answers on every id it reached, each id's reads once however many
 * chains reach it, through cycles, on no start ids, and with expired and deleted tuples hidden as
 * `query` hides them.
 */
import { describe, expect, it } from 'vitest';
import type { ClosureQuery, ClosureResult, SnapshotReader } from '../../src/store/index.ts';
import { closureByLevels } from '../../src/store/shared/closure.ts';
import { create, del, type StoreFactory, storeRunner, t, texts } from './support.ts';

const NOW = Date.UTC(2030, 0, 1);
/** A grant expiring a minute before the reader's clock: written live, read as expired. */
const F3 = `folder:f3#viewer@group:c#member[expiration:${new Date(NOW - 60_000).toISOString()}]`;

async function closure(reader: SnapshotReader, q: ClosureQuery): Promise<ClosureResult> {
  const fn = reader.queryClosure;
  expect(fn, 'every built-in store serves queryClosure').toBeTypeOf('function');
  return (fn as NonNullable<typeof fn>).call(reader, q);
}

/** Expanded ids, tuples and up reads with order removed. */
function normal(r: ClosureResult) {
  return { expanded: [...r.expanded].sort(), tuples: texts(r.tuples), up: r.up?.map(texts) };
}

export function describeClosureUpReads(factory: StoreFactory): void {
  describe('queryClosure up reads (upReads)', () => {
    const withStore = storeRunner(factory);

    it(
      'answers each read once per expanded id, through two chains and a cycle, hiding expired and deleted tuples',
      withStore(async (s) => {
        await s.write([
          // c is nested in a and b, both nested in d (two chains reach d), and d in c (a cycle).
          create('group:a#member@group:c#member'),
          create('group:b#member@group:c#member'),
          create('group:d#member@group:a#member'),
          create('group:d#member@group:b#member'),
          create('group:c#member@group:d#member'),
          create('group:z#member@group:y#member'),
          create('folder:f1#viewer@group:d#member'),
          create('folder:f2#viewer@group:a#member'),
          create(F3),
          create('folder:f4#viewer@group:b#member'),
          create('folder:f5#viewer@group:z#member'),
          create('folder:f6#viewer@user:u1'),
          create('document:x#owner@group:a'),
          create('document:x#owner@group:d#member'),
          create('document:y#viewer@group:d#member'),
        ]);
        const r = await s.write([del('folder:f4#viewer@group:b#member')]);
        const reader = s.snapshot(r, { now: NOW });
        const q: ClosureQuery = {
          resourceType: 'group',
          relation: 'member',
          resourceIds: ['c'],
          subjectRelation: 'member',
          direction: 'up',
          upReads: [
            { resourceType: 'folder', relation: 'viewer', subjectRelation: 'member' },
            { resourceType: 'document', relation: 'owner' },
            { resourceType: 'document', relation: 'viewer', subjectRelation: '...' },
            { resourceType: 'folder', relation: 'viewer', subjectRelation: 'member' },
          ],
        };
        const got = await closure(reader, q);
        const grants = ['folder:f1#viewer@group:d#member', 'folder:f2#viewer@group:a#member'];
        expect(normal(got)).toEqual({
          expanded: ['a', 'b', 'c', 'd'],
          tuples: [
            'group:a#member@group:c#member',
            'group:b#member@group:c#member',
            'group:c#member@group:d#member',
            'group:d#member@group:a#member',
            'group:d#member@group:b#member',
          ],
          up: [grants, ['document:x#owner@group:a', 'document:x#owner@group:d#member'], [], grants],
        });
        expect(normal(got)).toEqual(normal(await closureByLevels((x) => reader.query(x), q)));
        // Before the delete, f4's grant to b was visible (and is found once as well).
        expect(texts((await closure(s.snapshot(r - 1, { now: NOW }), q)).up?.[0] ?? [])).toEqual([
          ...grants,
          'folder:f4#viewer@group:b#member',
        ]);
        // An hour earlier, f3's grant to c had not expired yet.
        const earlier = await closure(s.snapshot(r, { now: NOW - 3_600_000 }), q);
        expect(texts(earlier.up?.[0] ?? [])).toEqual(texts([...grants, F3].map(t)));
      }),
    );

    it(
      'answers the documents of a whole folder subtree, a folder two parents reach giving them once',
      withStore(async (s) => {
        const r = await s.write([
          create('folder:f2#parent@folder:f1'),
          create('folder:f3#parent@folder:f2'),
          create('folder:f3#parent@folder:f1'),
          create('folder:f1#parent@folder:f3'),
          create('folder:g#parent@folder:h'),
          create('document:x#parent@folder:f3'),
          create('document:y#parent@folder:f1'),
          create('document:z#parent@folder:h'),
        ]);
        const reader = s.snapshot(r, { now: NOW });
        const q: ClosureQuery = {
          resourceType: 'folder',
          relation: 'parent',
          resourceIds: ['f1'],
          direction: 'up',
          upReads: [{ resourceType: 'document', relation: 'parent' }],
        };
        const got = await closure(reader, q);
        expect(normal(got)).toEqual({
          expanded: ['f1', 'f2', 'f3'],
          tuples: [
            'folder:f1#parent@folder:f3',
            'folder:f2#parent@folder:f1',
            'folder:f3#parent@folder:f1',
            'folder:f3#parent@folder:f2',
          ],
          up: [['document:x#parent@folder:f3', 'document:y#parent@folder:f1']],
        });
        expect(normal(got)).toEqual(normal(await closureByLevels((x) => reader.query(x), q)));
        // A start id with nothing above it still has its own reads answered.
        const leaf = await closure(reader, { ...q, resourceIds: ['h', 'h', 'nowhere'] });
        expect(normal(leaf)).toEqual({
          expanded: ['g', 'h', 'nowhere'],
          tuples: ['folder:g#parent@folder:h'],
          up: [['document:z#parent@folder:h']],
        });
      }),
    );

    it(
      'answers an empty read per read on no start ids, and no reads when none are asked',
      withStore(async (s) => {
        const r = await s.write([
          create('folder:f2#parent@folder:f1'),
          create('document:x#parent@folder:f2'),
        ]);
        const reader = s.snapshot(r, { now: NOW });
        const reads = [
          { resourceType: 'document', relation: 'parent' },
          { resourceType: 'folder', relation: 'viewer', subjectRelation: 'member' },
        ];
        for (const subjectRelation of [undefined, 'member']) {
          const base: ClosureQuery = {
            resourceType: 'folder',
            relation: 'parent',
            resourceIds: [],
            direction: 'up',
            ...(subjectRelation !== undefined ? { subjectRelation } : {}),
          };
          expect(await closure(reader, { ...base, upReads: reads })).toEqual({
            expanded: [],
            tuples: [],
            up: [[], []],
          });
          const none = await closure(reader, { ...base, resourceIds: ['f1'], upReads: [] });
          expect(none.up).toEqual([]);
        }
      }),
    );
  });
}
