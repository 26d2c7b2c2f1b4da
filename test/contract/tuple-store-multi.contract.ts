/**
 * The multi-read part of the TupleStore contract: `queryMany` (SQL stores) answers `qs.map(query)`
 * and `queryClosure` (every built-in store) answers what the level-by-level reference does, with
 * the same MVCC visibility, expiration, caveats and hostile ids as `query`. Random data and queries
 * come from a seeded fast-check run over a small id space, so nesting, cycles and overlaps are
 * common.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTuple, type Tuple } from '../../src/model/index.ts';
import type {
  ClosureQuery,
  ClosureResult,
  SnapshotReader,
  TupleQuery,
  TupleStore,
} from '../../src/store/index.ts';
import { closureByLevels } from '../../src/store/shared/closure.ts';
import { create, del, type StoreFactory, storeRunner, t } from './support.ts';
import { describeClosureUpReads } from './tuple-store-up-reads.contract.ts';

// Stored ids: a few plain ones (so nesting chains and cycles are common) and one with every
// punctuation mark an id admits. Queries also ask for ids no tuple can have, which need quoting in
// an array literal or look like SQL (`NULL`, quotes, backslashes, commas, braces).
const STORED = ['a', 'b', 'c', 'd', 'x/y|z=1+2-3_4'] as const;
const IDS = [...STORED, 'NULL', 'x"y', 'p\\q', 'co,ma', '{br}'] as const;
const TYPES = ['group', 'folder'] as const;
const RELATIONS = ['member', 'parent'] as const;

/** A stored tuple's text: mostly a subject of the same kind (set or object), sometimes a user. */
const tupleText = fc
  .record({
    type: fc.constantFrom(...TYPES),
    id: fc.constantFrom(...STORED),
    relation: fc.constantFrom(...RELATIONS),
    subject: fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          type: fc.constantFrom(...TYPES),
          id: fc.constantFrom(...STORED),
          rel: fc.constantFrom('member', '...'),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          type: fc.constant('user'),
          id: fc.constantFrom('u1', 'u2', '*'),
          rel: fc.constant('...'),
        }),
      },
    ),
    caveated: fc.boolean(),
    expiring: fc.boolean(),
  })
  .map((r) => {
    const subject = `${r.subject.type}:${r.subject.id}${r.subject.rel === '...' ? '' : `#${r.subject.rel}`}`;
    return {
      text: `${r.type}:${r.id}#${r.relation}@${subject}`,
      caveated: r.caveated,
      expiring: r.expiring,
    };
  });

/** The stored data: three write rounds (creates, then deletes of some), so revisions differ. */
async function seed(s: TupleStore, seedValue: number, now: number): Promise<number[]> {
  const rows = fc.sample(
    fc.uniqueArray(tupleText, { minLength: 60, maxLength: 90, selector: (x) => x.text }),
    {
      seed: seedValue,
      numRuns: 1,
    },
  )[0] as { text: string; caveated: boolean; expiring: boolean }[];
  const valid = rows.flatMap((r) => {
    try {
      const base = t(r.text);
      const extra: string[] = [];
      if (r.caveated) extra.push('[some_caveat:{"k":1}]');
      if (r.expiring)
        extra.push(
          `[expiration:${new Date(now + (r.caveated ? -60_000 : 3_600_000)).toISOString()}]`,
        );
      return [t(formatTuple(base) + extra.join(''))];
    } catch {
      return [];
    }
  });
  // The data must be rich enough to mean something: most generated texts are valid tuples.
  expect(valid.length).toBeGreaterThanOrEqual(50);
  expect(valid.some((x) => x.caveat) && valid.some((x) => x.expiresAt)).toBe(true);
  const half = Math.floor(valid.length / 2);
  const r1 = await s.write(valid.slice(0, half).map((x) => ({ op: 'create', tuple: x })));
  const r2 = await s.write(valid.slice(half).map((x) => ({ op: 'create', tuple: x })));
  const r3 = await s.write(valid.filter((_, i) => i % 5 === 0).map((x) => del(formatTuple(x))));
  return [r1, r2, r3];
}

