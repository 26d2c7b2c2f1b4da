import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { formatTuple, parseSubject, parseTuple, type Tuple } from '../../model/index.ts';
import { compileSchema } from '../../schema/index.ts';
import { closureByLevels } from '../../store/shared/closure.ts';
import { arrayReader } from '../../../test/lookup/support/array-reader.ts';
import type { ClosureQuery, SnapshotReader, TupleQuery } from '../../store/types.ts';
import { createEngine } from '../engine.ts';
import { ReadCache } from '../read-cache.ts';
import { withReadCache } from './cached-reads.ts';
import { lookupResources } from './lookup-resources.ts';

const NOW = 1_000_000;
const IDS = ['a', 'b', 'c', 'd', '*'];

/** A networked-looking reader over `tuples` (queryMany, queryClosure), counting its store calls. */
function storeReader(tuples: readonly Tuple[], now = NOW): SnapshotReader & { calls: number } {
  const match = arrayReader(tuples, now, 7).query;
  const reader = {
    revision: 7,
    now,
    calls: 0,
    query(q: TupleQuery) {
      reader.calls++;
      return match(q);
    },
    async queryMany(qs: readonly TupleQuery[]) {
      reader.calls++;
      return Promise.all(qs.map(match));
    },
    queryClosure(q: ClosureQuery) {
      reader.calls++;
      return closureByLevels(match, q);
    },
  };
  return reader;
}

const tupleArb: fc.Arbitrary<Tuple> = fc
  .record({
    resource: fc.record({ type: fc.constantFrom('group', 'doc'), id: fc.constantFrom(...IDS) }),
    relation: fc.constantFrom('member', 'viewer'),
    subject: fc.record({
      type: fc.constantFrom('user', 'group'),
      id: fc.constantFrom(...IDS),
      relation: fc.constantFrom('...', 'member'),
    }),
    expiresAt: fc.option(fc.constantFrom(NOW - 5, NOW + 5, NOW + 50), { nil: undefined }),
  })
  .map(({ expiresAt, ...rest }) => (expiresAt === undefined ? rest : { ...rest, expiresAt }));

const idsArb = fc.uniqueArray(fc.constantFrom(...IDS), { minLength: 0, maxLength: 4 });
const queryArb: fc.Arbitrary<TupleQuery> = fc
  .record(
    {
      resourceType: fc.constantFrom('group', 'doc'),
      resourceIds: idsArb,
      relation: fc.constantFrom('member', 'viewer'),
      subjectType: fc.constantFrom('user', 'group'),
      subjectIds: idsArb,
      subjectRelation: fc.constantFrom('...', 'member'),
    },
    { requiredKeys: ['resourceType'] },
  )
  .map((q) => q as TupleQuery);
const closureArb: fc.Arbitrary<ClosureQuery> = fc.record(
  {
    resourceType: fc.constant('group'),
    relation: fc.constant('member'),
    resourceIds: idsArb,
    subjectRelation: fc.constant('member'),
    direction: fc.constant('up' as const),
    upReads: fc.array(
      fc.record(
        {
          resourceType: fc.constantFrom('group', 'doc'),
          relation: fc.constantFrom('member', 'viewer'),
          subjectRelation: fc.constantFrom('...', 'member'),
        },
        { requiredKeys: ['resourceType', 'relation'] },
      ),
      { maxLength: 3 },
    ),
    startSubject: fc.record(
      { type: fc.constantFrom('user', 'group'), relation: fc.constantFrom('...', 'member') },
      { requiredKeys: ['type'] },
    ),
  },
  { requiredKeys: ['resourceType', 'relation', 'resourceIds', 'direction'] },
);
type Op =
  | { kind: 'query'; q: TupleQuery }
  | { kind: 'many'; qs: TupleQuery[] }
  | { kind: 'closure'; q: ClosureQuery };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  queryArb.map((q) => ({ kind: 'query' as const, q })),
  fc.array(queryArb, { minLength: 1, maxLength: 3 }).map((qs) => ({ kind: 'many' as const, qs })),
  closureArb.map((q) => ({ kind: 'closure' as const, q })),
);

const bag = (ts: readonly Tuple[]) => ts.map(formatTuple).sort();

