/**
 * The node front of lookup resources and lookup subjects (`src/api/lookup-front.ts`) against the
 * hono path: two servers on real sockets over one service, one app with the front and one without,
 * get the same requests (valid, paged, invalid, unauthenticated, oversized, chunked, with a query
 * string) and must answer with the same status, headers (but `Date` and the framing header) and
 * bytes, whether the answer is sent whole or streamed; count the same metric series and write the same access log lines.
 */
import { type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fc, test } from '@fast-check/vitest';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { parseTuple } from '../../src/model/index.ts';
import { type Clove, createClove, createLogger, createMetrics } from '../../src/service/index.ts';
import { createMemoryStore } from '../../src/store/index.ts';
import { KEYS, SCHEMA } from './harness.ts';

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

interface Req {
  path: string;
  body: string;
  headers: Record<string, string | string[]>;
  /** Send without a content-length (chunked transfer encoding). */
  chunked?: boolean;
}

/** Documents `ann` can view: enough for an answer past the first batch (streamed). */
const MANY = 3000;

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
      req.write(r.body.slice(0, 3));
      req.end(r.body.slice(3));
    } else req.end(r.body);
  });
}

/**
 * Both servers' answers to `r`, without their framing header: whether an answer is sent whole
 * (`Content-Length`) or streamed (`transfer-encoding: chunked`) depends on how fast its lines were
 * made (ndjson.ts), which a loaded machine can change from one request to the next.
 */
async function both(r: Req): Promise<[Answer, Answer]> {
  return [unframed(await send(front.port, r)), unframed(await send(plain.port, r))];
}

function unframed(a: Answer): Answer {
  const framing = /^(content-length|transfer-encoding): /i;
  return { ...a, headers: a.headers.filter((h) => !framing.test(h)) };
}

const UUID = /^x-request-id: [0-9a-f-]{36}$/;

/** Answers with a made-up request id: compare with the ids replaced. */
function withoutMadeIds(a: Answer): Answer {
  const ids = a.headers.filter((h) => UUID.test(h)).map((h) => h.slice('x-request-id: '.length));
  let body = a.body;
  for (const id of ids) body = body.replaceAll(id, '<id>');
  return { ...a, headers: a.headers.map((h) => (UUID.test(h) ? 'x-request-id: <id>' : h)), body };
}

const reader = { authorization: `Bearer ${KEYS.reader}` };

beforeAll(async () => {
  config = loadConfig(
    {},
    {
      CLOVE_KEYS: `r:reader:${KEYS.reader},w:writer:${KEYS.writer},a:admin:${KEYS.admin}`,
      CLOVE_QUANTUM_MS: '0',
      CLOVE_BODY_LIMIT_BYTES: '4096',
    },
  );
  clove = createClove({ store: createMemoryStore(), quantumMs: 0 });
  await clove.writeSchema(SCHEMA);
  const lines = [
    'document:a#viewer@user:ann',
    'document:a#owner@user:bob',
    'document:b#viewer@group:eng#member',
    'group:eng#member@user:cat',
    'group:eng#member@user:ann',
    'document:c#viewer@user:*',
    'document:c#banned@user:dan',
    ...Array.from({ length: MANY }, (_, i) => `document:m${i}#viewer@user:eve`),
  ];
  const r = await clove.importTuples(lines.map(parseTuple));
  zookie = r.zookie;
  front = await start(true);
  plain = await start(false);
});

afterAll(async () => {
  await stop(front);
  await stop(plain);
});

const resources = (body: unknown, headers: Req['headers'] = reader): Req => ({
  path: '/v1/permissions/resources',
  body: JSON.stringify(body),
  headers,
});

const lookupOf = (user: string, extra: Record<string, unknown> = {}) => ({
  resourceObjectType: 'document',
  permission: 'view',
  subject: { object: { objectType: 'user', objectId: user } },
  ...extra,
});

