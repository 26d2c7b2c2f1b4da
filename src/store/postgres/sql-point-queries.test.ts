import { PGlite } from '@electric-sql/pglite';
import { and } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTuple, type Tuple } from '../../model/index.ts';
import {
  createTestDatabase,
  startTestPostgres,
  type TestPostgres,
} from '../../../test/support/postgres.ts';
import type { TupleQuery, TupleStore } from '../types.ts';
import { openPgliteDriver, openPostgresDriver, type SqlDriver } from './driver.ts';
import { queryConditions, rowToTuple, TUPLE_COLUMNS, visibleAt } from './sql-helpers.ts';
import { createPointQuery } from './sql-point-queries.ts';
import { createSqlStore } from './sql-store.ts';
import { tuples } from './tables.ts';

const NOW = Date.UTC(2030, 0, 1);
/** Ids the array literal must quote or escape (the store itself does not restrict ids). */
const ODD_IDS = ['a', 'NULL', 'q"uote', 'back\\slash', 'com,ma', '{brace}', 'sp ace'];

const tuple = (rid: string, rel: string, st: string, sid: string, sr = '...'): Tuple => ({
  resource: { type: 'doc', id: rid },
  relation: rel,
  subject: { type: st, id: sid, relation: sr },
});

/** Three revisions: creates (some caveated or expiring), then a delete and a touch. */
async function fill(store: TupleStore): Promise<number[]> {
  const first: Tuple[] = [];
  for (const rid of ODD_IDS)
    for (const sid of ODD_IDS.slice(0, 4)) {
      first.push(tuple(rid, 'viewer', 'user', sid));
      first.push(tuple(rid, 'owner', 'group', sid, 'member'));
    }
  first.push({
    ...tuple('a', 'viewer', 'user', 'cav'),
    caveat: { name: 'c', context: { k: [1] } },
  });
  first.push({ ...tuple('a', 'viewer', 'user', 'bare'), caveat: { name: 'c' } });
  first.push({ ...tuple('a', 'viewer', 'user', 'old'), expiresAt: NOW - 1 });
  first.push({ ...tuple('a', 'viewer', 'user', 'new'), expiresAt: NOW + 1 });
  const r1 = await store.write(first.map((t) => ({ op: 'create' as const, tuple: t })));
  const r2 = await store.write([
    { op: 'delete', tuple: tuple('NULL', 'viewer', 'user', 'a') },
    { op: 'touch', tuple: { ...tuple('a', 'viewer', 'user', 'a'), caveat: { name: 'd' } } },
  ]);
  return [r1 - 1, r1, r2];
}

/** Every shape: each optional field present or absent (32 combinations). */
function everyShape(): TupleQuery[] {
  const out: TupleQuery[] = [];
  for (let mask = 0; mask < 32; mask++)
    out.push({
      resourceType: 'doc',
      ...(mask & 1 && { resourceIds: ['a', 'NULL', 'q"uote', 'back\\slash', 'a', 'none'] }),
      ...(mask & 2 && { relation: 'viewer' }),
      ...(mask & 4 && { subjectType: 'user' }),
      ...(mask & 8 && { subjectIds: ['a', 'com,ma', '{brace}', 'cav', 'bare', 'old', 'new'] }),
      ...(mask & 16 && { subjectRelation: '...' }),
    });
  return out;
}

const sorted = (ts: Tuple[]) => [...ts].sort((x, y) => (formatTuple(x) < formatTuple(y) ? -1 : 1));

for (const backend of ['pglite', 'postgres'] as const) {
  describe(`point queries on ${backend}`, () => {
    let server: TestPostgres | undefined;
    let driver: SqlDriver;
    let store: TupleStore;
    let revs: number[];

    beforeAll(async () => {
      if (backend === 'pglite') driver = await openPgliteDriver(await PGlite.create());
      else {
        server = await startTestPostgres();
        driver = openPostgresDriver(await createTestDatabase(server.url));
      }
      await driver.migrate();
      store = await createSqlStore(driver, { clock: () => NOW });
      revs = await fill(store);
    }, 60_000);

    afterAll(async () => {
      await store?.close();
      await server?.stop();
    });

    it('answers every query shape exactly as the query builder does, at every revision', async () => {
      const point = createPointQuery(driver);
      let nonEmpty = 0;
      for (const rev of revs)
        for (const q of everyShape()) {
          const want = (
            await driver.db
              .select(TUPLE_COLUMNS)
              .from(tuples)
              .where(and(...queryConditions(q), visibleAt(rev, NOW)))
          ).map(rowToTuple);
          const got = await point(q, rev, NOW);
          expect(sorted(got), JSON.stringify({ rev, q })).toEqual(sorted(want));
          if (got.length > 0) nonEmpty++;
        }
      // The data makes most shapes non-empty at the later revisions (the comparison is not vacuous).
      expect(nonEmpty).toBeGreaterThan(40);
    });

    it('decodes caveats, contexts and expirations, and hides expired and deleted tuples', async () => {
      const point = createPointQuery(driver);
      const r2 = revs[2] as number;
      const got = await point(
        { resourceType: 'doc', resourceIds: ['a'], relation: 'viewer', subjectType: 'user' },
        r2,
        NOW,
      );
      const by = new Map(got.map((t) => [t.subject.id, t]));
      expect(by.get('cav')?.caveat).toEqual({ name: 'c', context: { k: [1] } });
      expect(by.get('bare')?.caveat).toEqual({ name: 'c' });
      expect(by.get('a')?.caveat).toEqual({ name: 'd' });
      expect(by.get('new')?.expiresAt).toBe(NOW + 1);
      expect(by.has('old')).toBe(false);
      expect(by.get('NULL')).toEqual(tuple('a', 'viewer', 'user', 'NULL'));
      const deleted = await point({ resourceType: 'doc', resourceIds: ['NULL'] }, r2, NOW);
      expect(deleted.some((t) => t.subject.id === 'a' && t.relation === 'viewer')).toBe(false);
      expect(await point({ resourceType: 'doc', resourceIds: [] }, r2, NOW)).toEqual([]);
      expect(
        await point({ resourceType: 'doc', subjectType: 'user', subjectIds: [] }, r2, NOW),
      ).toEqual([]);
    });
  });
}
