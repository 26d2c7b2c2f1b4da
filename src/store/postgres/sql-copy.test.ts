import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../errors.ts';
import { formatTuple, type Tuple } from '../../model/index.ts';
import {
  createTestDatabase,
  startTestPostgres,
  type TestPostgres,
} from '../../../test/support/postgres.ts';
import { openStore } from '../open-store.ts';
import type { TupleStore } from '../types.ts';
import { COPY_SEGMENT_ROWS, copyRow, copyText } from './sql-copy.ts';

const tuple = (rid: string, sid: string, extra: Partial<Tuple> = {}): Tuple => ({
  resource: { type: 'document', id: rid },
  relation: 'viewer',
  subject: { type: 'user', id: sid, relation: '...' },
  ...extra,
});

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: unknown) => (isAppError(e) ? e.code : String(e)),
  );
}

describe('COPY text encoding', () => {
  it('escapes backslash, tab, newline and carriage return, and writes null as \\N', () => {
    expect(copyText('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyText('\\N')).toBe('\\\\N');
    expect(copyText('plain')).toBe('plain');
    expect(copyText(null)).toBe('\\N');
    expect(copyText(undefined)).toBe('\\N');
    expect(copyText(1234)).toBe('1234');
  });

  it('writes nine tab-separated fields and one newline per tuple', () => {
    const row = copyRow(tuple('d\t1', 'u\n1', { caveat: { name: 'c', context: { s: 'x\ty' } } }));
    expect(row.endsWith('\n')).toBe(true);
    expect(row.slice(0, -1).split('\t')).toEqual([
      'document',
      'd\\t1',
      'viewer',
      'user',
      'u\\n1',
      '...',
      'c',
      '{"s":"x\\\\ty"}',
      '\\N',
    ]);
  });
});

describe('Postgres COPY import', () => {
  let server: TestPostgres;
  let store: TupleStore;
  beforeAll(async () => {
    server = await startTestPostgres();
    store = await openStore(await createTestDatabase(server.url), { autoMigrate: true });
  });
  afterAll(async () => {
    await store?.close();
    await server?.stop();
  });

  it('round-trips ids and caveat contexts with COPY-special characters exactly', async () => {
    const odd = [
      tuple('tab\there', 'nl\nthere'),
      tuple('back\\slash', 'cr\rthere'),
      tuple('\\N', 'NULL'),
      tuple('ctx', 'u1', {
        caveat: { name: 'ip', context: { s: 'a\\b\t"c"\nd', n: [1, 2.5, null], e: '' } },
      }),
      tuple('exp', 'u1', { expiresAt: Date.now() + 3_600_000 }),
    ];
    const { revision, imported } = await store.bulkImport(odd);
    expect(imported).toBe(odd.length);
    const got = await store.snapshot(revision).query({ resourceType: 'document' });
    const byText = (ts: readonly Tuple[]) =>
      [...ts].sort((a, b) => formatTuple(a).localeCompare(formatTuple(b)));
    expect(byText(got)).toEqual(byText(odd));
  });

  it('rejects a tuple repeated across COPY segments and leaves nothing behind', async () => {
    const head = await store.headRevision();
    function* gen() {
      for (let i = 0; i < COPY_SEGMENT_ROWS + 1; i++) yield tuple(`seg${i}`, 'u');
      yield tuple('seg0', 'u');
    }
    expect(await codeOf(store.bulkImport(gen()))).toBe('duplicate_tuple_in_batch');
    expect(await store.headRevision()).toBe(head);
    expect(
      await store.snapshot(head).query({ resourceType: 'document', resourceIds: ['seg0'] }),
    ).toEqual([]);
  }, 120_000);

  it('aborts the COPY when the source fails mid-stream, and the store keeps working', async () => {
    const head = await store.headRevision();
    async function* failing() {
      yield tuple('f1', 'u');
      yield tuple('f2', 'u');
      throw new Error('source broke');
    }
    expect(await codeOf(store.bulkImport(failing()))).toBe('internal'); // the store maps a foreign error to `internal`
    expect(await codeOf(store.bulkImport([tuple('f1', 'u'), tuple('nul\0id', 'u')]))).toBe(
      'invalid_tuple',
    );
    expect(await store.headRevision()).toBe(head);
    const progress: number[] = [];
    const { revision } = await store.bulkImport([tuple('f1', 'u')], {
      onProgress: (k) => progress.push(k),
    });
    expect(progress).toEqual([1]);
    expect(
      await store.snapshot(revision).query({ resourceType: 'document', resourceIds: ['f1', 'f2'] }),
    ).toHaveLength(1);
  });
});