/** What `op` answers on `r`, in a comparable form (closures: expanded ids as a set, tuples as a bag). */
async function answer(r: SnapshotReader, op: Op): Promise<unknown> {
  if (op.kind === 'query') return bag(await r.query(op.q));
  if (op.kind === 'many')
    return (await (r.queryMany as NonNullable<SnapshotReader['queryMany']>)(op.qs)).map(bag);
  const res = await (r.queryClosure as NonNullable<SnapshotReader['queryClosure']>)(op.q);
  return {
    expanded: [...res.expanded].sort(),
    tuples: bag(res.tuples),
    up: res.up?.map(bag),
    fromSubject: res.fromSubject,
  };
}

describe('withReadCache', () => {
  test.prop([
    fc.array(tupleArb, { maxLength: 40 }),
    fc.array(opArb, { minLength: 1, maxLength: 12 }),
  ])('answers every read as the store does, cold and from the cache', async (tuples, ops) => {
    const cache = new ReadCache(1 << 24);
    for (const now of [NOW, NOW, NOW + 10]) {
      const store = storeReader(tuples, now);
      const cached = withReadCache(store, cache, 's|7|');
      for (const op of ops) expect(await answer(cached, op)).toEqual(await answer(store, op));
    }
  });

  it('asks the store nothing for reads it has answered at this snapshot', async () => {
    const tuples: Tuple[] = [
      {
        resource: { type: 'group', id: 'a' },
        relation: 'member',
        subject: { type: 'user', id: 'u', relation: '...' },
      },
      {
        resource: { type: 'group', id: 'b' },
        relation: 'member',
        subject: { type: 'group', id: 'a', relation: 'member' },
      },
      {
        resource: { type: 'group', id: 'c' },
        relation: 'member',
        subject: { type: 'group', id: 'b', relation: 'member' },
      },
    ];
    const cache = new ReadCache(1 << 20);
    const up: ClosureQuery = {
      resourceType: 'group',
      relation: 'member',
      resourceIds: ['a'],
      subjectRelation: 'member',
      direction: 'up',
    };
    const byUser: TupleQuery = {
      resourceType: 'group',
      relation: 'member',
      subjectType: 'user',
      subjectIds: ['u'],
    };
    const first = storeReader(tuples);
    const r1 = withReadCache(first, cache, 's|7|');
    await r1.query(byUser);
    const closure = await (r1.queryClosure as NonNullable<SnapshotReader['queryClosure']>)(up);
    expect([...closure.expanded].sort()).toEqual(['a', 'b', 'c']);
    expect(first.calls).toBe(2);

    const second = storeReader(tuples);
    const r2 = withReadCache(second, cache, 's|7|');
    expect(bag(await r2.query(byUser))).toEqual(bag([tuples[0] as Tuple]));
    // Higher up, from ids the first closure expanded: rebuilt from their per-id answers.
    const again = await (r2.queryClosure as NonNullable<SnapshotReader['queryClosure']>)({
      ...up,
      resourceIds: ['b'],
    });
    expect(bag(again.tuples)).toEqual(bag([tuples[2] as Tuple]));
    // The same level reads as plain by-subject reads, in one queryMany.
    await (r2.queryMany as NonNullable<SnapshotReader['queryMany']>)([
      {
        resourceType: 'group',
        relation: 'member',
        subjectType: 'group',
        subjectIds: ['a', 'c'],
        subjectRelation: 'member',
      },
    ]);
    expect(second.calls).toBe(0);
    // Another snapshot (scope) shares nothing.
    const third = storeReader(tuples);
    await withReadCache(third, cache, 's|8|').query(byUser);
    expect(third.calls).toBe(1);
  });

  it('answers a closure with upReads from the cache for every id it reached, not only its start', async () => {
    const tuples = [
      'group:b#member@group:a#member',
      'group:c#member@group:b#member',
      'doc:d1#viewer@group:c#member',
      'doc:d2#viewer@group:a#member',
      'doc:d3#viewer@user:u',
    ].map(parseTuple);
    const q: ClosureQuery = {
      resourceType: 'group',
      relation: 'member',
      resourceIds: ['a'],
      subjectRelation: 'member',
      direction: 'up',
      upReads: [{ resourceType: 'doc', relation: 'viewer', subjectRelation: 'member' }],
    };
    const cache = new ReadCache(1 << 20);
    const closureOf = (r: SnapshotReader) =>
      (r.queryClosure as NonNullable<SnapshotReader['queryClosure']>)(q);
    const first = storeReader(tuples);
    const cold = await closureOf(withReadCache(first, cache, 's|7|'));
    const second = storeReader(tuples);
    const warm = await closureOf(withReadCache(second, cache, 's|7|'));
    expect(second.calls).toBe(0);
    expect(warm.up?.map(bag)).toEqual(cold.up?.map(bag));
    expect(bag(warm.up?.[0] ?? [])).toEqual([
      'doc:d1#viewer@group:c#member',
      'doc:d2#viewer@group:a#member',
    ]);
  });

  it('leaves in-process readers (no queryMany) and a missing cache alone', () => {
    const store = storeReader([]);
    expect(withReadCache(store, undefined, 's|7|')).toBe(store);
    const { queryMany: _, ...inProcess } = store;
    expect(withReadCache(inProcess, new ReadCache(1 << 20), 's|7|')).toBe(inProcess);
  });
});

