/**
 * The TupleStore contract, part three: attribution in read results. Every tuple a `read` returns is
 * attributed to the revision that created the version read and to that transaction's metadata, on
 * every backend, across pages, after a TOUCH, for bulk imports, and after GC of old revisions.
 * Called from `describeTupleStore` inside its describe block.
 */
import { describe, expect, it } from 'vitest';
import { formatTuple } from '../../src/model/index.ts';
import type { ReadPage, TupleFilter, TupleStore } from '../../src/store/index.ts';
import {
  create,
  del,
  expectCode,
  HOUR,
  manualClock,
  type StoreFactory,
  storeRunner,
  t,
  touch,
} from './support.ts';

/** Every page of a read at `revision`, as `tuple text → attribution`. */
async function readAll(
  s: TupleStore,
  filter: TupleFilter,
  revision: number,
  limit?: number,
): Promise<Map<string, ReadPage['written'][number]>> {
  const out = new Map<string, ReadPage['written'][number]>();
  let cursor: string | undefined;
  do {
    const page = await s.read(filter, {
      revision,
      ...(limit !== undefined && { limit }),
      ...(cursor && { cursor }),
    });
    expect(page.written).toHaveLength(page.tuples.length);
    for (const [i, x] of page.tuples.entries()) out.set(formatTuple(x), page.written[i] as never);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

export function describeTupleAttribution(factory: StoreFactory): void {
  describe('attribution in reads', () => {
    const withStore = storeRunner(factory);
    const docs = { resourceType: 'document' };
    const clock = manualClock();

    it(
      'attributes each tuple to the write that created it, with that write metadata',
      withStore(async (s) => {
        const alice = { actor: 'user:alice', agent: 'agent_session:s1', task: 'report' };
        const r1 = await s.write(
          [create('document:d1#viewer@user:ann'), create('document:d2#viewer@user:bob')],
          { metadata: { actor: 'user:admin', reason: 'initial sharing' } },
        );
        const r2 = await s.write([create('document:d1#editor@user:carl')]);
        const r3 = await s.write([touch('document:d2#viewer@user:bob')], { metadata: alice });
        const r4 = await s.write([del('document:d1#editor@user:carl')], { metadata: alice });

        const at2 = await readAll(s, docs, r2);
        expect(at2.get('document:d1#viewer@user:ann')).toEqual({
          revision: r1,
          metadata: { actor: 'user:admin', reason: 'initial sharing' },
        });
        expect(at2.get('document:d2#viewer@user:bob')).toEqual(
          at2.get('document:d1#viewer@user:ann'),
        );
        // A write without metadata: the revision, no metadata field.
        expect(at2.get('document:d1#editor@user:carl')).toEqual({ revision: r2 });

        // TOUCH re-creates the tuple: the read at head names the newer write; the old snapshot still
        // names the old one (attribution is part of the MVCC version).
        const at4 = await readAll(s, docs, r4);
        expect(at4.get('document:d2#viewer@user:bob')).toEqual({ revision: r3, metadata: alice });
        expect(at4.has('document:d1#editor@user:carl')).toBe(false);
        expect((await readAll(s, docs, r2)).get('document:d2#viewer@user:bob')?.revision).toBe(r1);
      }),
    );

    it(
      'attributes every row of every page, for mixed writers and a bulk import',
      withStore(async (s) => {
        const imp = await s.bulkImport(
          Array.from({ length: 12 }, (_, i) => t(`document:b${i}#viewer@user:u${i}`)),
          { batchSize: 5, metadata: { actor: 'importer' } },
        );
        const writes: number[] = [];
        for (let i = 0; i < 6; i++)
          writes.push(
            await s.write([create(`document:c${i}#viewer@user:w${i}`)], {
              ...(i % 2 === 0 && { metadata: { actor: `user:w${i}`, n: i } }),
            }),
          );
        const head = await s.headRevision();
        const all = await readAll(s, docs, head, 4);
        expect(all.size).toBe(18);
        for (let i = 0; i < 12; i++)
          expect(all.get(`document:b${i}#viewer@user:u${i}`)).toEqual({
            revision: imp.revision,
            metadata: { actor: 'importer' },
          });
        for (let i = 0; i < 6; i++)
          expect(all.get(`document:c${i}#viewer@user:w${i}`)).toEqual(
            i % 2 === 0
              ? { revision: writes[i], metadata: { actor: `user:w${i}`, n: i } }
              : { revision: writes[i] },
          );
      }),
    );

    it(
      'keeps the metadata of a live tuple after GC removes its revision from the window',
      withStore(
        async (s) => {
          const r1 = await s.write([create('document:d1#viewer@user:ann')], {
            metadata: { actor: 'user:admin' },
          });
          await s.write([create('document:d1#viewer@user:gone')], {
            metadata: { actor: 'user:temp' },
          });
          await s.write([del('document:d1#viewer@user:gone')]);
          clock.advance(3 * HOUR);
          await s.write([create('document:d2#viewer@user:late')], {
            metadata: { actor: 'user:late' },
          });
          clock.advance(3 * HOUR);
          const later = await s.write([]);
          const res = await s.gc();
          expect(res.tuplesRemoved).toBe(1); // user:gone, deleted long ago
          // r1 is outside the window now: no snapshot may use it, but its tuple is still attributed.
          await expectCode(s.checkRevision(r1), 'revision_expired');
          const head = await s.headRevision();
          const all = await readAll(s, docs, head);
          expect(all.get('document:d1#viewer@user:ann')).toEqual({
            revision: r1,
            metadata: { actor: 'user:admin' },
          });
          expect(all.get('document:d2#viewer@user:late')?.metadata).toEqual({ actor: 'user:late' });
          expect(later).toBe(head);
          // Once the tuple itself is deleted and collected, its revision goes too.
          await s.write([del('document:d1#viewer@user:ann')]);
          clock.advance(3 * HOUR);
          await s.write([]);
          const again = await s.gc();
          expect(again.tuplesRemoved).toBe(1);
          expect(again.revisionsRemoved).toBeGreaterThanOrEqual(1);
          const left = await readAll(s, docs, await s.headRevision());
          expect([...left.keys()]).toEqual(['document:d2#viewer@user:late']);
        },
        { gcWindowMs: 2 * HOUR, clock: clock.now },
      ),
    );
  });
}