describe('lookups through the node front', () => {
  it('answers a lookup sent whole (with a Content-Length) exactly as hono does', async () => {
    const [a, b] = await both(resources(lookupOf('ann'), { ...reader, 'x-request-id': 'lr-1' }));
    expect(a.status).toBe(200);
    expect(a.headers).toContain('content-type: application/x-ndjson');
    const ids = a.body
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l).result.resourceObjectId);
    expect(ids).toEqual(['a', 'b', 'c']);
    expect(a).toEqual(b);
  });

  it('streams a long answer (chunked) with the same bytes as hono', async () => {
    const r = resources(lookupOf('eve'), { ...reader, 'x-request-id': 'lr-2' });
    // Past the first batch's 256 KiB, an answer is always streamed.
    for (const port of [front.port, plain.port])
      expect((await send(port, r)).headers).toContain('transfer-encoding: chunked');
    const [a, b] = await both(r);
    expect(a.status).toBe(200);
    expect(a.body.trimEnd().split('\n')).toHaveLength(MANY + 1); // and document:c (user:*)
    expect(a).toEqual(b);
  });

  it('waits for a body that arrives after its headers, in pieces', async () => {
    const r = resources(lookupOf('ann'), { ...reader, 'x-request-id': 'pieces' });
    const slow = (port: number) =>
      new Promise<string>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: r.path,
            headers: { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              text += c;
            });
            res.on('end', () => resolve(`${res.statusCode} ${text}`));
          },
        );
        req.on('error', reject);
        req.flushHeaders();
        setTimeout(() => req.write(r.body.slice(0, 10)), 20);
        setTimeout(() => req.end(r.body.slice(10)), 40);
      });
    const [a, b] = [await slow(front.port), await slow(plain.port)];
    expect(a.startsWith('200 ')).toBe(true);
    expect(a).toBe(b);
  });

  it('reads a body with a byte order mark and multi-byte characters as hono does', async () => {
    const r = resources(lookupOf('ann'), { ...reader, 'x-request-id': 'bom' });
    const [a, b] = await both({ ...r, body: `\uFEFF${r.body.replace('ann', 'änn')}` });
    expect(a).toEqual(b);
  });

  it('waits for a slow reader (backpressure) and still sends every line', async () => {
    const r = resources(lookupOf('eve'), { ...reader, 'x-request-id': 'lr-slow' });
    const slow = (port: number) =>
      new Promise<string>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: r.path,
            headers: { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.pause();
            setTimeout(() => {
              res.on('data', (c: string) => {
                text += c;
              });
              res.resume();
            }, 100);
            res.on('end', () => resolve(text));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(r.body);
      });
    const [a, b] = [await slow(front.port), await slow(plain.port)];
    expect(a.trimEnd().split('\n')).toHaveLength(MANY + 1);
    expect(a).toBe(b);
  });

  it('a client that goes away mid-stream leaves either server serving', async () => {
    const r = resources(lookupOf('eve'), { ...reader, 'x-request-id': 'gone' });
    const goAway = (port: number) =>
      new Promise<void>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: r.path,
            headers: { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) },
          },
          (res) => {
            res.once('data', () => {
              req.destroy();
              resolve();
            });
          },
        );
        req.on('error', (e: NodeJS.ErrnoException) => {
          if (e.code !== 'ECONNRESET') reject(e);
        });
        req.end(r.body);
      });
    await goAway(front.port);
    await goAway(plain.port);
    const [a, b] = await both(resources(lookupOf('ann'), { ...reader, 'x-request-id': 'after' }));
    expect(a.status).toBe(200);
    expect(a).toEqual(b);
  });

  it('pages with a limit and a cursor exactly as hono does', async () => {
    const page = (extra: Record<string, unknown>) =>
      resources(lookupOf('eve', extra), { ...reader, 'x-request-id': 'lr-3' });
    const [a, b] = await both(page({ optionalLimit: 2 }));
    expect(a).toEqual(b);
    const last = JSON.parse(a.body.trimEnd().split('\n').pop() as string);
    const cursor = last.result.afterResultCursor;
    expect(cursor?.token).toBeTypeOf('string');
    const [c, d] = await both(page({ optionalLimit: 2, optionalCursor: cursor }));
    expect(c.status).toBe(200);
    expect(c).toEqual(d);
  });

  it('answers lookup subjects (wildcards in or out) exactly as hono does', async () => {
    for (const wildcardOption of [undefined, 'WILDCARD_OPTION_EXCLUDE_WILDCARDS']) {
      const [a, b] = await both({
        path: '/v1/permissions/subjects',
        body: JSON.stringify({
          resource: { objectType: 'document', objectId: 'c' },
          permission: 'view',
          subjectObjectType: 'user',
          ...(wildcardOption ? { wildcardOption } : {}),
        }),
        headers: { ...reader, 'x-request-id': 'ls-1' },
      });
      expect(a.status).toBe(200);
      expect(a).toEqual(b);
    }
  });

  it('answers a lookup past its deadline with 504 deadline_exceeded, as hono does', async () => {
    const hung = new Proxy({} as Clove, { get: () => () => new Promise(() => {}) });
    const short = loadConfig({}, { CLOVE_QUANTUM_MS: '0', CLOVE_REQUEST_TIMEOUT_MS: '50' });
    const sides = await Promise.all(
      [true, false].map(async (nodeFront) => {
        const app = createApp(
          { clove: hung, config: short, metrics: createMetrics(), logger: createLogger('silent') },
          { nodeFront },
        );
        return new Promise<Server>((resolve) => {
          const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
        });
      }),
    );
    try {
      const r = resources(lookupOf('ann'), { 'x-request-id': 'late-1' });
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

  const userId = fc.constantFrom('ann', 'bob', 'cat', 'dan', 'eve', '*', 'bad id');
  const consistency = fc.option(
    fc.constantFrom<unknown>(
      { minimizeLatency: true },
      { fullyConsistent: true },
      { atExactSnapshot: { token: '<zookie>' } },
      { atLeastAsFresh: { token: 'not-a-zookie' } },
      { minimizeLatency: true, fullyConsistent: true },
    ),
    { nil: undefined },
  );
  const resourcesBody = fc.record(
    {
      consistency,
      resourceObjectType: fc.constantFrom('document', 'nope', 'BAD'),
      permission: fc.constantFrom('view', 'edit', 'viewer', 'nope'),
      subject: fc.oneof(
        userId.map((id) => ({ object: { objectType: 'user', objectId: id } })),
        fc.constant({
          object: { objectType: 'group', objectId: 'eng' },
          optionalRelation: 'member',
        }),
        fc.constant({ object: { object_type: 'user', object_id: 'ann' } }),
      ),
      optionalLimit: fc.constantFrom(0, 1, 2, 5000, -1, 1.5),
      optionalCursor: fc.constantFrom({ token: 'bad' }, { token: '' }),
      context: fc.constantFrom({ ip: '10.0.0.1' }, 'ctx'),
    },
    { requiredKeys: ['resourceObjectType', 'permission', 'subject'] },
  );
  const subjectsBody = fc.record(
    {
      consistency,
      resource: fc.constantFrom('a', 'b', 'c', 'zz').map((id) => ({
        objectType: 'document',
        objectId: id,
      })),
      permission: fc.constantFrom('view', 'edit', 'nope'),
      subjectObjectType: fc.constantFrom('user', 'group', 'nope'),
      optionalSubjectRelation: fc.constantFrom('member', ''),
      optionalConcreteLimit: fc.constantFrom(1, 2, 0),
      optionalCursor: fc.constant({ token: 'x' }),
      wildcardOption: fc.constantFrom(
        'WILDCARD_OPTION_INCLUDE_WILDCARDS',
        'WILDCARD_OPTION_EXCLUDE_WILDCARDS',
        'BAD',
      ),
    },
    { requiredKeys: ['resource', 'permission', 'subjectObjectType'] },
  );
  const text = fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom('', 'not json', '[]', 'null') },
    { weight: 1, arbitrary: fc.constant(`{"x":"${'y'.repeat(5000)}"}`) },
    { weight: 1, arbitrary: fc.constant(`${'['.repeat(80)}${']'.repeat(80)}`) },
  );
  const auth = fc.constantFrom<(string | string[])[]>(
    [`Bearer ${KEYS.reader}`],
    [],
    ['Bearer wrong-secret-000000000'],
    [`Bearer ${KEYS.reader}`, `Bearer ${KEYS.admin}`],
  );
  const requestArb = fc
    .record({
      subjects: fc.boolean(),
      lr: resourcesBody,
      ls: subjectsBody,
      text,
      auth,
      requestId: fc.constantFrom<string | undefined>('req-1', 'bad id!', undefined),
      chunked: fc.boolean(),
      query: fc.constantFrom('', '', '', '?x=1'),
    })
    .map((r): Req => {
      const json = JSON.stringify(r.subjects ? r.ls : r.lr).replaceAll('<zookie>', zookie);
      const headers: Record<string, string | string[]> = { 'content-type': 'application/json' };
      if (r.auth.length === 1) headers.authorization = r.auth[0] as string;
      else if (r.auth.length > 1) headers.authorization = r.auth as string[];
      if (r.requestId !== undefined) headers['x-request-id'] = r.requestId;
      return {
        path: `/v1/permissions/${r.subjects ? 'subjects' : 'resources'}${r.query}`,
        body: r.text ?? json,
        headers,
        chunked: r.chunked && r.text === undefined,
      };
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
