/**
 * Clove over HTTP from this process to a server child (a raw keep-alive connection for queries,
 * the typed client src/client for loading). Used for bulk checks, lookups and expand; single and
 * concurrent checks over HTTP are driven by the separate load-generator process
 * (bench/lib/http-load.ts) instead, so that the client's event loop never limits the server's
 * figures.
 */
import { createClient } from '../../../src/client/index.ts';
import type { Consistency, ObjectReference, SubjectReference } from '../../../src/client/index.ts';
import type { ObjectRef, SubjectRef } from '../../../src/model/index.ts';
import { type RawResponse, RawConnection, serializeRequest } from '../raw-http.ts';
import type { ConsistencyMode, Target } from './types.ts';
import { toAnswer } from './types.ts';

export const wireObject = (o: ObjectRef): ObjectReference => ({
  objectType: o.type,
  objectId: o.id,
});

export const wireSubject = (s: SubjectRef): SubjectReference => ({
  object: wireObject(s),
  ...(s.relation === '...' ? {} : { optionalRelation: s.relation }),
});

export const wireConsistency = (mode: ConsistencyMode): Consistency =>
  mode === 'fully_consistent' ? { fullyConsistent: true } : { minimizeLatency: true };

interface WireTree {
  intermediate?: { children?: WireTree[] };
}

const countWire = (n: WireTree | undefined): number =>
  n ? 1 + (n.intermediate?.children ?? []).reduce((s, c) => s + countWire(c), 0) : 0;

/**
 * A Target over `url` (a running `clove serve`). Queries go over one raw keep-alive connection
 * (`raw-http.ts`): the typed client's fetch costs this process more per call than the server spends
 * answering a bulk check, and a c=1 phase measures the sum of both. The typed client itself is
 * covered by its own tests and the e2e suite.
 */
