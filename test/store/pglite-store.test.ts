import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTuple } from '../../src/model/index.ts';
import { createSqlStore, openPgliteDriver, openStore } from '../../src/store/index.ts';
import { describeTupleStore } from '../contract/tuple-store.contract.ts';

// One migrated in-memory PGlite as a template; every store in the suite is a clone of it (fast).
let template: PGlite;
beforeAll(async () => {
  template = await PGlite.create();
  await (await openPgliteDriver(template)).migrate();
});
afterAll(async () => {
  await template.close();
});

describeTupleStore(
  'pglite',
  async (opts) => {
    const driver = await openPgliteDriver((await template.clone()) as PGlite);
    return createSqlStore(driver, opts);
  },
  // One connection: a read waits for an open write transaction to finish.
  { readsDuringWrites: false },
);

describe('pglite store on disk', () => {
  it('creates and migrates a data directory, and keeps data and store id across restarts', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'clove-pglite-')), 'data');
    try {
      const first = await openStore(dir);
      expect(first.kind).toBe('pglite');
      const rev = await first.write([
        { op: 'create', tuple: parseTuple('document:d1#viewer@user:a') },
      ]);
      const id = first.storeId;
      await first.close();
      const second = await openStore(dir);
      expect(second.storeId).toBe(id);
      expect(await second.headRevision()).toBe(rev);
      const got = await second
        .snapshot(rev)
        .query({ resourceType: 'document', resourceIds: ['d1'] });
      expect(got).toHaveLength(1);
      await second.close();
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  });
});
