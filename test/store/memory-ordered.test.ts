/**
 * The memory store's `queryOrdered` against its own `query`: for random histories (creates, touches,
 * deletes, expirations, GC of old versions) and random queries at every revision, an ordered page
 * must be `query(q)` filtered by id > after, sorted by resource id, cut at `limit` (compared as the
 * set of tuples per resource id, since order within one id is free), and paging through with
 * successive `afterResourceId` must give the whole sorted answer.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { formatTuple, type Tuple } from '../../src/model/index.ts';
import {
  createMemoryStore,
  type OrderedPage,
  type SnapshotReader,
  type TupleQuery,
  type WriteOp,
} from '../../src/store/index.ts';

const NOW = Date.UTC(2030, 0, 1);
const rids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'A', 'a1'];
const sids = ['u1', 'u2', 'u3', 'u4', '*'];

const tupleArb: fc.Arbitrary<Tuple> = fc
  .record({
    rt: fc.constantFrom('doc', 'folder'),
    rid: fc.constantFrom(...rids),
    rel: fc.constantFrom('viewer', 'owner'),
    st: fc.constantFrom('user', 'group'),
    sid: fc.constantFrom(...sids),
    sr: fc.constantFrom('...', 'member'),
    exp: fc.option(fc.constantFrom(NOW - 1000, NOW + 1000), { nil: undefined }),
    caveat: fc.boolean(),
  })
  .map((r) => ({
    resource: { type: r.rt, id: r.rid },
    relation: r.rel,
    subject: { type: r.st, id: r.sid, relation: r.sid === '*' ? '...' : r.sr },
    ...(r.exp !== undefined && { expiresAt: r.exp }),
    ...(r.caveat && { caveat: { name: 'c', context: { x: 1 } } }),
  }));

const queryArb: fc.Arbitrary<TupleQuery> = fc
  .record(
    {
      resourceType: fc.constantFrom('doc', 'folder'),
      resourceIds: fc.array(fc.constantFrom(...rids), { maxLength: 12 }),
      relation: fc.constantFrom('viewer', 'owner'),
      subjectType: fc.constantFrom('user', 'group'),
      subjectIds: fc.array(fc.constantFrom(...sids), { maxLength: 12 }),
      subjectRelation: fc.constantFrom('...', 'member'),
    },
    { requiredKeys: ['resourceType'] },
  )
  .filter((q) => !(q.resourceIds?.length === 0 || q.subjectIds?.length === 0));

const opArb: fc.Arbitrary<WriteOp> = fc.record({
  op: fc.constantFrom('touch', 'touch', 'delete') as fc.Arbitrary<'touch' | 'delete'>,
  tuple: tupleArb,
});

/** The expected page: `query`, filtered by id > after, sorted, first `limit`. */
async function expected(reader: SnapshotReader, q: TupleQuery, page: OrderedPage) {
  const after = page.afterResourceId;
  return (await reader.query(q))
    .filter((t) => after === undefined || t.resource.id > after)
    .sort((x, y) => (x.resource.id < y.resource.id ? -1 : x.resource.id > y.resource.id ? 1 : 0))
    .slice(0, page.limit);
}

/** Resource ids in order, and the set of tuples per id (order within an id is free). */
function shape(tuples: readonly Tuple[]): { ids: string[]; byId: Record<string, string[]> } {
  const byId: Record<string, string[]> = {};
  for (const t of tuples) {
    const list = byId[t.resource.id] ?? [];
    list.push(formatTuple(t));
    byId[t.resource.id] = list;
  }
  for (const k of Object.keys(byId)) byId[k]?.sort();
  return { ids: tuples.map((t) => t.resource.id), byId };
}

/**
 * Pages may cut inside one resource id (limit reached mid-id): compare ids in order, and the full
 * per-id sets for every id but the last of a full page.
 */
function expectSamePage(got: readonly Tuple[], want: readonly Tuple[], limit: number): void {
  const g = shape(got);
  const w = shape(want);
  expect(g.ids).toEqual(w.ids);
  const last = want.length >= limit ? want[want.length - 1]?.resource.id : undefined;
  for (const id of Object.keys(w.byId)) if (id !== last) expect(g.byId[id]).toEqual(w.byId[id]);
}

describe('memory queryOrdered ≡ sorted, cut query', () => {
  test.prop(
    [
      fc.array(fc.array(opArb, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }),
      fc.array(
        fc.record({
          q: queryArb,
          after: fc.option(fc.constantFrom(...rids, '', 'b0', 'zz'), { nil: undefined }),
          limit: fc.integer({ min: 0, max: 12 }),
        }),
        { minLength: 1, maxLength: 8 },
      ),
      fc.boolean(),
    ],
    { numRuns: 150 },
  )('random histories and queries at every revision', async (batches, queries, runGc) => {
    let clock = NOW;
    const store = createMemoryStore({ clock: () => clock, gcWindowMs: 10 });
    const revs: number[] = [await store.headRevision()];
    for (const batch of batches) {
      // One op per tuple key per batch (the store refuses duplicates in a batch).
      const seen = new Set<string>();
      const ops = batch.filter((o) => {
        const k = formatTuple({ ...o.tuple, caveat: undefined, expiresAt: undefined });
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      revs.push(await store.write(ops));
      // Read-then-write: an ordered read between writes must see later pushes to its buckets.
      const reader = store.snapshot(revs[revs.length - 1] as number);
      const q = (queries[0] as { q: TupleQuery }).q;
      const page = { limit: 5 };
      expectSamePage(
        await (reader.queryOrdered as NonNullable<SnapshotReader['queryOrdered']>)(q, page),
        await expected(reader, q, page),
        5,
      );
    }
    if (runGc) {
      // GC compacts buckets (new arrays): cached sorted copies must not outlive them.
      clock += 1000;
      await store.gc();
      revs.splice(0, revs.length, await store.headRevision());
    }
    for (const rev of revs) {
      const reader = store.snapshot(rev, { now: NOW });
      const ordered = reader.queryOrdered as NonNullable<SnapshotReader['queryOrdered']>;
      for (const { q, after, limit } of queries) {
        const page = { ...(after !== undefined && { afterResourceId: after }), limit };
        expectSamePage(await ordered(q, page), await expected(reader, q, page), limit);
        // Paging through with a limit of 2 gives the whole sorted answer.
        const all: Tuple[] = [];
        for (let from: string | undefined, guard = 0; guard < 100; guard++) {
          const p = await ordered(q, {
            ...(from !== undefined && { afterResourceId: from }),
            limit: 2,
          });
          all.push(...p);
          if (p.length < 2) break;
          from = p[p.length - 1]?.resource.id;
        }
        const full = await expected(reader, q, { limit: Number.POSITIVE_INFINITY });
        // Paging by id skips the rest of an id cut by a page: compare the distinct ids only.
        expect([...new Set(all.map((t) => t.resource.id))]).toEqual([
          ...new Set(full.map((t) => t.resource.id)),
        ]);
      }
    }
  });
});
