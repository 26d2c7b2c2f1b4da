import { describe, expect, it } from 'vitest';
import type { Tuple } from '../model/index.ts';
import type { SnapshotReader, TupleQuery, TupleStore } from '../store/index.ts';
import { createMetrics } from './metrics.ts';
import { instrumentStore } from './store-metrics.ts';

const TUPLE = {
  resource: { type: 'document', id: 'd' },
  relation: 'viewer',
  subject: { type: 'user', id: 'u', relation: '...' },
} as Tuple;

/** A store whose snapshots answer `query` and, when asked, `querySync` and `queryOrdered` too. */
function fakeStore(sync: boolean, ordered = false, multi = false): TupleStore {
  const reader: SnapshotReader = {
    revision: 7,
    now: 1000,
    query: async () => [TUPLE],
    ...(sync ? { querySync: () => [TUPLE] } : {}),
    ...(ordered ? { queryOrdered: async () => [TUPLE] } : {}),
    ...(multi
      ? {
          queryMany: async (qs: readonly TupleQuery[]) => qs.map(() => [TUPLE]),
          queryClosure: async () => ({ expanded: ['d'], tuples: [TUPLE] }),
        }
      : {}),
  };
  const unused = async () => {
    throw new Error('not used here');
  };
  const store: Record<string, unknown> = { kind: 'memory', storeId: 's', snapshot: () => reader };
  for (const op of ['headRevision', 'checkRevision', 'write', 'deleteByFilter', 'read'])
    store[op] = unused;
  for (const op of ['bulkImport', 'readSchema', 'writeSchema', 'gc']) store[op] = unused;
  return store as unknown as TupleStore;
}

const QUERY = { resourceType: 'document' } as unknown as TupleQuery;

describe('instrumentStore', () => {
  it('keeps a synchronous querySync and times it as op "query"', async () => {
    const metrics = createMetrics();
    const reader = instrumentStore(fakeStore(true), metrics).snapshot(7);
    expect(reader.revision).toBe(7);
    expect(reader.now).toBe(1000);
    expect(reader.querySync?.(QUERY)).toEqual([TUPLE]);
    expect(await reader.query(QUERY)).toEqual([TUPLE]);
    expect(metrics.storeDuration.count({ op: 'query' })).toBe(2);
  });

  it('offers no querySync or queryOrdered when the store has none', () => {
    const reader = instrumentStore(fakeStore(false), createMetrics()).snapshot(7);
    expect('querySync' in reader).toBe(false);
    expect('queryOrdered' in reader).toBe(false);
    expect('queryMany' in reader).toBe(false);
    expect('queryClosure' in reader).toBe(false);
  });

  it('keeps queryMany and queryClosure and times each call as one op "query"', async () => {
    const metrics = createMetrics();
    const reader = instrumentStore(fakeStore(false, true, true), metrics).snapshot(7);
    expect(await reader.queryMany?.([QUERY, QUERY])).toEqual([[TUPLE], [TUPLE]]);
    expect(
      await reader.queryClosure?.({
        resourceType: 'group',
        relation: 'member',
        resourceIds: ['d'],
      }),
    ).toEqual({ expanded: ['d'], tuples: [TUPLE] });
    expect(metrics.storeDuration.count({ op: 'query' })).toBe(2);
  });

  it.each([
    [false, true],
    [true, true],
  ])('keeps queryOrdered (sync %s) and times it', async (sync, ordered) => {
    const metrics = createMetrics();
    const reader = instrumentStore(fakeStore(sync, ordered), metrics).snapshot(7);
    expect(typeof reader.querySync === 'function').toBe(sync);
    expect(await reader.queryOrdered?.(QUERY, { limit: 10 })).toEqual([TUPLE]);
    expect(metrics.storeDuration.count({ op: 'query' })).toBe(1);
  });
});
