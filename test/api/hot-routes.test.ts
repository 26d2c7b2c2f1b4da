/**
 * The node front of check and checkbulk (`src/api/hot-routes.ts`) against the hono path: two
 * servers on real sockets over one service, one app with the front and one without, get the same
 * requests (valid, invalid, unauthenticated, oversized, chunked, duplicated headers) and must
 * answer with the same status, headers (but `Date`) and bytes, count the same metric series and
 * write the same access log lines.
 */
import { type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fc, test } from '@fast-check/vitest';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { type Clove, createClove, createLogger, createMetrics } from '../../src/service/index.ts';
import { createMemoryStore } from '../../src/store/index.ts';
import { KEYS, SCHEMA, type rel, touch } from './harness.ts';

type Server = ReturnType<typeof serve>;

interface Side {
  server: Server;
  port: number;
  metrics: ReturnType<typeof createMetrics>;
  logs: string[];
}

interface Answer {
  status: number;
  headers: string[];
  body: string;
}

let clove: Clove;
let config: Config;
let front: Side;
let plain: Side;
let zookie: string;

async function start(nodeFront: boolean): Promise<Side> {
  const metrics = createMetrics();
  const logs: string[] = [];
  const logger = createLogger('info', (line) => logs.push(line));
  const app = createApp({ clove, config, metrics, logger }, { nodeFront });
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  return { server, port: (server.address() as AddressInfo).port, metrics, logs };
}

function stop(s: Side): Promise<void> {
  return new Promise((resolve) => s.server.close(() => resolve()));
}

interface Req {
  path: string;
  body: string;
  headers: Record<string, string | string[]>;
  /** Send without a content-length (chunked transfer encoding). */
  chunked?: boolean;
}

function send(port: number, r: Req): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: IncomingHttpHeaders = { ...r.headers };
    if (!r.chunked) headers['content-length'] = String(Buffer.byteLength(r.body));
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: r.path, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw: string[] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2)
            if (res.rawHeaders[i]?.toLowerCase() !== 'date')
              raw.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
          resolve({
            status: res.statusCode ?? 0,
            headers: raw,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (r.chunked) {
      // Two writes: node then sends the body chunked.
      req.write(r.body.slice(0, 3));
      req.end(r.body.slice(3));
    } else req.end(r.body);
  });
}

/** Both servers' answers to `r`. */
async function both(r: Req): Promise<[Answer, Answer]> {
  return [await send(front.port, r), await send(plain.port, r)];
}

const UUID = /^x-request-id: [0-9a-f-]{36}$/;

/** Answers with a made-up request id: compare with the ids replaced. */
function withoutMadeIds(a: Answer): Answer {
  const ids = a.headers.filter((h) => UUID.test(h)).map((h) => h.slice('x-request-id: '.length));
  let body = a.body;
  for (const id of ids) body = body.replaceAll(id, '<id>');
  return { ...a, headers: a.headers.map((h) => (UUID.test(h) ? 'x-request-id: <id>' : h)), body };
}

beforeAll(async () => {
  config = loadConfig(
    {},
    {
      CLOVE_KEYS: `r:reader:${KEYS.reader},w:writer:${KEYS.writer},a:admin:${KEYS.admin}`,
      CLOVE_QUANTUM_MS: '0',
      CLOVE_BODY_LIMIT_BYTES: '4096',
      CLOVE_MAX_BULK_CHECK_ITEMS: '4',
    },
  );
  clove = createClove({ store: createMemoryStore(), quantumMs: 0 });
  await clove.writeSchema(SCHEMA);
  const w = touch(
    'document:a#viewer@user:ann',
    'document:a#owner@user:bob',
    'document:b#viewer@group:eng#member',
    'group:eng#member@user:cat',
    'document:c#viewer@user:*',
    'document:c#banned@user:dan',
  );
  const { zookie: z } = await clove.writeTuples(
    w.updates.map((u) => ({ op: 'touch' as const, tuple: toTuple(u.relationship) })),
  );
  zookie = z;
  front = await start(true);
  plain = await start(false);
});

afterAll(async () => {
  await stop(front);
  await stop(plain);
});

function toTuple(r: ReturnType<typeof rel>) {
  return {
    resource: { type: r.resource.objectType, id: r.resource.objectId },
    relation: r.relation,
    subject: {
      type: r.subject.object.objectType,
      id: r.subject.object.objectId,
      relation: r.subject.optionalRelation ?? '...',
    },
  };
}

