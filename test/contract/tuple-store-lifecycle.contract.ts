/**
 * The TupleStore contract, part two: watch, retention and GC, schemas, and concurrent writers.
 * Called from `describeTupleStore` inside its describe block.
 */
import { describe, expect, it } from 'vitest';
import { formatTuple } from '../../src/model/index.ts';
import type { WatchEvent } from '../../src/store/index.ts';
import { SCHEMA_FULL, SCHEMA_NO_GROUP, SCHEMA_NO_WILDCARD } from './schema-fixtures.ts';
import {
  collect,
  create,
  DOC_VIEWERS,
  del,
  expectCode,
  HOUR,
  manualClock,
  type StoreCapabilities,
  type StoreFactory,
  storeRunner,
  texts,
  touch,
} from './support.ts';

export function describeTupleLifecycle(factory: StoreFactory, _caps: StoreCapabilities): void {
  describe('lifecycle', () => {
    const withStore = storeRunner(factory);
    const docViewers = DOC_VIEWERS;
    const clock = manualClock();
    const clock2 = manualClock();
    const clock3 = manualClock();
    it(
      'watches changes in order with metadata, resumes from any revision, and checkpoints when idle',
      withStore(async (s) => {
        const start = await s.headRevision();
        const r1 = await s.write([create('document:d1#viewer@user:a')], {
          metadata: { actor: 'user:ann' },
        });
        const r2 = await s.write([
          touch('document:d1#viewer@user:b'),
          del('document:d1#viewer@user:a'),
        ]);
        const r3 = await s.write([del('document:d1#viewer@user:b')]);
        const ac = new AbortController();
        const events = await collect(s.watch(start, { signal: ac.signal }), 3);
        ac.abort();
        expect(events.map((e) => e.revision)).toEqual([r1, r2, r3]);
        const [e1, e2] = events;
        expect(e1).toMatchObject({ kind: 'changes', metadata: { actor: 'user:ann' } });
        if (e2?.kind !== 'changes') throw new Error('expected changes');
        expect(e2.changes.map((c) => `${c.op} ${formatTuple(c.tuple)}`).sort()).toEqual([
          'delete document:d1#viewer@user:a',
          'touch document:d1#viewer@user:b',
        ]);
        // Resume in the middle, then see a live write arrive, then an idle checkpoint. Checkpoints
        // may also come before the write (timing), but always name the last revision delivered.
        const ac2 = new AbortController();
        const iter = s.watch(r2, { signal: ac2.signal, checkpointIntervalMs: 50 });
        let r4 = Number.POSITIVE_INFINITY;
        const got: WatchEvent[] = [];
        const later = (async () => {
          for await (const e of iter) {
            got.push(e);
            if (e.kind === 'checkpoint' && e.revision >= r4) break;
          }
        })();
        await new Promise((r) => setTimeout(r, 20));
        r4 = await s.write([create('document:d2#viewer@user:c')]);
        await later;
        ac2.abort();
        expect(got.filter((e) => e.kind === 'changes').map((e) => e.revision)).toEqual([r3, r4]);
        let delivered = r2;
        for (const e of got) {
          if (e.kind === 'checkpoint') expect(e.revision).toBe(delivered);
          else delivered = e.revision;
        }
        expect(got[got.length - 1]).toEqual({ kind: 'checkpoint', revision: r4 });
        await expectCode(collect(s.watch(r4 + 100), 1), 'invalid_zookie');
      }),
    );

    it(
      'expires old snapshots and collects deleted and expired rows after the GC window',
      withStore(
        async (s) => {
          const r1 = await s.write([
            create('document:d1#viewer@user:a'),
            create('document:d1#viewer@user:b'),
          ]);
          const exp = new Date(clock.now() + 10 * 60_000).toISOString();
          const r2 = await s.write([
            del('document:d1#viewer@user:a'),
            create(`document:d1#viewer@user:e[expiration:${exp}]`),
          ]);
          await s.checkRevision(r1);
          await expectCode(s.checkRevision(r2 + 1), 'invalid_zookie');
          await expectCode(s.checkRevision(-1), 'invalid_zookie');
          clock.advance(2 * HOUR);
          const r3 = await s.write([create('document:d2#viewer@user:c')]);
          // r1 is still usable: nothing committed before the cutoff yet.
          await s.checkRevision(r1);
          clock.advance(HOUR - 1000);
          // Now r2 is the newest revision older than the window: r1 is expired, r2 still fine.
          const err = await expectCode(s.checkRevision(r1), 'revision_expired');
          expect(err.details).toMatchObject({ revision: r1 });
          await s.checkRevision(r2);
          const before = await s.snapshot(r3).query(docViewers);
          const res = await s.gc();
          expect(res.tuplesRemoved).toBe(2); // user:a (deleted at r2) and user:e (expired 3h ago > window)
          expect(res.revisionsRemoved).toBeGreaterThanOrEqual(1);
          expect(texts(await s.snapshot(r3).query(docViewers))).toEqual(texts(before));
          expect(texts(await s.snapshot(r2).query(docViewers))).toEqual([
            'document:d1#viewer@user:b',
          ]);
          await expectCode(collect(s.watch(r1), 1), 'revision_expired');
          const again = await s.gc();
          expect(again).toEqual({ tuplesRemoved: 0, revisionsRemoved: 0 });
          await s.checkRevision(await s.headRevision());
        },
        { gcWindowMs: 2 * HOUR + 30 * 60_000, clock: clock.now },
      ),
    );

    it(
      'fails a watch whose consumer fell behind the GC boundary',
      withStore(
        async (s) => {
          const r1 = await s.write([create('document:d1#viewer@user:a')]);
          const ac = new AbortController();
          const iter = s.watch(r1 - 1, { signal: ac.signal })[Symbol.asyncIterator]();
          const first = await iter.next();
          expect(first.value).toMatchObject({ kind: 'changes', revision: r1 });
          await s.write([del('document:d1#viewer@user:a')]);
          clock3.advance(3 * HOUR);
          await s.write([create('document:d2#viewer@user:b')]);
          await s.gc();
          const err = await expectCode(iter.next(), 'revision_expired');
          expect(err.details).toMatchObject({ revision: r1 });
          ac.abort();
        },
        { gcWindowMs: HOUR, clock: clock3.now },
      ),
    );

    it(
      'keeps the head revision usable however old it is',
      withStore(
        async (s) => {
          const r = await s.write([create('document:d1#viewer@user:a')]);
          clock2.advance(48 * HOUR);
          await s.checkRevision(r);
          await s.gc();
          expect(await s.snapshot(r).query(docViewers)).toHaveLength(1);
        },
        { gcWindowMs: HOUR, clock: clock2.now },
      ),
    );

    it(
      'stores schemas with their revision and reads the one in effect',
      withStore(async (s) => {
        expect(await s.readSchema()).toBeUndefined();
        const r1 = await s.writeSchema({ text: 'v1', ir: SCHEMA_FULL });
        const r2 = await s.write([create('document:d1#viewer@user:a')]);
        const r3 = await s.writeSchema({ text: 'v2', ir: SCHEMA_NO_WILDCARD });
        expect(await s.readSchema(r1 - 1)).toBeUndefined();
        expect((await s.readSchema(r2))?.text).toBe('v1');
        expect(await s.readSchema(r3)).toEqual({
          revision: r3,
          text: 'v2',
          ir: SCHEMA_NO_WILDCARD,
        });
        expect((await s.readSchema())?.revision).toBe(r3);
      }),
    );

    it(
      'refuses a schema write that would orphan tuples, listing usages and counts',
      withStore(async (s) => {
        await s.writeSchema({ text: 'full', ir: SCHEMA_FULL });
        await s.write([
          create('document:d1#viewer@user:*'),
          create('document:d2#viewer@user:*'),
          create('document:d1#viewer@group:eng#member'),
          create('document:d1#viewer@user:alice'),
        ]);
        const head = await s.headRevision();
        const err = await expectCode(
          s.writeSchema({ text: 'nowild', ir: SCHEMA_NO_WILDCARD }),
          'schema_in_use',
        );
        expect(err.message).toContain('document#viewer@user:*');
        expect(err.details?.usages).toEqual([
          expect.objectContaining({ resourceType: 'document', relation: 'viewer', count: 2 }),
        ]);
        expect(await s.headRevision()).toBe(head);
        const err2 = await expectCode(
          s.writeSchema({ text: 'nogroup', ir: SCHEMA_NO_GROUP }),
          'schema_in_use',
        );
        expect(err2.message).toContain('document#viewer@group#member');
        await s.write([del('document:d1#viewer@user:*'), del('document:d2#viewer@user:*')]);
        await s.writeSchema({ text: 'nowild', ir: SCHEMA_NO_WILDCARD });
        expect((await s.readSchema())?.text).toBe('nowild');
      }),
    );

    it(
      'rejects a write validated against a schema that has since changed',
      withStore(async (s) => {
        await s.writeSchema({ text: 'full', ir: SCHEMA_FULL });
        await s.write([create('document:d1#viewer@user:a')], { expectSchemaHash: 'full' });
        await s.writeSchema({ text: 'nowild', ir: SCHEMA_NO_WILDCARD });
        await expectCode(
          s.write([create('document:d1#viewer@user:*')], { expectSchemaHash: 'full' }),
          'write_conflict',
        );
      }),
    );

    it(
      'orders concurrent writers: distinct revisions, and a snapshot never gains writes later',
      withStore(async (s) => {
        const writers = 8;
        const perWriter = 6;
        const seen = new Map<number, number>();
        let stop = false;
        // A reader that records how many tuples each observed head shows; re-checked after the fact.
        const reader = (async () => {
          while (!stop) {
            const h = await s.headRevision();
            const n = (await s.snapshot(h).query({ resourceType: 'document' })).length;
            if (!seen.has(h)) seen.set(h, n);
            await new Promise((r) => setTimeout(r, 1));
          }
        })();
        const revs = (
          await Promise.all(
            Array.from({ length: writers }, async (_, w) => {
              const out: number[] = [];
              for (let i = 0; i < perWriter; i++)
                out.push(await s.write([create(`document:w${w}#viewer@user:u${i}`)]));
              return out;
            }),
          )
        ).flat();
        stop = true;
        await reader;
        expect(new Set(revs).size).toBe(writers * perWriter);
        for (const [h, n] of seen) {
          expect((await s.snapshot(h).query({ resourceType: 'document' })).length).toBe(n);
        }
        const head = await s.headRevision();
        expect((await s.snapshot(head).query({ resourceType: 'document' })).length).toBe(
          writers * perWriter,
        );
      }),
    );
  });
}
