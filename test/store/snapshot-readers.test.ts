/**
 * The shape of the built-in stores' snapshots, which are made once per request and so are classes
 * (src/store/memory/memory-store.ts, src/store/postgres/sql-store.ts): what callers rely on besides
 * the reads themselves (covered by the store contract). A memory snapshot's reads are own members
 * that work unbound and survive a copy of the reader; a SQL snapshot's reads are methods that every
 * caller invokes on the reader; both offer the same capabilities on every snapshot, pin the revision
 * and judge expiration at the `now` given, or at the store's clock when none is.
 */
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotReader, TupleStore } from '../../src/store/index.ts';
import { createMemoryStore, createSqlStore, openPgliteDriver } from '../../src/store/index.ts';
import { create, manualClock, t, texts } from '../contract/support.ts';

let template: PGlite;
beforeAll(async () => {
  template = await PGlite.create();
  await (await openPgliteDriver(template)).migrate();
});
afterAll(async () => {
  await template.close();
});

const CAPABILITIES = ['query', 'querySync', 'queryOrdered', 'queryMany', 'queryClosure'] as const;
const capabilities = (r: SnapshotReader) =>
  CAPABILITIES.filter((name) => typeof r[name] === 'function');

const stores: [string, (clock: () => number) => Promise<TupleStore>, string[]][] = [
  [
    'memory',
    async (clock) => createMemoryStore({ clock }),
    ['query', 'querySync', 'queryOrdered', 'queryClosure'],
  ],
  [
    'pglite',
    async (clock) =>
      createSqlStore(await openPgliteDriver((await template.clone()) as PGlite), { clock }),
    ['query', 'queryOrdered', 'queryMany', 'queryClosure'],
  ],
];

describe.each(stores)('%s snapshots', (_name, open, offered) => {
  it('pin the revision, judge expiration at the given now (else the clock), offer the same reads', async () => {
    const clock = manualClock();
    const store = await open(clock.now);
    try {
      const r1 = await store.write([create('doc:a#viewer@user:ann')]);
      const expiring = { ...t('doc:a#viewer@user:bob'), expiresAt: clock.now() + 1000 };
      const r2 = await store.write([{ op: 'create', tuple: expiring }]);
      const q = { resourceType: 'doc', resourceIds: ['a'] };
      const old = store.snapshot(r1);
      const head = store.snapshot(r2);
      const later = store.snapshot(r2, { now: clock.now() + 1000 });
      expect([old.revision, head.revision, later.revision]).toEqual([r1, r2, r2]);
      expect([head.now, later.now]).toEqual([clock.now(), clock.now() + 1000]);
      expect(texts(await old.query(q))).toEqual(['doc:a#viewer@user:ann']);
      expect(texts(await head.query(q))).toEqual([
        'doc:a#viewer@user:ann',
        'doc:a#viewer@user:bob[expiration:2030-01-01T00:00:01Z]',
      ]);
      expect(texts(await later.query(q))).toEqual(['doc:a#viewer@user:ann']);
      for (const r of [old, head, later]) expect(capabilities(r)).toEqual(offered);
    } finally {
      await store.close();
    }
  });
});

describe('memory snapshots', () => {
  it('keep their reads as own members: callable unbound and kept by a copy of the reader', async () => {
    const store = createMemoryStore();
    const rev = await store.write([create('doc:a#viewer@user:ann')]);
    const reader = store.snapshot(rev);
    const copy: SnapshotReader = { ...reader, revision: rev + 1000 };
    const { query, querySync } = reader;
    const q = { resourceType: 'doc', resourceIds: ['a'] };
    expect(texts(await query(q))).toEqual(['doc:a#viewer@user:ann']);
    expect(texts((querySync as NonNullable<typeof querySync>)(q))).toEqual([
      'doc:a#viewer@user:ann',
    ]);
    // The copy reads the store at the snapshot's own revision, whatever revision it claims.
    expect(texts(await copy.query(q))).toEqual(['doc:a#viewer@user:ann']);
    expect(capabilities(copy)).toEqual(capabilities(reader));
  });
});