const sorted = (tuples: readonly Tuple[]): string[] => tuples.map(formatTuple).sort();

const query = fc.record(
  {
    resourceType: fc.constantFrom(...TYPES),
    relation: fc.constantFrom(...RELATIONS),
    resourceIds: fc.uniqueArray(fc.constantFrom(...IDS), { maxLength: 4 }),
    subjectType: fc.constantFrom('group', 'folder', 'user'),
    subjectIds: fc.uniqueArray(fc.constantFrom(...IDS, 'u1', 'u2', '*'), { maxLength: 3 }),
    subjectRelation: fc.constantFrom('member', '...'),
  },
  { requiredKeys: ['resourceType'] },
) as fc.Arbitrary<TupleQuery>;

function many(reader: SnapshotReader): (qs: readonly TupleQuery[]) => Promise<unknown[]> {
  const fn = reader.queryMany;
  expect(fn, 'SQL stores serve queryMany').toBeTypeOf('function');
  return (fn as NonNullable<typeof fn>).bind(reader);
}

function closure(reader: SnapshotReader): (q: ClosureQuery) => Promise<ClosureResult> {
  const fn = reader.queryClosure;
  expect(fn, 'every built-in store serves queryClosure').toBeTypeOf('function');
  return (fn as NonNullable<typeof fn>).bind(reader);
}

/** A closure result with order removed (expanded ids and tuples sorted). */
function normal(r: ClosureResult) {
  return {
    expanded: [...r.expanded].sort(),
    tuples: sorted(r.tuples),
    direct: r.direct ? sorted(r.direct) : undefined,
    also: r.also?.map(sorted),
    start: r.start?.map(sorted),
    up: r.up?.map(sorted),
    fromSubject: r.fromSubject,
  };
}