const objectId = fc.constantFrom('a', 'b', 'c', 'zz', '*', 'bad id', '');
const userId = fc.constantFrom('ann', 'bob', 'cat', 'dan', 'eve', '*');
const permission = fc.constantFrom('view', 'edit', 'viewer', 'banned', 'nope', 'BAD', '');
const consistency = fc.option(
  fc.oneof(
    fc.constant({ minimizeLatency: true }),
    fc.constant({ fullyConsistent: true }),
    fc.constant({ fullyConsistent: false }),
    fc.constant({ atLeastAsFresh: { token: '<zookie>' } }),
    fc.constant({ atExactSnapshot: { token: '<zookie>' } }),
    fc.constant({ atLeastAsFresh: { token: 'not-a-zookie' } }),
    fc.constant({ minimizeLatency: true, fullyConsistent: true }),
    fc.constant('fast'),
  ),
  { nil: undefined },
);
const subject = fc.oneof(
  userId.map((id) => ({ object: { objectType: 'user', objectId: id } })),
  fc.constant({ object: { objectType: 'group', objectId: 'eng' }, optionalRelation: 'member' }),
  fc.constant({ object: { objectType: 'user', objectId: 'ann' }, optionalRelation: '' }),
  fc.constant({ object: { object_type: 'user', object_id: 'ann' } }),
  fc.constant({ object: { objectType: 'nope', objectId: 'x' } }),
);
const item = fc.record(
  {
    resource: objectId.map((id) => ({ objectType: 'document', objectId: id })),
    permission,
    subject,
    context: fc.constantFrom({ ip: '10.0.0.1' }, { a_b: 1 }, 'ctx'),
    extra: fc.constantFrom(1, 'x'),
    with_tracing: fc.boolean(),
  },
  { requiredKeys: ['resource', 'permission', 'subject'] },
);
const checkBody = fc
  .tuple(item, consistency, fc.option(fc.boolean(), { nil: undefined }))
  .map(([i, c, explain]) => ({
    ...(c === undefined ? {} : { consistency: c }),
    ...i,
    ...(explain === undefined ? {} : { explain }),
  }));
// Items of only the three fields too, so that whole bulk bodies often take the front's scan.
const plainItem = fc.record({
  resource: objectId.map((id) => ({ objectType: 'document', objectId: id })),
  permission,
  subject,
});
const bulkBody = fc
  .tuple(fc.array(fc.oneof(item, plainItem, plainItem), { maxLength: 6 }), consistency)
  .map(([items, c]) => ({ ...(c === undefined ? {} : { consistency: c }), items }));
const text = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('', '  ', 'not json', '[]', 'null', '{"items":7}') },
  { weight: 1, arbitrary: fc.json() },
  { weight: 1, arbitrary: fc.constant(`{"x":"${'y'.repeat(5000)}"}`) },
  { weight: 1, arbitrary: fc.constant(`${'['.repeat(80)}${']'.repeat(80)}`) },
);
const auth = fc.constantFrom<(string | string[])[]>(
  [`Bearer ${KEYS.reader}`],
  [`Bearer ${KEYS.admin}`],
  [],
  ['Bearer wrong-secret-000000000'],
  ['Basic abc'],
  [`Bearer ${KEYS.reader}`, `Bearer ${KEYS.admin}`],
);
const requestId = fc.constantFrom<string | undefined>('req-1', 'bad id!', undefined);

const requestArb = fc
  .record({
    bulk: fc.boolean(),
    check: checkBody,
    checkBulk: bulkBody,
    text,
    auth,
    requestId,
    chunked: fc.boolean(),
    query: fc.constantFrom('', '', '', '?x=1'),
  })
  .map((r): Req => {
    const json = JSON.stringify(r.bulk ? r.checkBulk : r.check).replaceAll('<zookie>', zookie);
    const headers: Record<string, string | string[]> = { 'content-type': 'application/json' };
    if (r.auth.length === 1) headers.authorization = r.auth[0] as string;
    else if (r.auth.length > 1) headers.authorization = r.auth as string[];
    if (r.requestId !== undefined) headers['x-request-id'] = r.requestId;
    return {
      path: `/v1/permissions/${r.bulk ? 'checkbulk' : 'check'}${r.query}`,
      body: r.text ?? json,
      headers,
      chunked: r.chunked && r.text === undefined,
    };
  });

