/** Bearer keys and roles: 401 without a valid key, 403 when the role is too low. */
import { describe, expect, it } from 'vitest';
import { assertSafeBinding, isLoopbackHost, loadConfig, parseKeys } from '../../src/config.ts';
import { isAppError } from '../../src/errors.ts';
import { createHarness, KEYS, SCHEMA, type Body } from './harness.ts';

const CHECK = {
  resource: { objectType: 'document', objectId: 'd1' },
  permission: 'view',
  subject: { object: { objectType: 'user', objectId: 'ann' } },
};
const WRITE = {
  updates: [
    {
      operation: 'OPERATION_TOUCH',
      relationship: { resource: CHECK.resource, relation: 'viewer', subject: CHECK.subject },
    },
  ],
};

describe('authentication', () => {
  const h = createHarness();

  it.each([
    ['no header', null],
    ['wrong key', 'not-a-configured-key-000'],
  ])('%s → 401 unauthenticated', async (_n, key) => {
    const res = await h.post('/v1/permissions/check', CHECK, key);
    expect(res.status).toBe(401);
    expect(((await res.json()) as Body).error.code).toBe('unauthenticated');
  });

  it('a non-bearer scheme → 401', async () => {
    const res = await h.app.request('/v1/schema/read', {
      method: 'POST',
      headers: { authorization: `Basic ${KEYS.admin}` },
      body: '{}',
    });
    expect(res.status).toBe(401);
  });

  it.each([
    ['reader', '/v1/relationships/write', WRITE, 403],
    ['reader', '/v1/schema/write', { schema: SCHEMA }, 403],
    ['writer', '/v1/schema/write', { schema: SCHEMA }, 403],
    [
      'reader',
      '/v1/relationships/delete',
      { relationshipFilter: { resourceType: 'document' } },
      403,
    ],
  ] as const)('%s on %s → %i permission_denied', async (role, path, body, status) => {
    const res = await h.post(path, body, KEYS[role]);
    expect(res.status).toBe(status);
    const json = (await res.json()) as Body;
    expect(json.error.code).toBe('permission_denied');
    expect(json.error.details).toEqual({ required: expect.any(String), role });
  });

  it('roles are cumulative: admin writes schema, writer writes tuples, reader checks', async () => {
    expect((await h.post('/v1/schema/write', { schema: SCHEMA }, KEYS.admin)).status).toBe(200);
    expect((await h.post('/v1/relationships/write', WRITE, KEYS.writer)).status).toBe(200);
    expect((await h.post('/v1/relationships/write', WRITE, KEYS.admin)).status).toBe(200);
    expect((await h.post('/v1/permissions/check', CHECK, KEYS.reader)).status).toBe(200);
  });

  it('operational routes need no key', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json'])
      expect((await h.app.request(path)).status).toBe(200);
  });
});

describe('key configuration', () => {
  it('parses id:role:secret and keeps only a hash', () => {
    const [k] = parseKeys(['ci:writer:0123456789abcdef']);
    expect(k?.id).toBe('ci');
    expect(k?.role).toBe('writer');
    expect(JSON.stringify(k)).not.toContain('0123456789abcdef');
  });

  it.each([
    ['no role', 'ci:0123456789abcdef'],
    ['bad role', 'ci:root:0123456789abcdef'],
    ['short secret', 'ci:reader:short'],
  ])('%s → invalid_config without echoing the secret', (_n, spec) => {
    try {
      parseKeys([spec]);
      expect.unreachable();
    } catch (err) {
      expect(isAppError(err, 'invalid_config')).toBe(true);
      expect(String((err as Error).message)).not.toContain('0123456789abcdef');
    }
  });

  it('duplicate ids are refused', () => {
    expect(() => parseKeys(['a:reader:0123456789abcdef', 'a:admin:0123456789abcdefg'])).toThrow(
      /twice/,
    );
  });

  it('without keys the server refuses non-loopback addresses', () => {
    expect(() => assertSafeBinding({ host: '0.0.0.0', keys: [] })).toThrow(/refusing to listen/);
    expect(() => assertSafeBinding({ host: '127.0.0.1', keys: [] })).not.toThrow();
    expect(() =>
      assertSafeBinding({ host: '0.0.0.0', keys: parseKeys(['a:admin:0123456789abcdef']) }),
    ).not.toThrow();
  });

  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['[::1]', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['10.0.0.5', false],
    ['::', false],
  ])('isLoopbackHost(%s) = %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });

  it('flags override the environment, which overrides defaults', () => {
    const c = loadConfig(
      { port: '9000' },
      { PORT: '7000', HOST: '::1', DATABASE_URL: 'postgres://x/y' },
    );
    expect(c.port).toBe(9000);
    expect(c.host).toBe('::1');
    expect(c.store).toBe('postgres://x/y');
    const d = loadConfig({}, {});
    expect([d.port, d.host, d.store]).toEqual([8080, '127.0.0.1', './.clove']);
  });

  it('bad settings → invalid_config naming them', () => {
    expect(() => loadConfig({}, { PORT: 'eighty' })).toThrow(/port/);
  });
});
