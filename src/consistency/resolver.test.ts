import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import { parseTuple } from '../model/index.ts';
import { createMemoryStore } from '../store/index.ts';
import { createRevisionResolver } from './resolver.ts';
import { encodeZookie } from './zookie.ts';

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: unknown) => (isAppError(e) ? e.code : 'not an AppError'),
  );
}

function setup(opts: { gcWindowMs?: number } = {}) {
  let now = Date.UTC(2030, 0, 1);
  const clock = () => now;
  const store = createMemoryStore({ clock, ...opts });
  const resolver = createRevisionResolver(store, { quantumMs: 5000, clock });
  let n = 0;
  const write = () =>
    store.write([{ op: 'create', tuple: parseTuple(`doc:d${n++}#viewer@user:a`) }]);
  const zookie = (revision: number) => encodeZookie({ revision, storeId: store.storeId });
  const advance = (ms: number) => {
    now += ms;
  };
  return { store, resolver, write, zookie, advance };
}

describe('createRevisionResolver', () => {
  it('fully_consistent reads the head', async () => {
    const { resolver, write } = setup();
    const r = await write();
    expect(await resolver.resolve({ mode: 'fully_consistent' })).toBe(r);
  });

  it('minimize_latency reuses one revision within a quantum, then moves on', async () => {
    const { resolver, write, advance } = setup();
    const r1 = await write();
    expect(await resolver.resolve({ mode: 'minimize_latency' })).toBe(r1);
    const r2 = await write();
    expect(await resolver.resolve({ mode: 'minimize_latency' })).toBe(r1);
    advance(5000);
    expect(await resolver.resolve({ mode: 'minimize_latency' })).toBe(r2);
  });

  it('minimize_latency callers in one window share one head read; a failed read is not reused', async () => {
    const { store, write } = setup();
    const r1 = await write();
    let reads = 0;
    let fail = false;
    const counted = Object.create(store, {
      headRevision: {
        value: () => {
          reads++;
          if (fail) throw new Error('store down');
          return store.headRevision();
        },
      },
    });
    let t = Date.UTC(2030, 0, 1);
    const resolver = createRevisionResolver(counted, { quantumMs: 5000, clock: () => t });
    const [a, b] = await Promise.all([
      resolver.resolve({ mode: 'minimize_latency' }),
      resolver.resolve({ mode: 'minimize_latency' }),
    ]);
    expect([a, b, reads]).toEqual([r1, r1, 1]);
    t += 5000;
    fail = true;
    // Even a head read that throws at once reaches the caller as a rejected promise.
    const failed = resolver.resolve({ mode: 'minimize_latency' });
    expect(failed).toBeInstanceOf(Promise);
    await expect(failed).rejects.toThrow('store down');
    fail = false;
    expect(await resolver.resolve({ mode: 'minimize_latency' })).toBe(r1);
    expect(reads).toBe(3);
  });

  it('at_least_as_fresh never goes below the zookie (the new-enemy guarantee)', async () => {
    const { resolver, write, zookie } = setup();
    const r1 = await write();
    expect(await resolver.resolve({ mode: 'minimize_latency' })).toBe(r1);
    const r2 = await write(); // e.g. "remove Bob from the ACL"
    // The cached recent revision is r1, but the caller's zookie from the write forces r2.
    expect(await resolver.resolve({ mode: 'at_least_as_fresh', zookie: zookie(r2) })).toBe(r2);
    // An older zookie is served at the (newer) recent revision.
    expect(await resolver.resolve({ mode: 'at_least_as_fresh', zookie: zookie(0) })).toBe(r1);
  });

  it('at_exact_snapshot returns exactly the zookie revision, checked against the window', async () => {
    const { resolver, write, zookie, advance } = setup({ gcWindowMs: 60_000 });
    const r1 = await write();
    await write();
    expect(await resolver.resolve({ mode: 'at_exact_snapshot', zookie: zookie(r1) })).toBe(r1);
    advance(61_000);
    await write();
    expect(await codeOf(resolver.resolve({ mode: 'at_exact_snapshot', zookie: zookie(r1) }))).toBe(
      'revision_expired',
    );
  });

  it('rejects zookies from the future, from another store and tampered ones', async () => {
    const { resolver, write, zookie } = setup();
    const r = await write();
    const future = zookie(r + 10);
    expect(await codeOf(resolver.resolve({ mode: 'at_exact_snapshot', zookie: future }))).toBe(
      'invalid_zookie',
    );
    expect(await codeOf(resolver.resolve({ mode: 'at_least_as_fresh', zookie: future }))).toBe(
      'invalid_zookie',
    );
    const foreign = encodeZookie({ revision: r, storeId: createMemoryStore().storeId });
    expect(await codeOf(resolver.resolve({ mode: 'at_least_as_fresh', zookie: foreign }))).toBe(
      'invalid_zookie',
    );
    const tampered = `${zookie(r).slice(0, -2)}AA`;
    expect(await codeOf(resolver.resolve({ mode: 'at_exact_snapshot', zookie: tampered }))).toBe(
      'invalid_zookie',
    );
  });
});
