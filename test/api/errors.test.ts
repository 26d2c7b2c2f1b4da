/**
 * Every error code maps to its status and the one body shape, through the real app and error
 * handler: a stub service throws each code from the check route. Unknown throws become a 500
 * `internal` whose body leaks nothing.
 */
import { describe, expect, it } from 'vitest';
import { HTTP_STATUS } from '../../src/api/http-errors.ts';
import { AppError, ERROR_CODES, type ErrorCode } from '../../src/errors.ts';
import type { Clove } from '../../src/service/index.ts';
import { createHarness, KEYS, type Body } from './harness.ts';

function throwingClove(make: () => unknown): Clove {
  const fail = async () => {
    throw make();
  };
  return new Proxy({} as Clove, {
    get: (_t, prop) => (prop === 'ready' ? async () => ({ ok: true, detail: 'stub' }) : fail),
  });
}

const CHECK = {
  resource: { objectType: 'document', objectId: 'd1' },
  permission: 'view',
  subject: { object: { objectType: 'user', objectId: 'ann' } },
};

describe('error mapping', () => {
  it.each(ERROR_CODES.map((c) => [c]))('%s → its status and body', async (code) => {
    const h = createHarness(
      {},
      throwingClove(() => new AppError(code as ErrorCode, `boom ${code}`, { details: { x: 1 } })),
    );
    const res = await h.post('/v1/permissions/check', CHECK, KEYS.reader);
    expect(res.status).toBe(HTTP_STATUS[code as ErrorCode]);
    expect(await res.json()).toEqual({
      error: { code, message: `boom ${code}`, details: { x: 1 } },
    });
  });

  it('the statuses used are the documented set', () => {
    expect(new Set(Object.values(HTTP_STATUS))).toEqual(
      new Set([400, 401, 403, 404, 409, 412, 413, 422, 500, 503, 504]),
    );
  });

  it('an unknown failure is a 500 internal without the message or stack', async () => {
    const h = createHarness(
      {},
      throwingClove(() => new Error('secret database password in here')),
    );
    const res = await h.post('/v1/permissions/check', CHECK, KEYS.reader);
    expect(res.status).toBe(500);
    const body = (await res.json()) as {
      error: { code: string; message: string; details: object };
    };
    expect(body.error.code).toBe('internal');
    expect(JSON.stringify(body)).not.toContain('secret');
    expect(JSON.stringify(body)).not.toContain('at ');
    expect(body.error.details).toHaveProperty('requestId');
  });

  it('unknown routes are not_found', async () => {
    const h = createHarness();
    const res = await h.post('/v1/nope', {});
    expect(res.status).toBe(404);
    expect(((await res.json()) as Body).error.code).toBe('not_found');
  });
});

describe('request validation', () => {
  const h = createHarness();
  it.each([
    ['malformed JSON', '{"resource": '],
    ['not an object', '[1,2]'],
    ['missing resource', { permission: 'view', subject: CHECK.subject }],
    ['bad object type', { ...CHECK, resource: { objectType: 'Doc!', objectId: 'd1' } }],
    ['bad permission name', { ...CHECK, permission: 'v' }],
    [
      'two consistency modes',
      { ...CHECK, consistency: { fullyConsistent: true, minimizeLatency: true } },
    ],
    ['wrong type', { ...CHECK, context: 'not an object' }],
  ])('%s → 400 invalid_request', async (_name, body) => {
    const res = await h.post('/v1/permissions/check', body, KEYS.reader);
    expect(res.status).toBe(400);
    const json = (await res.json()) as Body;
    expect(json.error.code).toBe('invalid_request');
    expect(typeof json.error.message).toBe('string');
  });

  it('names the failing field in details.issues', async () => {
    const res = await h.post('/v1/permissions/check', { ...CHECK, permission: 'v' }, KEYS.reader);
    const json = (await res.json()) as Body;
    expect(json.error.details.issues[0].path).toBe('permission');
  });

  it('a body over the limit → 413 payload_too_large', async () => {
    const small = createHarness({ CLOVE_BODY_LIMIT_BYTES: '2048' });
    const res = await small.post('/v1/schema/write', { schema: 'x'.repeat(5000) });
    expect(res.status).toBe(413);
    expect(((await res.json()) as Body).error.code).toBe('payload_too_large');
  });

  it('too many bulk items → 413 batch_too_large', async () => {
    const small = createHarness({ CLOVE_MAX_BULK_CHECK_ITEMS: '2' });
    const res = await small.post(
      '/v1/permissions/checkbulk',
      { items: [CHECK, CHECK, CHECK] },
      KEYS.reader,
    );
    expect(res.status).toBe(413);
    expect(((await res.json()) as Body).error.code).toBe('batch_too_large');
  });

  it('too many updates → 413 batch_too_large', async () => {
    const small = createHarness({ CLOVE_MAX_WRITE_OPS: '1' });
    const r = { resource: CHECK.resource, relation: 'viewer', subject: CHECK.subject };
    const res = await small.post('/v1/relationships/write', {
      updates: [
        { operation: 'OPERATION_TOUCH', relationship: r },
        { operation: 'OPERATION_DELETE', relationship: r },
      ],
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as Body).error.code).toBe('batch_too_large');
  });
});

describe('deadlines', () => {
  it('a request past its deadline → 504 deadline_exceeded', async () => {
    const slow = new Proxy({} as Clove, {
      get: () => () => new Promise(() => {}),
    });
    const h = createHarness({ CLOVE_REQUEST_TIMEOUT_MS: '50' }, slow);
    const res = await h.post('/v1/permissions/check', CHECK, KEYS.reader);
    expect(res.status).toBe(504);
    expect(((await res.json()) as Body).error.code).toBe('deadline_exceeded');
  });
});