export function describeTupleMultiReads(factory: StoreFactory): void {
  describe('multi reads (queryMany, queryClosure)', () => {
    const withStore = storeRunner(factory);
    const NOW = Date.UTC(2030, 0, 1);

    it(
      'queryMany answers qs.map(query) at every revision (random data and queries, all shapes)',
      withStore(async (s) => {
        const revs = await seed(s, 7, NOW);
        let answered = 0;
        if (s.kind === 'memory') {
          // The memory store has no round trips to save; the engine never asks it for queryMany.
          expect(s.snapshot(revs[0] as number).queryMany).toBeUndefined();
          return;
        }
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(...revs),
            fc.array(query, { maxLength: 8 }),
            async (rev, qs) => {
              const reader = s.snapshot(rev, { now: NOW });
              const got = (await many(reader)(qs)) as Tuple[][];
              const want = await Promise.all(qs.map((q) => reader.query(q)));
              expect(got.map(sorted)).toEqual(want.map(sorted));
              answered += want.filter((w) => w.length > 0).length;
            },
          ),
          { seed: 20261124, numRuns: 60 },
        );
        expect(answered).toBeGreaterThanOrEqual(10);
      }),
    );

    it(
      'queryClosure answers what level-by-level reads do (typed, whole, direct, up, start type, extra, start and up reads; cycles end)',
      withStore(async (s) => {
        const revs = await seed(s, 11, NOW);
        let nested = 0;
        let upFound = 0;
        let fromSubject = 0;
        const arb = fc.record({
          rev: fc.constantFrom(...revs),
          resourceType: fc.constantFrom(...TYPES),
          relation: fc.constantFrom(...RELATIONS),
          resourceIds: fc.uniqueArray(fc.constantFrom(...IDS), { maxLength: 3 }),
          typed: fc.boolean(),
          up: fc.boolean(),
          startType: fc.option(fc.constantFrom(...TYPES), { nil: undefined }),
          also: fc.option(
            fc.array(
              fc.record(
                {
                  relation: fc.constantFrom(...RELATIONS),
                  subjectType: fc.constantFrom('user', 'group', 'folder'),
                  subjectIds: fc.uniqueArray(fc.constantFrom('u1', '*', 'a', 'b', 'NULL'), {
                    maxLength: 2,
                  }),
                  subjectRelation: fc.constantFrom('...', 'member'),
                },
                { requiredKeys: ['relation', 'subjectType', 'subjectRelation'] },
              ),
              { maxLength: 3 },
            ),
            { nil: undefined },
          ),
          startReads: fc.option(
            fc.array(
              fc.record(
                {
                  relation: fc.constantFrom(...RELATIONS),
                  subjectType: fc.constantFrom('user', 'group', 'folder'),
                  subjectIds: fc.uniqueArray(fc.constantFrom('u1', '*', 'a', 'NULL'), {
                    maxLength: 2,
                  }),
                  subjectRelation: fc.constantFrom('...', 'member'),
                },
                { requiredKeys: ['relation', 'subjectType', 'subjectRelation'] },
              ),
              { maxLength: 3 },
            ),
            { nil: undefined },
          ),
          direct: fc.option(
            fc.record({
              subjectType: fc.constantFrom('user', 'group'),
              subjectIds: fc.uniqueArray(fc.constantFrom('u1', 'u2', '*', 'a', 'NULL'), {
                maxLength: 2,
              }),
              subjectRelation: fc.constantFrom('...', 'member'),
            }),
            { nil: undefined },
          ),
          // Up closures' reads on the expanded ids: any subject relation when absent.
          upReads: fc.option(
            fc.array(
              fc.record(
                {
                  resourceType: fc.constantFrom(...TYPES),
                  relation: fc.constantFrom(...RELATIONS),
                  subjectRelation: fc.constantFrom('...', 'member'),
                },
                { requiredKeys: ['resourceType', 'relation'] },
              ),
              { maxLength: 3 },
            ),
            { nil: undefined },
          ),
          // Up closures from subjects of a type (the closure's own too) with a relation or any.
          startSubject: fc.option(
            fc.record(
              {
                type: fc.constantFrom('user', 'group', 'folder'),
                relation: fc.constantFrom('...', 'member'),
              },
              { requiredKeys: ['type'] },
            ),
            { nil: undefined },
          ),
        });
        await fc.assert(
          fc.asyncProperty(arb, async (a) => {
            const reader = s.snapshot(a.rev, { now: NOW });
            const q: ClosureQuery = {
              resourceType: a.resourceType,
              relation: a.relation,
              resourceIds: a.resourceIds,
              ...(a.typed ? { subjectRelation: 'member' } : {}),
              ...(a.up ? { direction: 'up' as const } : {}),
              ...(a.startType !== undefined &&
              a.startType !== a.resourceType &&
              !a.typed &&
              !a.up &&
              !a.direct
                ? { startType: a.startType }
                : {}),
              ...(a.also !== undefined && !a.typed && !a.up && !a.direct ? { also: a.also } : {}),
              ...(a.startReads !== undefined &&
              a.startType !== undefined &&
              a.startType !== a.resourceType &&
              !a.typed &&
              !a.up &&
              !a.direct
                ? { startReads: a.startReads }
                : {}),
              ...(a.direct ? { direct: a.direct } : {}),
              ...(a.upReads !== undefined && a.up ? { upReads: a.upReads } : {}),
              ...(a.startSubject !== undefined && a.up ? { startSubject: a.startSubject } : {}),
            };
            const got = await closure(reader)(q);
            const want = await closureByLevels((x) => reader.query(x), q);
            expect(normal(got)).toEqual(normal(want));
            if (got.tuples.length > 1 && got.expanded.length > q.resourceIds.length) nested++;
            if (got.up?.some((r) => r.length > 0) && got.expanded.length > q.resourceIds.length)
              upFound++;
            if (q.startSubject && got.expanded.length > 0) fromSubject++;
          }),
          { seed: 20261124, numRuns: 80 },
        );
        // Some cases really followed nesting (more ids expanded than given, several tuples), and
        // some up reads found tuples on a closure that reached beyond its start ids.
        expect(nested).toBeGreaterThanOrEqual(5);
        expect(upFound).toBeGreaterThanOrEqual(3);
        // And some closures from a start subject found resources to expand.
        expect(fromSubject).toBeGreaterThanOrEqual(3);
      }),
    );

    it(
      'queryClosure from a start type answers the reads of the start objects beside the chain',
      withStore(async (s) => {
        const r = await s.write([
          create('document:d1#parent@folder:f1'),
          create('document:d2#parent@folder:f2'),
          create('folder:f1#parent@folder:f2'),
          create('folder:f2#viewer@user:u1'),
          create('document:d1#viewer@user:u1'),
          create('document:d1#viewer@user:*'),
          create('document:d1#viewer@user:u2'),
          create('document:d2#owner@group:g#member'),
          create('document:d3#owner@group:h#member'),
        ]);
        const got = await closure(s.snapshot(r))({
          resourceType: 'folder',
          relation: 'parent',
          resourceIds: ['d1', 'd2'],
          startType: 'document',
          also: [
            { relation: 'viewer', subjectType: 'user', subjectIds: ['u1'], subjectRelation: '...' },
          ],
          startReads: [
            {
              relation: 'viewer',
              subjectType: 'user',
              subjectIds: ['u1', '*'],
              subjectRelation: '...',
            },
            { relation: 'owner', subjectType: 'group', subjectRelation: 'member' },
            { relation: 'viewer', subjectType: 'user', subjectIds: [], subjectRelation: '...' },
          ],
        });
        expect(normal(got)).toEqual({
          expanded: ['f1', 'f2'],
          tuples: [
            'document:d1#parent@folder:f1',
            'document:d2#parent@folder:f2',
            'folder:f1#parent@folder:f2',
          ],
          direct: undefined,
          also: [['folder:f2#viewer@user:u1']],
          start: [
            ['document:d1#viewer@user:*', 'document:d1#viewer@user:u1'],
            ['document:d2#owner@group:g#member'],
            [],
          ],
        });
      }),
    );

    it(
      'queryClosure follows a cycle once and stops at ids with nothing below',
      withStore(async (s) => {
        const r = await s.write([
          create('group:a#member@group:b#member'),
          create('group:b#member@group:c#member'),
          create('group:c#member@group:a#member'),
          create('group:c#member@user:u1'),
          create('group:b#member@folder:f#member'),
        ]);
        const got = await closure(s.snapshot(r))({
          resourceType: 'group',
          relation: 'member',
          resourceIds: ['a'],
          subjectRelation: 'member',
          direct: { subjectType: 'user', subjectIds: ['u1'], subjectRelation: '...' },
        });
        expect(normal(got)).toEqual({
          expanded: ['a', 'b', 'c'],
          tuples: [
            'group:a#member@group:b#member',
            'group:b#member@group:c#member',
            'group:c#member@group:a#member',
          ],
          direct: ['group:c#member@user:u1'],
        });
        // Upwards from c: the groups c is nested in, then theirs (a folder subject is not followed).
        const up = await closure(s.snapshot(r))({
          resourceType: 'group',
          relation: 'member',
          resourceIds: ['c'],
          subjectRelation: 'member',
          direction: 'up',
        });
        expect(normal(up)).toEqual({
          expanded: ['a', 'b', 'c'],
          tuples: [
            'group:a#member@group:b#member',
            'group:b#member@group:c#member',
            'group:c#member@group:a#member',
          ],
          direct: undefined,
        });
        const none = await closure(s.snapshot(r))({
          resourceType: 'group',
          relation: 'member',
          resourceIds: [],
        });
        expect(normal(none)).toEqual({ expanded: [], tuples: [], direct: undefined });
      }),
    );

    describeClosureUpReads(factory);
  });
}
