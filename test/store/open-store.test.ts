import { describe, expect, it } from 'vitest';
import { AppError, isAppError } from '../../src/errors.ts';
import { openStore, parseStoreSpec } from '../../src/store/index.ts';
import { toStoreError } from '../../src/store/postgres/driver.ts';

describe('parseStoreSpec', () => {
  it.each([
    ['memory', { kind: 'memory' }],
    ['postgres://u@h:5432/db', { kind: 'postgres', url: 'postgres://u@h:5432/db' }],
    ['postgresql://h/db', { kind: 'postgres', url: 'postgresql://h/db' }],
    ['./data', { kind: 'pglite', dataDir: './data' }],
    ['/var/lib/clove', { kind: 'pglite', dataDir: '/var/lib/clove' }],
  ])('%s', (spec, expected) => {
    expect(parseStoreSpec(spec)).toEqual(expected);
  });

  it('rejects an empty spec', () => {
    expect(() => parseStoreSpec('  ')).toThrow(/empty store spec/);
  });

  it('opens a memory store', async () => {
    const s = await openStore('memory', { maxBatchSize: 2 });
    expect(s.kind).toBe('memory');
    await s.close();
  });
});

describe('toStoreError', () => {
  it('passes AppErrors through', () => {
    const e = new AppError('precondition_failed', 'x');
    expect(toStoreError(e)).toBe(e);
  });

  it.each([
    [Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'unavailable'],
    [{ cause: Object.assign(new Error('admin shutdown'), { code: '57P01' }) }, 'unavailable'],
    [Object.assign(new Error('syntax'), { code: '42601' }), 'internal'],
    ['weird', 'internal'],
  ])('maps %o to %s', (err, code) => {
    const out = toStoreError(err);
    expect(isAppError(out, code as 'unavailable' | 'internal')).toBe(true);
  });
});
