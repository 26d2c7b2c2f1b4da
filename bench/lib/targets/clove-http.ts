/**
 * Clove over HTTP through the typed client (src/client), from this process to a server child.
 * Used for bulk checks, lookups and expand; single and concurrent checks over HTTP are driven by
 * the separate load-generator process (bench/lib/http-load.ts) instead, so that the client's event
 * loop never limits the server's figures.
 */
import { createClient } from '../../../src/client/index.ts';
import type { Consistency, ObjectReference, SubjectReference } from '../../../src/client/index.ts';
import type { ObjectRef, SubjectRef } from '../../../src/model/index.ts';
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

/** A Target over `url` (a running `clove serve`). */
export function createCloveHttpTarget(opts: { url: string; cache: boolean }): Target {
  const client = createClient({ endpoint: opts.url, timeoutMs: 120_000 });
  return {
    name: 'clove http',
    system: 'clove',
    mode: 'http',
    cache: opts.cache ? 'on' : 'off',
    async check(c, mode) {
      const r = await client.checkPermission({
        consistency: wireConsistency(mode),
        resource: wireObject(c.resource),
        permission: c.permission,
        subject: wireSubject(c.subject),
      });
      return toAnswer(r.permissionship);
    },
    async bulkCheck(cs, mode) {
      const r = await client.checkBulkPermissions({
        consistency: wireConsistency(mode),
        items: cs.map((c) => ({
          resource: wireObject(c.resource),
          permission: c.permission,
          subject: wireSubject(c.subject),
        })),
      });
      return r.pairs.map((p) => (p.item ? toAnswer(p.item.permissionship) : 'error'));
    },
    async lookupResources(l, mode) {
      const out: string[] = [];
      for await (const r of client.lookupResources({
        consistency: wireConsistency(mode),
        resourceObjectType: l.resourceType,
        permission: l.permission,
        subject: wireSubject(l.subject),
      }))
        out.push(r.resourceObjectId);
      return out;
    },
    async lookupSubjects(l, mode) {
      const out: string[] = [];
      for await (const r of client.lookupSubjects({
        consistency: wireConsistency(mode),
        resource: wireObject(l.resource),
        permission: l.permission,
        subjectObjectType: l.subjectType,
      }))
        out.push(r.subjectObjectId);
      return out;
    },
    async expand(resource, permission, mode) {
      const r = await client.expandPermissionTree({
        consistency: wireConsistency(mode),
        resource: wireObject(resource),
        permission,
      });
      return countWire(r.treeRoot as WireTree | undefined);
    },
    async close() {},
  };
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
