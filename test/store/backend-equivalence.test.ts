/**
 * memory ≡ SQL: one generated history (fixed seed) written to the memory store and to PGlite, then
 * many generated queries at every revision, and paginated reads, must agree exactly.
 */
import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTuple, type Tuple, tupleKey } from '../../src/model/index.ts';
import {
  createMemoryStore,
  createSqlStore,
  openPgliteDriver,
  type TupleQuery,
  type TupleStore,
  type WriteOp,
} from '../../src/store/index.ts';

const NOW = Date.UTC(2030, 0, 1);
const SEED = 20261123;
const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
const tupleArb: fc.Arbitrary<Tuple> = fc
  .record({
    rt: fc.constantFrom('doc', 'folder'),
    rid: fc.constantFrom(...ids),
    rel: fc.constantFrom('viewer', 'owner'),
    st: fc.constantFrom('user', 'group'),
    sid: fc.constantFrom('u1', 'u2', 'u3', '*'),
    sr: fc.constantFrom('...', 'member'),
    exp: fc.option(fc.constantFrom(NOW - 1000, NOW + 1000), { nil: undefined }),
  })
  .map((r) => ({
    resource: { type: r.rt, id: r.rid },
    relation: r.rel,
    subject: { type: r.st, id: r.sid, relation: r.sid === '*' ? '...' : r.sr },
    ...(r.exp !== undefined && { expiresAt: r.exp }),
  }));
const queryArb: fc.Arbitrary<TupleQuery> = fc
  .record(
    {
      resourceType: fc.constantFrom('doc', 'folder'),
      resourceIds: fc.subarray(ids),
      relation: fc.constantFrom('viewer', 'owner'),
      subjectType: fc.constantFrom('user', 'group'),
      subjectIds: fc.subarray(['u1', 'u2', 'u3', '*']),
      subjectRelation: fc.constantFrom('...', 'member'),
    },
    { requiredKeys: ['resourceType'] },
  )
  .filter((q) => !(q.subjectIds !== undefined && q.subjectType === undefined));

let memory: TupleStore;
let sql: TupleStore;
let revisions: number[] = [];

beforeAll(async () => {
  memory = createMemoryStore({ clock: () => NOW });
  const driver = await openPgliteDriver(await PGlite.create());
  await driver.migrate();
  sql = await createSqlStore(driver, { clock: () => NOW });
  const batches = fc.sample(
    fc.array(fc.record({ op: fc.constantFrom('touch', 'touch', 'delete'), tuple: tupleArb }), {
      minLength: 1,
      maxLength: 12,
    }),
    { numRuns: 25, seed: SEED },
  );
  for (const raw of batches) {
    const seen = new Set<string>();
    const ops = raw.filter(
      (o) => !seen.has(tupleKey(o.tuple)) && seen.add(tupleKey(o.tuple)),
    ) as WriteOp[];
    const [a, b] = [await memory.write(ops), await sql.write(ops)];
    expect(a).toBe(b);
    revisions.push(a);
  }
  revisions = [0, ...revisions];
});

afterAll(async () => {
  await memory?.close();
  await sql?.close();
});

describe('memory and PGlite agree', () => {
  it('on every generated query at every revision', async () => {
    const queries = fc.sample(queryArb, { numRuns: 40, seed: SEED });
    for (const rev of revisions)
      for (const q of queries) {
        const [m, s] = await Promise.all([
          memory.snapshot(rev).query(q),
          sql.snapshot(rev).query(q),
        ]);
        expect(s.map(formatTuple).sort(), `${JSON.stringify(q)} @${rev}`).toEqual(
          m.map(formatTuple).sort(),
        );
      }
  });

  it('on ordered reads (queryOrdered): same resource ids in order, same tuples per id', async () => {
    const queries = fc.sample(queryArb, { numRuns: 40, seed: SEED });
    const pages = fc.sample(
      fc.record({
        after: fc.option(fc.constantFrom('', ...ids), { nil: undefined }),
        limit: fc.integer({ min: 1, max: 8 }),
      }),
      { numRuns: 40, seed: SEED + 1 },
    );
    // Order within one id is free, and a full page may cut inside its last id: compare the ids in
    // order, and the tuples of every id but a full page's last.
    const shape = (ts: readonly Tuple[], limit: number) => {
      const last = ts.length >= limit ? ts[ts.length - 1]?.resource.id : undefined;
      return {
        ids: ts.map((x) => x.resource.id),
        tuples: ts
          .filter((x) => x.resource.id !== last)
          .map(formatTuple)
          .sort(),
      };
    };
    for (const rev of revisions)
      for (const [i, q] of queries.entries()) {
        const { after, limit } = pages[i] as { after?: string; limit: number };
        const page = { ...(after !== undefined && { afterResourceId: after }), limit };
        const read = (store: TupleStore) => {
          const r = store.snapshot(rev);
          return (r.queryOrdered as NonNullable<typeof r.queryOrdered>).call(r, q, page);
        };
        const [m, s] = await Promise.all([read(memory), read(sql)]);
        expect(shape(s, limit), `${JSON.stringify(q)} ${JSON.stringify(page)} @${rev}`).toEqual(
          shape(m, limit),
        );
      }
  });

  it('on paginated reads, page by page, in the same order', async () => {
    const head = revisions[revisions.length - 1] as number;
    for (const resourceType of ['doc', 'folder']) {
      const pages: string[][][] = [];
      for (const store of [memory, sql]) {
        const seen: string[][] = [];
        let cursor: string | undefined;
        do {
          const page = await store.read(
            { resourceType },
            { revision: head, limit: 3, ...(cursor && { cursor }) },
          );
          seen.push(page.tuples.map(formatTuple));
          cursor = page.cursor;
        } while (cursor);
        pages.push(seen);
      }
      expect(pages[1]).toEqual(pages[0]);
    }
  });
});
