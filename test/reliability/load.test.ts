/**
 * A short CI load run (see load-runner.ts): 99% checks / 1% writes from this process against the
 * server child on loopback for 20 s (`CLOVE_LOAD_SECONDS` overrides). Asserts zero errors and no
 * wrong answers, and that RSS and open file descriptors stay flat after warm-up, with generous
 * bounds (the machine is shared; no timing assertions). The long soak is `bench/soak.ts`.
 */
import { describe, expect, it } from 'vitest';
import { formatLoadReport, runLoad } from './load-runner.ts';

describe('mixed load', () => {
  it('99% checks / 1% writes: zero errors, flat memory and descriptors', async () => {
    const seconds = Number(process.env.CLOVE_LOAD_SECONDS ?? 20);
    const r = await runLoad({ seconds, connections: 16 });
    console.log(`[load]\n${formatLoadReport(r)}`);
    expect(r.firstErrors).toEqual([]);
    expect(r.errors).toBe(0);
    expect(r.requests).toBeGreaterThan(0);
    expect(r.writes).toBeGreaterThan(0);
    // Bounded caches: memory after warm-up may wobble with GC, not climb without bound.
    expect(r.rssEndMb).toBeLessThan(r.rssWarmMb * 1.5 + 64);
    // Keep-alive sockets are reused: no descriptor or connection growth.
    expect(r.fdsEnd).toBeLessThanOrEqual(r.fdsWarm + 16);
    expect(r.fdsMax).toBeLessThan(r.fdsWarm + 64);
  }, 300_000);
});
