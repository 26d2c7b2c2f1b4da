/**
 * The TupleStore contract, run against every backend (`describeTupleStore(name, factory)`).
 * A backend is correct when this suite passes; backend-specific tests only add what this can't
 * express (persistence across restarts, real concurrency on Postgres). This file covers reads and
 * writes; `tuple-store-lifecycle.contract.ts` covers watch, GC, schemas and concurrency.
 */
import { describe, expect, it } from 'vitest';
import { formatTuple, parseTuple, type Tuple } from '../../src/model/index.ts';
import { SCHEMA_FULL, SCHEMA_NO_WILDCARD } from './schema-fixtures.ts';
import {
  create,
  DOC_VIEWERS,
  del,
  expectCode,
  type StoreCapabilities,
  type StoreFactory,
  storeRunner,
  t,
  texts,
  touch,
} from './support.ts';
import { describeTupleAttribution } from './tuple-store-attribution.contract.ts';
import { describeTupleLifecycle } from './tuple-store-lifecycle.contract.ts';
import { describeTupleMultiReads } from './tuple-store-multi.contract.ts';
import { describeTupleOrdered } from './tuple-store-ordered.contract.ts';

export { expectCode, type StoreCapabilities, type StoreFactory } from './support.ts';

export function describeTupleStore(
  name: string,
  factory: StoreFactory,
  caps: StoreCapabilities = { readsDuringWrites: true },
): void {
  describe(`TupleStore contract: ${name}`, () => {
    const withStore = storeRunner(factory);
    const docViewers = DOC_VIEWERS;
    it(
      'has a store id and a head revision that grows with each write',
      withStore(async (s) => {
        expect(s.storeId).toMatch(/^[0-9a-f-]{36}$/);
        const h0 = await s.headRevision();
        const r1 = await s.write([create('document:d1#viewer@user:alice')]);
        expect(r1).toBeGreaterThan(h0);
        expect(await s.headRevision()).toBe(r1);
        const r2 = await s.write([touch('document:d1#viewer@user:bob')]);
        expect(r2).toBeGreaterThan(r1);
      }),
    );

    it(
      'MVCC: a snapshot sees exactly the writes at or before its revision',
      withStore(async (s) => {
        const r0 = await s.headRevision();
        const r1 = await s.write([create('document:d1#viewer@user:alice')]);
        const r2 = await s.write([create('document:d1#viewer@user:bob')]);
        const r3 = await s.write([del('document:d1#viewer@user:alice')]);
        const at = async (r: number) => texts(await s.snapshot(r).query(docViewers));
        expect(await at(r0)).toEqual([]);
        expect(await at(r1)).toEqual(['document:d1#viewer@user:alice']);
        expect(await at(r2)).toEqual([
          'document:d1#viewer@user:alice',
          'document:d1#viewer@user:bob',
        ]);
        expect(await at(r3)).toEqual(['document:d1#viewer@user:bob']);
        expect(s.snapshot(r2).revision).toBe(r2);
      }),
    );

    it(
      'CREATE of a live tuple fails and the whole batch is rolled back',
      withStore(async (s) => {
        await s.write([create('document:d1#viewer@user:alice')]);
        const head = await s.headRevision();
        const err = await expectCode(
          s.write([create('document:d2#viewer@user:bob'), create('document:d1#viewer@user:alice')]),
          'tuple_already_exists',
        );
        expect(err.message).toContain('document:d1#viewer@user:alice');
        expect(await s.headRevision()).toBe(head);
        const d2 = await s.snapshot(head).query({ resourceType: 'document', resourceIds: ['d2'] });
        expect(d2).toEqual([]);
      }),
    );

    it(
      'TOUCH upserts (replacing caveat and expiration) and DELETE is idempotent',
      withStore(async (s) => {
        await s.write([touch('document:d1#viewer@user:alice')]);
        const r = await s.write([
          touch('document:d1#viewer@user:alice[only_on_tuesday:{"day":"monday"}]'),
        ]);
        const got = await s.snapshot(r).query(docViewers);
        expect(got).toHaveLength(1);
        expect(got[0]?.caveat).toEqual({ name: 'only_on_tuesday', context: { day: 'monday' } });
        const r2 = await s.write([del('document:d1#viewer@user:alice')]);
        const r3 = await s.write([del('document:d1#viewer@user:alice')]);
        expect(r3).toBeGreaterThan(r2);
        expect(await s.snapshot(r3).query(docViewers)).toEqual([]);
      }),
    );

    it(
      'rejects a tuple listed twice and batches above the limit',
      withStore(
        async (s) => {
          await expectCode(
            s.write([touch('document:d1#viewer@user:a'), del('document:d1#viewer@user:a')]),
            'duplicate_tuple_in_batch',
          );
          const ops = ['a', 'b', 'c', 'd'].map((id) => touch(`document:d1#viewer@user:${id}`));
          const err = await expectCode(s.write(ops), 'batch_too_large');
          expect(err.details).toMatchObject({ size: 4, max: 3 });
          await s.write(ops.slice(0, 3));
        },
        { maxBatchSize: 3 },
      ),
    );

    it(
      'checks preconditions inside the write',
      withStore(async (s) => {
        await s.write([create('document:d1#viewer@user:alice')]);
        const filter = { resourceType: 'document', resourceId: 'd1', relation: 'viewer' };
        await s.write([create('document:d2#viewer@user:x')], {
          preconditions: [{ kind: 'must_match', filter }],
        });
        await expectCode(
          s.write([create('document:d3#viewer@user:x')], {
            preconditions: [{ kind: 'must_not_match', filter }],
          }),
          'precondition_failed',
        );
        await expectCode(
          s.write([create('document:d3#viewer@user:x')], {
            preconditions: [
              { kind: 'must_match', filter: { resourceType: 'document', resourceId: 'nope' } },
            ],
          }),
          'precondition_failed',
        );
        const head = await s.headRevision();
        expect(
          await s.snapshot(head).query({ resourceType: 'document', resourceIds: ['d3'] }),
        ).toEqual([]);
      }),
    );

    it(
      'round-trips caveats, contexts, wildcards, subject sets and long ids',
      withStore(async (s) => {
        const long = 'x'.repeat(1024);
        const all = [
          'document:d1#viewer@user:*',
          'document:d1#viewer@group:eng#member',
          'document:d1#viewer@user:tom[only_on_tuesday]',
          'document:d1#viewer@user:ann[only_on_tuesday:{"day":"tuesday","n":[1,2],"m":{"k":true}}]',
          'document:d1#viewer@user:exp[expiration:2999-01-01T00:00:00Z]',
          `document:d1#viewer@user:${long}`,
          'document:--=b/64|+_==#viewer@user:a',
        ];
        const r = await s.write(all.map(create));
        const snap = s.snapshot(r);
        const got = [
          ...(await snap.query(docViewers)),
          ...(await snap.query({ resourceType: 'document', resourceIds: ['--=b/64|+_=='] })),
        ];
        expect(texts(got)).toEqual([...all].sort());
      }),
    );

    it(
      'answers every query shape the engine uses',
      withStore(async (s) => {
        const r = await s.write(
          [
            'document:d1#viewer@user:alice',
            'document:d1#viewer@group:eng#member',
            'document:d1#owner@user:alice',
            'document:d2#viewer@user:alice',
            'document:d3#viewer@user:bob',
            'document:d3#viewer@group:eng',
            'folder:f1#viewer@user:alice',
          ].map(create),
        );
        const q = s.snapshot(r);
        const ids = async (query: Parameters<typeof q.query>[0]) => texts(await q.query(query));
        expect(
          await ids({
            resourceType: 'document',
            resourceIds: ['d1', 'd3', 'd1'],
            relation: 'viewer',
          }),
        ).toEqual([
          'document:d1#viewer@group:eng#member',
          'document:d1#viewer@user:alice',
          'document:d3#viewer@group:eng',
          'document:d3#viewer@user:bob',
        ]);
        expect(await ids({ resourceType: 'document', resourceIds: ['d1'] })).toHaveLength(3);
        expect(
          await ids({
            resourceType: 'document',
            relation: 'viewer',
            subjectType: 'user',
            subjectIds: ['alice'],
          }),
        ).toEqual(['document:d1#viewer@user:alice', 'document:d2#viewer@user:alice']);
        expect(
          await ids({
            resourceType: 'document',
            relation: 'viewer',
            subjectType: 'group',
            subjectIds: ['eng'],
            subjectRelation: 'member',
          }),
        ).toEqual(['document:d1#viewer@group:eng#member']);
        expect(
          await ids({
            resourceType: 'document',
            relation: 'viewer',
            subjectType: 'group',
            subjectRelation: '...',
          }),
        ).toEqual(['document:d3#viewer@group:eng']);
        expect(await ids({ resourceType: 'document', relation: 'owner' })).toEqual([
          'document:d1#owner@user:alice',
        ]);
        expect(await ids({ resourceType: 'document', resourceIds: [] })).toEqual([]);
        expect(
          await ids({
            resourceType: 'document',
            relation: 'viewer',
            subjectType: 'user',
            subjectIds: [],
          }),
        ).toEqual([]);
        expect(await ids({ resourceType: 'folder' })).toEqual(['folder:f1#viewer@user:alice']);
        expect(await ids({ resourceType: 'nothing' })).toEqual([]);
      }),
    );

    it(
      'hides expired tuples from every read and lets CREATE replace them',
      withStore(async (s) => {
        const soon = new Date(Date.UTC(2999, 0, 1)).toISOString();
        const r = await s.write([create(`document:d1#viewer@user:alice[expiration:${soon}]`)]);
        const live = s.snapshot(r, { now: Date.parse(soon) - 1 });
        expect(live.now).toBe(Date.parse(soon) - 1);
        expect(await live.query(docViewers)).toHaveLength(1);
        expect(await s.snapshot(r, { now: Date.parse(soon) }).query(docViewers)).toEqual([]);
      }),
    );

    it(
      'treats an expired tuple as absent for reads, CREATE and preconditions',
      withStore(async (s) => {
        const past = '2001-01-01T00:00:00Z';
        const r1 = await s.write([create(`document:d1#viewer@user:alice[expiration:${past}]`)]);
        expect(await s.snapshot(r1).query(docViewers)).toEqual([]);
        expect((await s.read({ resourceType: 'document' }, { revision: r1 })).tuples).toEqual([]);
        await s.write([create('document:d9#viewer@user:x')], {
          preconditions: [
            { kind: 'must_not_match', filter: { resourceType: 'document', resourceId: 'd1' } },
          ],
        });
        const r2 = await s.write([create('document:d1#viewer@user:alice')]);
        expect(texts(await s.snapshot(r2).query(docViewers))).toEqual([
          'document:d1#viewer@user:alice',
        ]);
      }),
    );

    it(
      'reads with cursor pagination at a snapshot, each tuple exactly once',
      withStore(async (s) => {
        const ops = Array.from({ length: 23 }, (_, i) =>
          create(`document:d${i % 5}#viewer@user:u${i}`),
        );
        const r = await s.write(ops);
        await s.write([create('document:zz#viewer@user:late')]);
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await s.read(
            { resourceType: 'document', relation: 'viewer' },
            { revision: r, limit: 5, ...(cursor && { cursor }) },
          );
          seen.push(...page.tuples.map(formatTuple));
          cursor = page.cursor;
          pages++;
        } while (cursor);
        expect(pages).toBe(5);
        // One order on every backend: (type, relation, id, subject type, id, relation), bytewise.
        const key = (x: string) => {
          const t = parseTuple(x);
          return [
            t.resource.type,
            t.relation,
            t.resource.id,
            t.subject.type,
            t.subject.id,
            t.subject.relation,
          ].join('\u0000');
        };
        expect(seen.map(key)).toEqual(seen.map(key).sort());
        expect(seen.sort()).toEqual(texts(ops.map((o) => o.tuple)));
        const one = await s.read({ resourceType: 'document', resourceId: 'd1' }, { revision: r });
        expect(one.tuples.map((x) => x.resource.id)).toEqual(['d1', 'd1', 'd1', 'd1', 'd1']);
        const first = await s.read({ resourceType: 'document' }, { revision: r, limit: 2 });
        await expectCode(
          s.read({ resourceType: 'document' }, { revision: r + 1, cursor: first.cursor as string }),
          'invalid_cursor',
        );
        await expectCode(
          s.read({ resourceType: 'document' }, { revision: r, cursor: 'garbage!' }),
          'invalid_cursor',
        );
      }),
    );

    it(
      'deletes by filter, with a limit and a partial answer',
      withStore(async (s) => {
        await s.write(Array.from({ length: 7 }, (_, i) => create(`document:d1#viewer@user:u${i}`)));
        await s.write([create('document:d2#viewer@user:u0')]);
        const part = await s.deleteByFilter(
          { resourceType: 'document', resourceId: 'd1' },
          { limit: 5 },
        );
        expect(part).toMatchObject({ deleted: 5, partial: true });
        expect(await s.snapshot(part.revision).query(docViewers)).toHaveLength(2);
        const rest = await s.deleteByFilter(
          { resourceType: 'document', resourceId: 'd1' },
          { limit: 5 },
        );
        expect(rest).toMatchObject({ deleted: 2, partial: false });
        const subj = await s.deleteByFilter({
          resourceType: 'document',
          subjectType: 'user',
          subjectId: 'u0',
        });
        expect(subj.deleted).toBe(1);
        expect(await s.snapshot(subj.revision).query({ resourceType: 'document' })).toEqual([]);
        expect(await s.snapshot(part.revision - 1).query(docViewers)).toHaveLength(7);
      }),
    );

    it(
      'bulk-imports at one revision with progress, exports at a revision, and is atomic',
      withStore(async (s) => {
        const before = await s.write([create('document:pre#viewer@user:x')]);
        const n = 2_345;
        function* gen() {
          for (let i = 0; i < n; i++) yield t(`document:b${i}#viewer@user:u${i % 17}`);
        }
        const progress: number[] = [];
        const { revision, imported } = await s.bulkImport(gen(), {
          batchSize: 1000,
          onProgress: (k) => progress.push(k),
          metadata: { actor: 'importer' },
        });
        expect(imported).toBe(n);
        expect(progress[progress.length - 1]).toBe(n);
        expect(progress.length).toBeGreaterThanOrEqual(3);
        const exported: Tuple[] = [];
        for await (const x of s.exportTuples({ revision })) exported.push(x);
        expect(exported).toHaveLength(n + 1);
        const old: Tuple[] = [];
        for await (const x of s.exportTuples({ revision: before })) old.push(x);
        expect(texts(old)).toEqual(['document:pre#viewer@user:x']);
        const head = await s.headRevision();
        async function* bad() {
          yield t('document:new1#viewer@user:a');
          yield t('document:b5#viewer@user:u5');
        }
        await expectCode(s.bulkImport(bad()), 'tuple_already_exists');
        expect(await s.headRevision()).toBe(head);
        expect(
          await s.snapshot(head).query({ resourceType: 'document', resourceIds: ['new1'] }),
        ).toEqual([]);
      }),
    );

    it(
      'bulk import replaces expired tuples and rejects tuples repeated across batches',
      withStore(async (s) => {
        await s.write([create('document:d1#viewer@user:old[expiration:2001-01-01T00:00:00Z]')]);
        const { revision } = await s.bulkImport(
          [t('document:d1#viewer@user:old'), t('document:d2#viewer@user:x')],
          { batchSize: 1 },
        );
        expect(texts(await s.snapshot(revision).query({ resourceType: 'document' }))).toEqual([
          'document:d1#viewer@user:old',
          'document:d2#viewer@user:x',
        ]);
        const head = await s.headRevision();
        for (const batchSize of [1, 10]) {
          await expectCode(
            s.bulkImport(
              [
                t('document:n1#viewer@user:a'),
                t('document:n2#viewer@user:a'),
                t('document:n1#viewer@user:a'),
              ],
              { batchSize },
            ),
            'duplicate_tuple_in_batch',
          );
        }
        expect(await s.headRevision()).toBe(head);
        expect(
          await s.snapshot(head).query({ resourceType: 'document', resourceIds: ['n1', 'n2'] }),
        ).toEqual([]);
      }),
    );

    it(
      'gives an empty write its own revision and checks preconditions on delete-by-filter',
      withStore(async (s) => {
        const h = await s.headRevision();
        const r = await s.write([], { metadata: { why: 'noop' } });
        expect(r).toBe(h + 1);
        await s.write([
          create('document:d1#viewer@user:a'),
          create('document:d1#viewer@group:g#member'),
        ]);
        await expectCode(
          s.deleteByFilter(
            { resourceType: 'document' },
            { preconditions: [{ kind: 'must_match', filter: { resourceType: 'folder' } }] },
          ),
          'precondition_failed',
        );
        const page = await s.read(
          { resourceType: 'document', subjectType: 'group', subjectRelation: 'member' },
          { revision: await s.headRevision() },
        );
        expect(texts(page.tuples)).toEqual(['document:d1#viewer@group:g#member']);
        expect(page.cursor).toBeUndefined();
      }),
    );

    it(
      'counts only tuples of the removed shape when refusing a schema write',
      withStore(async (s) => {
        await s.writeSchema({ text: 'full', ir: SCHEMA_FULL });
        await s.write([
          create('document:d1#viewer@user:plain'),
          create('document:d1#viewer@user:cav[only_on_tuesday]'),
          create('document:d1#viewer@user:exp[expiration:2999-01-01T00:00:00Z]'),
          create('document:d1#viewer@user:gone[expiration:2001-01-01T00:00:00Z]'),
        ]);
        // Keep only plain users: the caveated and the (live) expiring tuple block the change;
        // the expired one no longer exists.
        const onlyUsers = { ...SCHEMA_NO_WILDCARD, hash: 'only-users' } as typeof SCHEMA_FULL;
        const err = await expectCode(
          s.writeSchema({
            text: 'only users',
            ir: {
              ...onlyUsers,
              definitions: {
                ...onlyUsers.definitions,
                document: {
                  ...(onlyUsers.definitions.document as NonNullable<
                    typeof onlyUsers.definitions.document
                  >),
                  relations: {
                    viewer: {
                      name: 'viewer',
                      allowed: [
                        { type: 'user', relation: '...', wildcard: false, expiration: false },
                      ],
                    },
                  },
                },
              },
            },
          }),
          'schema_in_use',
        );
        const details: Record<string, unknown> = err.details ?? {};
        const usages = (
          details.usages as {
            subject?: { caveat: string | null; expiration: boolean };
            count: number;
          }[]
        ).map((u) => [u.subject?.caveat ?? null, u.subject?.expiration, u.count]);
        expect(usages.sort()).toEqual([
          [null, true, 1],
          ['only_on_tuesday', false, 1],
        ]);
      }),
    );

    it.runIf(caps.readsDuringWrites)(
      'hides a bulk import from readers until it commits',
      withStore(async (s) => {
        const before = await s.headRevision();
        let release!: () => void;
        const gate = new Promise<void>((r) => {
          release = r;
        });
        let started!: () => void;
        const half = new Promise<void>((r) => {
          started = r;
        });
        async function* slow() {
          yield t('document:i1#viewer@user:a');
          yield t('document:i2#viewer@user:a');
          started();
          await gate;
          yield t('document:i3#viewer@user:a');
        }
        const importing = s.bulkImport(slow(), { batchSize: 2 });
        await half;
        await new Promise((r) => setTimeout(r, 50));
        expect(await s.headRevision()).toBe(before);
        expect(await s.snapshot(before).query({ resourceType: 'document' })).toEqual([]);
        release();
        const { revision } = await importing;
        expect(await s.snapshot(revision).query({ resourceType: 'document' })).toHaveLength(3);
      }),
    );

    describeTupleLifecycle(factory, caps);
    describeTupleAttribution(factory);
    describeTupleOrdered(factory);
    describeTupleMultiReads(factory);
  });
}
