import { describe, expect, it } from 'vitest';
import { parseTuple } from '../../src/model/index.ts';
import { createMemoryStore, scheduleGc } from '../../src/store/index.ts';

describe('scheduleGc', () => {
  it('collects periodically until stopped', async () => {
    let now = Date.UTC(2030, 0, 1);
    const store = createMemoryStore({ gcWindowMs: 1000, clock: () => now });
    const t = parseTuple('document:d#viewer@user:a');
    await store.write([{ op: 'create', tuple: t }]);
    await store.write([{ op: 'delete', tuple: t }]);
    now += 5000;
    await store.write([{ op: 'create', tuple: parseTuple('document:d#viewer@user:b') }]);
    const results: number[] = [];
    const gc = scheduleGc(store, { intervalMs: 5, onResult: (r) => results.push(r.tuplesRemoved) });
    while (results.length < 2) await new Promise((r) => setTimeout(r, 5));
    await gc.stop();
    expect(results[0]).toBe(1);
    expect(results[1]).toBe(0);
  });
});
