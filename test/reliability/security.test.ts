/**
 * Security properties of the API: every route enforces its role (a table over no key, wrong key,
 * reader, writer, admin); keys are compared in constant time (every configured key is compared,
 * digests of equal length whatever the presented secret); keys never reach the logs; and error
 * bodies never echo secrets or stack traces.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { authenticate } from '../../src/api/auth.ts';
import { loadConfig, ROLES, type Role } from '../../src/config.ts';
import { AppError } from '../../src/errors.ts';
import { type Clove, createClove, createLogger, createMetrics } from '../../src/service/index.ts';
import { createMemoryStore } from '../../src/store/index.ts';
import { createHarness, KEYS, SCHEMA, touch } from '../api/harness.ts';
import { ROUTE_ROLES, ROUTES, VALID } from './routes.ts';

const compared = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return {
    ...real,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      compared.count++;
      return real.timingSafeEqual(a, b);
    },
  };
});

/** Sends `path`'s valid body with `key`; a 200 stream is drained (watch: cancelled). */
async function call(
  h: ReturnType<typeof createHarness>,
  path: string,
  key: string | null,
): Promise<{ status: number; text: string }> {
  const base = VALID[path];
  const res = await h.post(path, typeof base === 'string' ? base : JSON.stringify(base), key);
  if (res.status === 200 && path === '/v1/watch') {
    await res.body?.cancel();
    return { status: 200, text: '' };
  }
  return { status: res.status, text: await res.text() };
}

describe('every route enforces its role', () => {
  const h = createHarness();
  beforeAll(async () => {
    expect((await h.post('/v1/schema/write', { schema: SCHEMA })).status).toBe(200);
    expect(
      (await h.post('/v1/relationships/write', touch('document:d1#viewer@user:ann'))).status,
    ).toBe(200);
  });

  it('the table covers every POST route the app serves', () => {
    const served = h.app.routes
      .filter((r) => r.method === 'POST')
      .map((r) => r.path)
      .sort();
    expect([...new Set(served)]).toEqual([...ROUTES].sort());
  });

  const cases: [string, string, string | null, 'ok' | 401 | 403][] = [];
  for (const path of ROUTES) {
    const need = ROUTE_ROLES[path] as Role;
    cases.push([path, 'no key', null, 401]);
    cases.push([path, 'wrong key', 'wrong-secret-0123456789abc', 401]);
    cases.push([path, 'a key differing in one character', `${KEYS.admin.slice(0, -1)}X`, 401]);
    for (const role of ROLES)
      cases.push([
        path,
        role,
        KEYS[role as keyof typeof KEYS],
        ROLES.indexOf(role) >= ROLES.indexOf(need) ? 'ok' : 403,
      ]);
  }

  it.each(cases)('%s with %s → %s', async (path, _who, key, expected) => {
    const { status, text } = await call(h, path, key);
    if (expected === 'ok') {
      expect(status).not.toBe(401);
      expect(status).not.toBe(403);
      expect(status).toBeLessThan(500);
    } else {
      expect(status).toBe(expected);
      const code = (JSON.parse(text) as { error: { code: string } }).error.code;
      expect(code).toBe(expected === 401 ? 'unauthenticated' : 'permission_denied');
    }
  });
});

describe('key comparison', () => {
  const config = loadConfig(
    {},
    { CLOVE_KEYS: `a:admin:${KEYS.admin},w:writer:${KEYS.writer},r:reader:${KEYS.reader}` },
  );

  it.each([
    ['the first key', KEYS.admin],
    ['the last key', KEYS.reader],
    ['no key', 'not-configured-secret-000'],
    ['a 1-char secret', 'x'],
    ['a 10 kB secret', 'y'.repeat(10_000)],
  ])('%s: every configured key is compared, over equal-length digests', (_n, secret) => {
    compared.count = 0;
    try {
      authenticate(config.keys, `Bearer ${secret}`);
    } catch (err) {
      expect((err as AppError).code).toBe('unauthenticated');
    }
    // No early exit on a match, and no length check that would leak the secret's length:
    // timingSafeEqual throws on unequal lengths, so reaching here means equal-length digests.
    expect(compared.count).toBe(config.keys.length);
  });

  it('the configuration keeps only digests of the secrets', () => {
    const dump = JSON.stringify(config, (_k, v) =>
      Buffer.isBuffer(v) || v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
    );
    for (const secret of Object.values(KEYS)) expect(dump).not.toContain(secret);
  });
});

describe('secrets never reach logs or error bodies', () => {
  function appWith(clove: Clove | undefined) {
    const lines: string[] = [];
    const logger = createLogger('debug', (line) => lines.push(line));
    const config = loadConfig(
      {},
      {
        CLOVE_KEYS: `a:admin:${KEYS.admin},w:writer:${KEYS.writer},r:reader:${KEYS.reader}`,
        CLOVE_QUANTUM_MS: '0',
      },
    );
    const metrics = createMetrics();
    const service = clove ?? createClove({ store: createMemoryStore(), quantumMs: 0, metrics });
    const app = createApp({ clove: service, config, metrics, logger });
    const post = (path: string, body: string, key: string) =>
      app.request(path, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body,
      });
    return { app, lines, post };
  }

  it('requests with good, bad and low-role keys log key ids only', async () => {
    const { post, lines } = appWith(undefined);
    const bad = 'leaked-looking-secret-0000000';
    await post('/v1/schema/write', JSON.stringify({ schema: SCHEMA }), KEYS.admin);
    for (const path of ROUTES)
      for (const key of [KEYS.reader, KEYS.writer, bad]) {
        const base = VALID[path];
        const res = await post(path, typeof base === 'string' ? base : JSON.stringify(base), key);
        if (path === '/v1/watch' && res.status === 200) await res.body?.cancel();
        else {
          const text = await res.text();
          for (const secret of [...Object.values(KEYS), bad]) expect(text).not.toContain(secret);
        }
      }
    const log = lines.join('');
    expect(log).toContain('"keyId":"r"');
    for (const secret of [...Object.values(KEYS), bad]) expect(log).not.toContain(secret);
  });

  it('an unexpected failure answers 500 internal with no message, stack or secret; the log has the stack', async () => {
    const leaky = new Proxy({} as Clove, {
      get: () => async () => {
        const err = new Error(`connect failed: postgres://clove:${KEYS.admin}@db/clove`);
        throw err;
      },
    });
    const { post, lines } = appWith(leaky);
    const res = await post(
      '/v1/permissions/check',
      JSON.stringify(VALID['/v1/permissions/check']),
      KEYS.reader,
    );
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain(KEYS.admin);
    expect(text).not.toContain('postgres://');
    expect(text).not.toMatch(/\bat .*\.ts:\d+/);
    const body = JSON.parse(text) as { error: { code: string; message: string; details: object } };
    expect(body.error).toEqual({
      code: 'internal',
      message: 'internal error',
      details: { requestId: expect.any(String) },
    });
    // The operator gets the cause under the same request id.
    expect(lines.join('')).toContain((body.error.details as { requestId: string }).requestId);
  });

  it('a store error with a connection string reaches the client as a typed error without it', async () => {
    const failing = new Proxy({} as Clove, {
      get: () => async () => {
        throw new AppError('unavailable', 'the store is unreachable', {
          cause: new Error(`password authentication failed for ${KEYS.admin}`),
        });
      },
    });
    const { post } = appWith(failing);
    const res = await post(
      '/v1/permissions/check',
      JSON.stringify(VALID['/v1/permissions/check']),
      KEYS.reader,
    );
    expect(res.status).toBe(503);
    expect(await res.text()).not.toContain(KEYS.admin);
  });
});
