/**
 * A quick HTTP load loop (not a test): starts `clove serve --store memory` as a child process, loads
 * a small schema and data set, then runs CONNECTIONS concurrent request loops for SECONDS against
 * `/v1/permissions/check` and against the trivial `/healthz`, and prints requests/s for each plus the
 * server's start-up time.
 *
 *   node --import tsx test/e2e/http-load.ts [SECONDS=10] [CONNECTIONS=32]
 */
import { Agent, request } from 'node:http';
import { createClient, updates } from '../../src/client/index.ts';
import { startServerProcess } from './server-process.ts';

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 32);

const SCHEMA = `definition user {}
definition group {
  relation member: user | group#member
}
definition document {
  relation owner: user
  relation viewer: user | group#member
  permission view = viewer + owner
}
`;

const server = await startServerProcess(['--store', 'memory'], {
  CLOVE_KEYS: '',
  CLOVE_LOG_LEVEL: 'error',
});
const client = createClient({ endpoint: server.url });
await client.writeSchema(SCHEMA);
const texts: string[] = [];
for (let g = 0; g < 20; g++)
  for (let u = 0; u < 10; u++) texts.push(`group:g${g}#member@user:u${g * 10 + u}`);
for (let d = 0; d < 500; d++)
  texts.push(
    `document:d${d}#viewer@group:g${d % 20}#member`,
    `document:d${d}#owner@user:u${d % 200}`,
  );
for (let i = 0; i < texts.length; i += 500)
  await client.writeRelationships({
    updates: updates('OPERATION_TOUCH', ...texts.slice(i, i + 500)),
  });

const agent = new Agent({ keepAlive: true, maxSockets: connections });
const url = new URL(server.url);

function once(method: string, path: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        agent,
        headers: body
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
          : {},
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function run(name: string, next: (i: number) => [string, string, string | undefined]) {
  let done = 0;
  let failed = 0;
  const until = Date.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async (_, c) => {
      let i = c;
      while (Date.now() < until) {
        const [m, p, b] = next(i);
        const status = await once(m, p, b);
        if (status === 200) done++;
        else failed++;
        i += connections;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  console.log(
    `${name}: ${Math.round(done / secs)} req/s (${done} ok, ${failed} failed, ${connections} connections, ${secs.toFixed(1)} s)`,
  );
}

console.log(`server start-up (spawn → /healthz ok): ${server.startupMs} ms`);
await run('GET /healthz', () => ['GET', '/healthz', undefined]);
await run('POST /v1/permissions/check', (i) => [
  'POST',
  '/v1/permissions/check',
  JSON.stringify({
    resource: { objectType: 'document', objectId: `d${i % 500}` },
    permission: 'view',
    subject: { object: { objectType: 'user', objectId: `u${(i * 7) % 200}` } },
  }),
]);
agent.destroy();
await server.stop();