describe('ReadCache', () => {
  const t = (expiresAt?: number): Tuple => ({
    resource: { type: 'doc', id: 'd' },
    relation: 'viewer',
    subject: { type: 'user', id: 'u', relation: '...' },
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  });

  it('serves an answer to readers whose clock lies in [read time, first expiry)', () => {
    const cache = new ReadCache(1 << 20);
    cache.set('k', [t(), t(NOW + 10)], NOW);
    expect(cache.get('k', NOW)).toHaveLength(2);
    expect(cache.get('k', NOW + 9)).toHaveLength(2);
    expect(cache.get('k', NOW + 10)).toBeUndefined();
    expect(cache.get('k', NOW - 1)).toBeUndefined();
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 2, entries: 1 });
  });

  it('keeps no answer whose tuples have already expired, and stays within its byte bound', () => {
    const cache = new ReadCache(4096);
    cache.set('gone', [t(NOW)], NOW);
    expect(cache.stats().entries).toBe(0);
    for (let i = 0; i < 100; i++) cache.set(`k${i}`, [t(), t()], NOW);
    const s = cache.stats();
    expect(s.bytes).toBeLessThanOrEqual(4096);
    expect(s.entries).toBeGreaterThan(0);
    expect(s.entries).toBeLessThan(100);
    expect(cache.get('k99', NOW)).toHaveLength(2);
  });
});

describe('the engine read cache', () => {
  it('comes with the cache, a quarter of its bytes unless set, and is absent with the cache off', () => {
    expect(createEngine({ cache: false }).reads).toBeUndefined();
    expect(createEngine({ cache: false }).stats().reads).toBeUndefined();
    const engine = createEngine({ cache: { maxBytes: 1 << 20 } });
    expect(engine.reads).toBeInstanceOf(ReadCache);
    expect(engine.stats().reads).toEqual({ hits: 0, misses: 0, entries: 0, bytes: 0 });
    expect(() => createEngine({ cache: { maxReadBytes: 0 } })).toThrow(/maxReadBytes/);
  });

  it('serves a repeated lookup on a networked reader without store reads, with the same answer', async () => {
    const schema = compileSchema(
      [
        'definition user {}',
        'definition group {',
        '  relation member: user | group#member',
        '}',
        'definition doc {',
        '  relation viewer: user | group#member',
        '  permission view = viewer',
        '}',
      ].join('\n'),
    );
    const tuples = [
      'group:a#member@user:u',
      'group:b#member@group:a#member',
      'doc:d1#viewer@group:b#member',
      'doc:d2#viewer@user:u',
      'doc:d3#viewer@user:v',
    ].map(parseTuple);
    const engine = createEngine();
    const req = { resourceType: 'doc', permission: 'view', subject: parseSubject('user:u') };
    const first = storeReader(tuples);
    const cold = await lookupResources(engine, { schema, reader: first }, req);
    const second = storeReader(tuples);
    const warm = await lookupResources(engine, { schema, reader: second }, req);
    expect(warm.results).toEqual(cold.results);
    expect(cold.results.map((r) => r.resourceId)).toEqual(['d1', 'd2']);
    expect(first.calls).toBeGreaterThan(0);
    expect(second.calls).toBe(0);
    expect(engine.stats().reads?.hits).toBeGreaterThan(0);
  });
});
