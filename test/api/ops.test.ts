/** Operational routes: health, readiness, metrics, OpenAPI document, reference page, request ids. */
import { describe, expect, it } from 'vitest';
import { createClove } from '../../src/service/index.ts';
import { createMemoryStore } from '../../src/store/index.ts';
import { createHarness, KEYS, SCHEMA, type Body } from './harness.ts';

describe('operational routes', () => {
  it('/healthz and /readyz', async () => {
    const h = createHarness();
    expect(await (await h.app.request('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await h.app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as Body).store).toBe('memory');
  });

  it('/readyz → 503 unavailable when the store does not answer', async () => {
    const store = createMemoryStore();
    const down = Object.assign(Object.create(store), {
      headRevision: () => Promise.reject(new Error('connection refused')),
    });
    const h = createHarness({}, createClove({ store: down }));
    const res = await h.app.request('/readyz');
    expect(res.status).toBe(503);
    expect(((await res.json()) as Body).error.code).toBe('unavailable');
  });

  it('/metrics exposes latency per route, check outcomes, store latency and cache stats', async () => {
    const h = createHarness();
    await h.post('/v1/schema/write', { schema: SCHEMA });
    await h.post(
      '/v1/permissions/check',
      {
        resource: { objectType: 'document', objectId: 'd1' },
        permission: 'view',
        subject: { object: { objectType: 'user', objectId: 'ann' } },
      },
      KEYS.reader,
    );
    const res = await h.app.request('/metrics');
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain(
      'clove_http_request_duration_seconds_bucket{method="POST",route="/v1/permissions/check",status="200",le="0.005"}',
    );
    expect(text).toContain('clove_check_outcomes_total{outcome="no_permission"} 1');
    expect(text).toMatch(
      /clove_store_query_duration_seconds_count\{op="write_schema"|op="writeSchema"\}/,
    );
    expect(text).toContain('# TYPE clove_engine_cache_hit_ratio gauge');
  });

  it('/openapi.json is OpenAPI 3.1 with every v1 route and the error schema', async () => {
    const h = createHarness();
    const doc = (await (await h.app.request('/openapi.json')).json()) as Body;
    expect(doc.openapi).toBe('3.1.0');
    for (const path of [
      '/v1/permissions/check',
      '/v1/permissions/checkbulk',
      '/v1/permissions/expand',
      '/v1/permissions/resources',
      '/v1/permissions/subjects',
      '/v1/relationships/read',
      '/v1/relationships/write',
      '/v1/relationships/delete',
      '/v1/schema/read',
      '/v1/schema/write',
      '/v1/watch',
      '/clove/v1/permissions/of',
      '/clove/v1/relationships/import',
      '/clove/v1/relationships/export',
    ])
      expect(doc.paths[path]?.post, path).toBeTruthy();
    expect(doc.components.schemas.CheckPermissionRequest).toBeTruthy();
    expect(doc.components.schemas.Error).toBeTruthy();
    expect(doc.components.securitySchemes.bearerAuth.scheme).toBe('bearer');
  });

  it('/docs serves the API reference page', async () => {
    const h = createHarness();
    const res = await h.app.request('/docs');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('/openapi.json');
  });

  it('echoes a valid x-request-id and makes one otherwise', async () => {
    const h = createHarness();
    const given = await h.app.request('/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const made = await h.app.request('/healthz', {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