export function createCloveHttpTarget(opts: { url: string; cache: boolean }): Target {
  const base = new URL(opts.url);
  // Idle keep-alive connections: a call takes one (or opens one), so concurrent calls (the bulk
  // phase's --bulk-concurrency) each have their own, one request in flight on each.
  const idle: RawConnection[] = [];
  const all: RawConnection[] = [];
  const take = (): RawConnection => {
    const pooled = idle.pop();
    if (pooled) return pooled;
    const conn = new RawConnection(base.hostname, Number(base.port || 80));
    all.push(conn);
    return conn;
  };
  /** POSTs `body` as JSON; a non-200 answer throws with the server's error code. */
  const post = async (path: string, body: unknown): Promise<string> =>
    send(
      serializeRequest({
        method: 'POST',
        url: new URL(path, base),
        body: JSON.stringify(body),
      }),
    );
  // The bulk phase sends the same batches pass after pass: each batch's request is encoded once,
  // so the load generator's own CPU (it shares the machine with the server) is not measured as
  // the server's throughput.
  const bulkRequests = new WeakMap<object, Map<string, ReturnType<typeof serializeRequest>>>();
  const send = async (request: ReturnType<typeof serializeRequest>): Promise<string> => {
    const conn = take();
    let res: RawResponse;
    try {
      try {
        res = await conn.send(request);
      } catch (e) {
        // A pooled connection the server closed as it was reused: queries are idempotent, send again.
        if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') throw e;
        res = await conn.send(request);
      }
    } finally {
      idle.push(conn);
    }
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.text.slice(0, 300)}`);
    return res.text;
  };
  /** The `result`s of an NDJSON answer; an `error` line throws. */
  const results = <R>(text: string): R[] => {
    const out: R[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const msg = JSON.parse(line) as { result?: R; error?: { code: string; message: string } };
      if (msg.error) throw new Error(`stream failed: ${msg.error.code} ${msg.error.message}`);
      out.push(msg.result as R);
    }
    return out;
  };
  /**
   * The `resourceObjectId`s of a lookup-resources answer, read by scanning each line for that one
   * key instead of parsing it: JSON.parse of ~300 lines cost this process about a quarter of a
   * millisecond per lookup, counted in the measured latency. A line not of the plain shape (an
   * `error` line, a key with escapes) goes through `results`, so failures still throw.
   */
  const resourceIds = (text: string): string[] => {
    const out: string[] = [];
    let at = 0;
    while (at < text.length) {
      let end = text.indexOf('\n', at);
      if (end < 0) end = text.length;
      const id = plainResourceId(text, at, end);
      if (id !== undefined) out.push(id);
      else if (end > at)
        out.push(
          ...results<{ resourceObjectId: string }>(text.slice(at, end)).map(
            (r) => r.resourceObjectId,
          ),
        );
      at = end + 1;
    }
    return out;
  };
  return {
    name: 'clove http',
    system: 'clove',
    mode: 'http',
    cache: opts.cache ? 'on' : 'off',
    async check(c, mode) {
      const text = await post('/v1/permissions/check', {
        consistency: wireConsistency(mode),
        resource: wireObject(c.resource),
        permission: c.permission,
        subject: wireSubject(c.subject),
      });
      return toAnswer((JSON.parse(text) as { permissionship?: string }).permissionship);
    },
    async bulkCheck(cs, mode) {
      let byMode = bulkRequests.get(cs);
      if (!byMode) {
        byMode = new Map();
        bulkRequests.set(cs, byMode);
      }
      let request = byMode.get(mode);
      if (!request) {
        request = serializeRequest({
          method: 'POST',
          url: new URL('/v1/permissions/checkbulk', base),
          body: JSON.stringify({
            consistency: wireConsistency(mode),
            items: cs.map((c) => ({
              resource: wireObject(c.resource),
              permission: c.permission,
              subject: wireSubject(c.subject),
            })),
          }),
        });
        byMode.set(mode, request);
      }
      const text = await send(request);
      const r = JSON.parse(text) as { pairs: { item?: { permissionship: string } }[] };
      return r.pairs.map((p) => (p.item ? toAnswer(p.item.permissionship) : 'error'));
    },
    async lookupResources(l, mode) {
      const text = await post('/v1/permissions/resources', {
        consistency: wireConsistency(mode),
        resourceObjectType: l.resourceType,
        permission: l.permission,
        subject: wireSubject(l.subject),
      });
      return resourceIds(text);
    },
    async lookupSubjects(l, mode) {
      const text = await post('/v1/permissions/subjects', {
        consistency: wireConsistency(mode),
        resource: wireObject(l.resource),
        permission: l.permission,
        subjectObjectType: l.subjectType,
      });
      return results<{ subjectObjectId: string }>(text).map((r) => r.subjectObjectId);
    },
    async expand(resource, permission, mode) {
      const text = await post('/v1/permissions/expand', {
        consistency: wireConsistency(mode),
        resource: wireObject(resource),
        permission,
      });
      return countWire((JSON.parse(text) as { treeRoot?: WireTree }).treeRoot);
    },
    async close() {
      for (const conn of all) conn.close();
    },
  };
}

const RESULT_OPEN = '{"result":{';
const RESOURCE_KEY = '"resourceObjectId":"';

/**
 * The id of a `{"result":{...,"resourceObjectId":"<id>",...}}` line spanning `text[from, to)`, or
 * undefined when the line is not that plain shape (then it is parsed as JSON instead).
 */
export function plainResourceId(text: string, from: number, to: number): string | undefined {
  if (!text.startsWith(RESULT_OPEN, from) || !text.endsWith('}}', to)) return undefined;
  const key = text.indexOf(RESOURCE_KEY, from);
  if (key < 0 || key >= to) return undefined;
  const start = key + RESOURCE_KEY.length;
  const close = text.indexOf('"', start);
  if (close < 0 || close >= to) return undefined;
  const id = text.slice(start, close);
  return id.includes('\\') ? undefined : id;
}

/** Writes the schema and imports every tuple through the API (memory-store servers start empty). */
export async function loadOverHttp(
  url: string,
  schemaText: string,
  lines: Iterable<string>,
  onProgress: (n: number) => void,
): Promise<number> {
  const client = createClient({ endpoint: url, timeoutMs: 600_000 });
  await client.writeSchema(schemaText);
  let batch: string[] = [];
  let n = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await client.importRelationships(`${batch.join('\n')}\n`);
    n += batch.length;
    onProgress(n);
    batch = [];
  };
  for (const line of lines) {
    batch.push(line);
    if (batch.length === 20_000) await flush();
  }
  await flush();
  return n;
}
