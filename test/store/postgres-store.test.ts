import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTuple } from '../../src/model/index.ts';
import { migrate, openStore, type TupleStore } from '../../src/store/index.ts';
import { describeTupleStore, expectCode } from '../contract/tuple-store.contract.ts';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '../support/postgres.ts';

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.stop();
});

describeTupleStore('postgres', async (opts) =>
  openStore(await createTestDatabase(server.url), { ...opts, autoMigrate: true, watchPollMs: 10 }),
);

describe('postgres store', () => {
  it('refuses an unmigrated database until `migrate` ran, then keeps its store id', async () => {
    const url = await createTestDatabase(server.url);
    await expectCode(openStore(url), 'unavailable');
    await migrate(url);
    await migrate(url); // idempotent
    const a = await openStore(url);
    const b = await openStore(url);
    expect(b.storeId).toBe(a.storeId);
    await a.close();
    await b.close();
  });

  it('reports an unreachable server as unavailable', async () => {
    await expectCode(openStore('postgres://postgres@127.0.0.1:1/none'), 'unavailable');
  });

  it('keeps revision order equal to commit order under many concurrent connections', async () => {
    // Many pooled connections race; a reader repeatedly pins the head and counts what it sees.
    // If any write could commit at a revision <= an observed head, a re-read of that head would
    // differ (the "new enemy" hazard). Each writer also checks its revision exceeds the head it saw.
    const url = await createTestDatabase(server.url);
    const store: TupleStore = await openStore(url, { autoMigrate: true, maxConnections: 20 });
    try {
      const observed = new Map<number, number>();
      let stop = false;
      const readers = Array.from({ length: 3 }, async () => {
        while (!stop) {
          const h = await store.headRevision();
          const n = (await store.snapshot(h).query({ resourceType: 'document' })).length;
          const prev = observed.get(h);
          if (prev === undefined) observed.set(h, n);
          else expect(n).toBe(prev);
        }
      });
      const writers = Array.from({ length: 16 }, async (_, w) => {
        for (let i = 0; i < 10; i++) {
          const before = await store.headRevision();
          const rev = await store.write([
            { op: 'create', tuple: parseTuple(`document:w${w}#viewer@user:u${i}`) },
          ]);
          expect(rev).toBeGreaterThan(before);
        }
      });
      await Promise.all(writers);
      stop = true;
      await Promise.all(readers);
      expect(observed.size).toBeGreaterThan(1);
      for (const [h, n] of observed)
        expect((await store.snapshot(h).query({ resourceType: 'document' })).length).toBe(n);
      // Revisions are dense and each holds exactly one write: the count at revision h is h - base.
      const head = await store.headRevision();
      expect((await store.snapshot(head).query({ resourceType: 'document' })).length).toBe(160);
    } finally {
      await store.close();
    }
  });
});