describe('hot routes through the node front', () => {
  it('answers a check exactly as the hono route does', async () => {
    const r: Req = {
      path: '/v1/permissions/check',
      body: JSON.stringify({
        resource: { objectType: 'document', objectId: 'a' },
        permission: 'view',
        subject: { object: { objectType: 'user', objectId: 'ann' } },
      }),
      headers: { authorization: `Bearer ${KEYS.reader}`, 'x-request-id': 'given-1' },
    };
    const [a, b] = await both(r);
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body).permissionship).toBe('PERMISSIONSHIP_HAS_PERMISSION');
    expect(a).toEqual(b);
  });

  it('answers a check with explain and a conditional-free denial exactly as hono', async () => {
    const [a, b] = await both({
      path: '/v1/permissions/check',
      body: JSON.stringify({
        consistency: { fullyConsistent: true },
        resource: { objectType: 'document', objectId: 'c' },
        permission: 'view',
        subject: { object: { objectType: 'user', objectId: 'dan' } },
        explain: true,
      }),
      headers: { authorization: `Bearer ${KEYS.reader}`, 'x-request-id': 'given-2' },
    });
    expect(JSON.parse(a.body)).toHaveProperty('explanation');
    expect(a).toEqual(b);
  });

  it('waits for a body that arrives after its headers, in pieces', async () => {
    const body = JSON.stringify({
      items: [
        {
          resource: { objectType: 'document', objectId: 'b' },
          permission: 'view',
          subject: { object: { objectType: 'user', objectId: 'cat' } },
        },
      ],
    });
    const slow = (port: number) =>
      new Promise<Answer>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/v1/permissions/checkbulk',
            headers: {
              authorization: `Bearer ${KEYS.reader}`,
              'x-request-id': 'slow-1',
              'content-length': String(Buffer.byteLength(body)),
            },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              text += c;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: [], body: text }));
          },
        );
        req.on('error', reject);
        req.flushHeaders();
        // The rest of the body follows in later socket reads.
        setTimeout(() => req.write(body.slice(0, 10)), 20);
        setTimeout(() => req.end(body.slice(10)), 40);
      });
    const a = await slow(front.port);
    const b = await slow(plain.port);
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body).pairs[0].item.permissionship).toBe('PERMISSIONSHIP_HAS_PERMISSION');
    expect(a).toEqual(b);
  });

  it('answers a request past its deadline with 504 deadline_exceeded, as hono does', async () => {
    // A service whose calls never settle; a 50 ms deadline.
    const hung = new Proxy({} as Clove, { get: () => () => new Promise(() => {}) });
    const short = loadConfig({}, { CLOVE_QUANTUM_MS: '0', CLOVE_REQUEST_TIMEOUT_MS: '50' });
    const sides = await Promise.all(
      [true, false].map(async (nodeFront) => {
        const metrics = createMetrics();
        const app = createApp(
          { clove: hung, config: short, metrics, logger: createLogger('silent') },
          { nodeFront },
        );
        return new Promise<Server>((resolve) => {
          const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
        });
      }),
    );
    try {
      const r: Req = {
        path: '/v1/permissions/checkbulk',
        body: JSON.stringify({
          items: [
            {
              resource: { objectType: 'document', objectId: 'a' },
              permission: 'view',
              subject: { object: { objectType: 'user', objectId: 'ann' } },
            },
          ],
        }),
        headers: { 'x-request-id': 'late-1' },
      };
      const [a, b] = await Promise.all(
        sides.map((s) => send((s.address() as AddressInfo).port, r)),
      );
      if (!a) throw new Error('no answer from the first server');
      expect(a.status).toBe(504);
      expect(JSON.parse(a.body).error.code).toBe('deadline_exceeded');
      expect(a).toEqual(b);
    } finally {
      await Promise.all(sides.map((s) => new Promise((res) => s.close(() => res(undefined)))));
    }
  });

  test.prop([requestArb], { numRuns: 150 })('same status, headers and bytes', async (r) => {
    const [a, b] = await both(r);
    expect(withoutMadeIds(a)).toEqual(withoutMadeIds(b));
  });

  it('counted the same metric series and logged the same lines', () => {
    const series = (s: Side) =>
      s.metrics.registry
        .render()
        .split('\n')
        .filter((l) => l.startsWith('clove_http_request_duration_seconds_count'))
        .sort();
    expect(series(front).length).toBeGreaterThan(0);
    expect(series(front)).toEqual(series(plain));
    const lines = (s: Side) =>
      s.logs.map((l) => {
        const { time: _t, durationMs: _d, ...rest } = JSON.parse(l) as Record<string, unknown>;
        if (typeof rest.requestId === 'string' && /^[0-9a-f-]{36}$/.test(rest.requestId))
          rest.requestId = '<id>';
        return JSON.stringify(rest);
      });
    expect(lines(front).length).toBeGreaterThan(0);
    expect(lines(front)).toEqual(lines(plain));
  });
});
