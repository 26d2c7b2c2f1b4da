import { describe, expect, it } from 'vitest';
import type { Tuple } from '../model/index.ts';
import { createMemoryStore, type TupleStore } from '../store/index.ts';
import { rememberHeadRevision } from './head-cache.ts';

const tuple = (id: string) =>
  ({
    resource: { type: 'document', id },
    relation: 'viewer',
    subject: { type: 'user', id: 'u', relation: '...' },
  }) as Tuple;

/** Counts the store's head reads. */
function counting(store: TupleStore): { store: TupleStore; reads: () => number } {
  let n = 0;
  const head = store.headRevision.bind(store);
  store.headRevision = async () => {
    n++;
    return head();
  };
  return { store, reads: () => n };
}

describe('rememberHeadRevision', () => {
  it('answers the head from memory until a write, then reads it again and sees the write', async () => {
    const { store, reads } = counting(createMemoryStore());
    const s = rememberHeadRevision(store);
    const first = await s.headRevision();
    expect(await s.headRevision()).toBe(first);
    expect(reads()).toBe(1);
    const written = await s.write([{ op: 'touch', tuple: tuple('a') }]);
    expect(await s.headRevision()).toBe(written);
    expect(written).toBeGreaterThan(first);
    expect(reads()).toBe(2);
  });

  it('does not remember a head read that overlapped a write', async () => {
    const { store, reads } = counting(createMemoryStore());
    const s = rememberHeadRevision(store);
    const [during] = await Promise.all([
      s.headRevision(),
      s.write([{ op: 'touch', tuple: tuple('b') }]),
    ]);
    const after = await s.headRevision();
    expect(after).toBeGreaterThanOrEqual(during);
    expect(reads()).toBe(2);
    expect(await s.headRevision()).toBe(after);
  });

  it('forwards everything else to the store', async () => {
    const store = createMemoryStore();
    const s = rememberHeadRevision(store);
    expect(s.kind).toBe('memory');
    expect(s.storeId).toBe(store.storeId);
    const rev = await s.write([{ op: 'touch', tuple: tuple('c') }]);
    expect(await s.snapshot(rev).query({ resourceType: 'document' } as never)).toHaveLength(1);
  });

  it('leaves a Postgres store alone (other servers may write it)', () => {
    const pg = { kind: 'postgres' } as TupleStore;
    expect(rememberHeadRevision(pg)).toBe(pg);
  });
});
