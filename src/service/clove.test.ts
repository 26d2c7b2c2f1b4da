import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import { parseTuple } from '../model/index.ts';
import { createMemoryStore } from '../store/index.ts';
import { createClove } from './clove.ts';
import { createMetrics } from './metrics.ts';

const SCHEMA = `definition user {}
definition document {
  relation viewer: user
  permission view = viewer
}
`;

const touch = (...texts: string[]) =>
  texts.map((t) => ({ op: 'touch' as const, tuple: parseTuple(t) }));
const del = (...texts: string[]) =>
  texts.map((t) => ({ op: 'delete' as const, tuple: parseTuple(t) }));
const q = (user: string) => ({
  resource: { type: 'document', id: 'd' },
  permission: 'view',
  subject: { type: 'user', id: user, relation: '...' },
});

async function setup(quantumMs = 0) {
  const metrics = createMetrics();
  const clove = createClove({ store: createMemoryStore(), quantumMs, metrics });
  await clove.writeSchema(SCHEMA);
  return { clove, metrics };
}

describe('createClove', () => {
  it('a check at a write’s zookie sees the write even when minimize_latency would not', async () => {
    const { clove } = await setup(3_600_000); // one quantum for the whole test: stale on purpose
    await clove.check(q('bob')); // pins the quantized revision before the writes
    await clove.writeTuples(touch('document:d#viewer@user:bob'));
    const { zookie } = await clove.writeTuples(del('document:d#viewer@user:bob'));
    const fresh = await clove.check(q('bob'), {
      consistency: { mode: 'at_least_as_fresh', zookie },
    });
    expect(fresh.answer.permissionship).toBe('no_permission');
    const w = await clove.writeTuples(touch('document:d#viewer@user:carol'));
    const stale = await clove.check(q('carol'), { consistency: { mode: 'minimize_latency' } });
    expect(stale.answer.permissionship).toBe('no_permission');
    const exact = await clove.check(q('carol'), {
      consistency: { mode: 'at_exact_snapshot', zookie: w.zookie },
    });
    expect(exact.answer.permissionship).toBe('has_permission');
    expect(exact.zookie).toBe(w.zookie);
  });

  it('read cursors pin the snapshot: a resumed read ignores later writes', async () => {
    const { clove } = await setup();
    await clove.writeTuples(
      touch('document:a#viewer@user:u', 'document:b#viewer@user:u', 'document:c#viewer@user:u'),
    );
    const first = await clove.readTuples({ resourceType: 'document' }, { limit: 1 });
    const items = [];
    for await (const i of first.items) items.push(i);
    expect(items).toHaveLength(1);
    await clove.writeTuples(touch('document:aa#viewer@user:u'));
    await clove.writeTuples(del('document:c#viewer@user:u'));
    const rest = await clove.readTuples({ resourceType: 'document' }, { cursor: items[0]?.cursor });
    const ids = [];
    for await (const i of rest.items) ids.push(i.tuple.resource.id);
    expect(rest.zookie).toBe(first.zookie);
    expect([items[0]?.tuple.resource.id, ...ids].sort()).toEqual(['a', 'b', 'c']);
  });

  it('uses the schema in effect at the evaluated revision', async () => {
    const { clove } = await setup();
    const before = await clove.writeTuples(touch('document:d#viewer@user:ann'));
    await clove.writeSchema(`${SCHEMA}definition folder {}\n`);
    const old = await clove
      .check(
        { ...q('ann'), resource: { type: 'folder', id: 'f' } },
        { consistency: { mode: 'at_exact_snapshot', zookie: before.zookie } },
      )
      .catch((e) => e);
    expect(isAppError(old, 'unknown_definition')).toBe(true);
    const now = await clove
      .check(
        { ...q('ann'), resource: { type: 'folder', id: 'f' }, permission: 'view' },
        { consistency: { mode: 'fully_consistent' } },
      )
      .catch((e) => e);
    expect(isAppError(now, 'unknown_relation')).toBe(true);
  });

  it('writes are validated against the schema before the store sees them', async () => {
    const { clove } = await setup();
    const err = await clove.writeTuples(touch('document:d#view@user:ann')).catch((e) => e);
    expect(isAppError(err, 'write_to_permission')).toBe(true);
    const read = await clove.readTuples({ resourceType: 'document' });
    for await (const _ of read.items) expect.unreachable();
  });

  it('counts check outcomes in the metrics', async () => {
    const { clove, metrics } = await setup();
    await clove.writeTuples(touch('document:d#viewer@user:ann'));
    await clove.check(q('ann'), { consistency: { mode: 'fully_consistent' } });
    await clove.check(q('bob'));
    await clove.bulkCheck([q('ann'), { ...q('ann'), permission: 'nosuch' }], {
      consistency: { mode: 'fully_consistent' },
    });
    expect(metrics.checkOutcomes.get({ outcome: 'has_permission' })).toBe(2);
    expect(metrics.checkOutcomes.get({ outcome: 'no_permission' })).toBe(1);
    expect(metrics.checkOutcomes.get({ outcome: 'error' })).toBe(1);
    expect(metrics.storeDuration.count({ op: 'write' })).toBe(1);
  });

  it('a dry-run schema write stores nothing', async () => {
    const { clove } = await setup();
    const head = await clove.headZookie();
    const out = await clove.writeSchema(`${SCHEMA}definition folder {}\n`, { dryRun: true });
    expect(out).toMatchObject({ dryRun: true, zookie: head });
    expect((await clove.readSchema()).text).toBe(SCHEMA);
  });

  it('watch delivers committed changes after a zookie, with metadata', async () => {
    const { clove } = await setup();
    const start = await clove.headZookie();
    const w = await clove.writeTuples(touch('document:d#viewer@user:ann'), {
      metadata: { actor: 'me' },
    });
    const ctrl = new AbortController();
    for await (const m of await clove.watch({ afterZookie: start, signal: ctrl.signal })) {
      expect(m).toMatchObject({ zookie: w.zookie, checkpoint: false, metadata: { actor: 'me' } });
      expect(m.changes[0]?.op).toBe('touch');
      ctrl.abort();
    }
  });

  it('rejects a zookie of another store', async () => {
    const a = await setup();
    const b = await setup();
    const z = await a.clove.headZookie();
    const err = await b.clove
      .check(q('x'), { consistency: { mode: 'at_least_as_fresh', zookie: z } })
      .catch((e) => e);
    expect(isAppError(err, 'invalid_zookie')).toBe(true);
  });
});
