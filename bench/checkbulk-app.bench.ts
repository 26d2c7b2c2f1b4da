/**
 * Server-side cost of `/v1/permissions/checkbulk` without sockets: the hono app's `fetch` is
 * called in a loop with prebuilt 100-item bodies (docs workload, memory store, cache on and warm),
 * and the time per item is reported. This isolates what the HTTP bulk phase cannot: body parsing,
 * validation, the service and engine calls, and response building, without the load generator or
 * node's HTTP parser.
 *
 *   npx tsx bench/checkbulk-app.bench.ts [--size small] [--batch 100] [--seconds 3] [--consistency minimize|full]
 *     [--layer app|answer|parsed|service]
 *
 * Layers: `app` is hono's `fetch` (the path every route takes under `app.request`); `answer` is what
 * the node front of the hot routes does between reading the body and writing the answer (scan the
 * compact text, `answerScannedCheckBulk`: service call and answer text; see src/api/hot-routes.ts);
 * `parsed` is the same for a body the scan declines (parse and validate, `answerCheckBulk`);
 * `service` is `clove.bulkCheck` on parsed items (no HTTP or JSON).
 */
import { parseArgs } from 'node:util';
import { createApp } from '../src/api/app.ts';
import { parseJsonText } from '../src/api/route.ts';
import { answerCheckBulk, answerScannedCheckBulk } from '../src/api/routes/permissions.ts';
import { scanCheckBulkRequest } from '../src/api/wire/bulk-scan.ts';
import { fastCheckBulkRequest } from '../src/api/wire/fast-parse.ts';
import { CheckBulkPermissionsRequest } from '../src/api/wire/permissions.ts';
import { loadConfig } from '../src/config.ts';
import { createClove, createMetrics, silentLogger } from '../src/service/index.ts';
import { createMemoryStore } from '../src/store/index.ts';
import { wireConsistency, wireObject, wireSubject } from './lib/targets/clove-http.ts';
import { docsWorkload } from './workloads/index.ts';

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: 'small' },
    batch: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '3' },
    consistency: { type: 'string', default: 'minimize' },
    layer: { type: 'string', default: 'app' },
  },
});

const size = args.size === 'small' || args.size === 'medium' ? args.size : Number(args.size);
const batch = Number(args.batch);
const w = docsWorkload.generate(size, 1);
const config = loadConfig({}, { CLOVE_QUANTUM_MS: '0' });
const metrics = createMetrics();
const clove = createClove({
  store: createMemoryStore({ maxBatchSize: 100_000 }),
  quantumMs: 0,
  metrics,
  limits: { maxReadLimit: config.limits.maxReadLimit },
});
await clove.writeSchema(w.schemaText);
await clove.importTuples(w.tuples);
const app = createApp({ clove, config, metrics, logger: silentLogger });

const mode = args.consistency === 'full' ? 'fully_consistent' : 'minimize_latency';
const bodies: string[] = [];
for (let i = 0; i + batch <= w.checks.length; i += batch)
  bodies.push(
    JSON.stringify({
      consistency: wireConsistency(mode),
      items: w.checks.slice(i, i + batch).map((c) => ({
        resource: wireObject(c.resource),
        permission: c.permission,
        subject: wireSubject(c.subject),
      })),
    }),
  );

const parsedItems = bodies.map((b) =>
  (JSON.parse(b) as { items: ReturnType<typeof toItem>[] }).items.map(toInput),
);
function toItem(c: (typeof w.checks)[number]) {
  return {
    resource: wireObject(c.resource),
    permission: c.permission,
    subject: wireSubject(c.subject),
  };
}
function toInput(i: ReturnType<typeof toItem>) {
  return {
    resource: { type: i.resource.objectType, id: i.resource.objectId },
    permission: i.permission,
    subject: {
      type: i.subject.object.objectType,
      id: i.subject.object.objectId,
      relation: i.subject.optionalRelation ?? '...',
    },
  };
}
const opts = { consistency: { mode } } as const;
const byIndex = new Map(bodies.map((b, k) => [b, k]));
const callService = async (body: string): Promise<string> => {
  const k = byIndex.get(body) as number;
  const { answers } = await clove.bulkCheck(parsedItems[k] as never, opts as never);
  const failed = answers.find((a) => !a.ok);
  if (failed) throw new Error(`bulk item failed: ${JSON.stringify(failed)}`);
  return '';
};
const callApp = async (body: string): Promise<string> => {
  const res = await app.request('/v1/permissions/checkbulk', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}`);
  return text;
};

const deps = { clove, config, metrics, logger: silentLogger };
const callAnswer = async (body: string): Promise<string> => {
  const ctx = { caller: 'anonymous', deadline: Date.now() + 10_000, logger: silentLogger };
  const call = { ...ctx, signal: NEVER, done: () => {} };
  // As the node front does: a compact body is scanned, any other parsed and validated.
  const scanned = args.layer === 'answer' ? scanCheckBulkRequest(body) : undefined;
  const text = scanned
    ? await answerScannedCheckBulk(deps, scanned, call)
    : await answerCheckBulk(
        deps,
        parseJsonText(body, CheckBulkPermissionsRequest, fastCheckBulkRequest),
        call,
      );
  if (text.includes('"error"')) throw new Error(`bulk item failed: ${text.slice(0, 300)}`);
  return text;
};
const NEVER = new AbortController().signal;

const call =
  args.layer === 'service'
    ? callService
    : args.layer === 'answer' || args.layer === 'parsed'
      ? callAnswer
      : callApp;
// Warm the cache and the JIT: every body twice.
for (let r = 0; r < 2; r++) for (const b of bodies) await call(b);

const limitMs = Number(args.seconds) * 1000;
let calls = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
while (performance.now() - t0 < limitMs) {
  await call(bodies[calls % bodies.length] as string);
  calls++;
}
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const items = calls * batch;
console.log(
  JSON.stringify({
    calls,
    items,
    usPerCall: Math.round((ms * 1000) / calls),
    usPerItem: Number(((ms * 1000) / items).toFixed(2)),
    cpuUsPerCall: Math.round((cpu.user + cpu.system) / calls),
    itemsPerSecond: Math.round(items / (ms / 1000)),
  }),
);
