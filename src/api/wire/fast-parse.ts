/**
 * Hand-written validators for the hot request bodies (check and checkbulk). Each returns exactly
 * what the route's zod schema would (same fields, same key order, unknown fields dropped), or
 * `undefined` when the body is not plainly valid: then the caller runs the zod path, which produces
 * the error (so error codes and messages cannot drift from the schema). They accept only bodies in
 * JSON names: any key with `_` (a proto name that `camelizeKeys` would rename) sends the body to
 * the zod path as well.
 *
 * Why: zod plus the key-renaming and depth walks cost more than the check itself on a warm cache,
 * and a bulk body of 100 items pays them per item. The zod schemas stay the source of the OpenAPI
 * document; `fast-parse.test.ts` checks that both agree on generated bodies.
 */
import type { z } from '@hono/zod-openapi';
import {
  ID,
  OPTIONAL_RELATION,
  RELATION,
  TYPE,
  type WireConsistency,
  type WireObjectReference,
  type WireSubjectReference,
} from './common.ts';
import type { CheckBulkPermissionsRequestItem, CheckPermissionRequest } from './permissions.ts';

type Obj = Record<string, unknown>;

/** A plain JSON object (not null, not an array) none of whose keys has an underscore. */
export function plainObject(v: unknown): Obj | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  for (const key in v) if (key.includes('_')) return undefined;
  return v as Obj;
}

/** Name and reference predicates, also used by the lookup validators (`lookup-parse.ts`). */
export const typeName = (v: unknown): v is string =>
  typeof v === 'string' && v.length <= 128 && TYPE.test(v);
export const relationName = (v: unknown): v is string =>
  typeof v === 'string' && v.length <= 64 && RELATION.test(v);
export const optionalRelationName = (v: unknown): v is string =>
  typeof v === 'string' && v.length <= 64 && OPTIONAL_RELATION.test(v);
const objectId = (v: unknown): v is string =>
  typeof v === 'string' && v.length <= 1024 && ID.test(v);

/** An ObjectReference as zod would parse it, or undefined. */
export function objectReference(v: unknown): WireObjectReference | undefined {
  const o = plainObject(v);
  if (!o || !typeName(o.objectType) || !objectId(o.objectId)) return undefined;
  return { objectType: o.objectType, objectId: o.objectId };
}

/** A SubjectReference as zod would parse it, or undefined. */
export function subjectReference(v: unknown): WireSubjectReference | undefined {
  const o = plainObject(v);
  if (!o) return undefined;
  const object = objectReference(o.object);
  if (!object) return undefined;
  const rel = o.optionalRelation;
  if (rel === undefined) return { object };
  return optionalRelationName(rel) ? { object, optionalRelation: rel } : undefined;
}

function zedToken(v: unknown): { token: string } | undefined {
  const o = plainObject(v);
  const token = o?.token;
  return typeof token === 'string' && token.length >= 1 && token.length <= 1024
    ? { token }
    : undefined;
}

/** `consistency`: at most one requirement set; `null` means "invalid, ask zod". */
export function consistency(v: unknown): WireConsistency | null {
  const o = plainObject(v);
  if (!o) return null;
  const out: WireConsistency = {};
  let set = 0;
  if (o.minimizeLatency !== undefined) {
    if (o.minimizeLatency !== true) return null;
    out.minimizeLatency = true;
    set++;
  }
  if (o.atLeastAsFresh !== undefined) {
    const t = zedToken(o.atLeastAsFresh);
    if (!t) return null;
    out.atLeastAsFresh = t;
    set++;
  }
  if (o.atExactSnapshot !== undefined) {
    const t = zedToken(o.atExactSnapshot);
    if (!t) return null;
    out.atExactSnapshot = t;
    set++;
  }
  if (o.fullyConsistent !== undefined) {
    if (o.fullyConsistent !== true) return null;
    out.fullyConsistent = true;
    set++;
  }
  return set <= 1 ? out : null;
}

/**
 * A caveat `context` (google.protobuf.Struct): a plain object, copied key by key as zod's record
 * does (its keys are data: underscores allowed).
 */
export function struct(v: unknown): Obj | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  if (Object.hasOwn(v, '__proto__')) return undefined; // a copy would make it the prototype
  const out: Obj = {};
  for (const [k, val] of Object.entries(v)) out[k] = val;
  return out;
}

/**
 * Whether `v` nests no deeper than `max` levels (an object or array counts as one), the same rule
 * as the route's depth check. Recursion is bounded by `max`.
 */
export function within(v: unknown, max: number): boolean {
  if (v === null || typeof v !== 'object') return true;
  if (max < 1) return false;
  if (Array.isArray(v)) {
    for (const child of v) if (!within(child, max - 1)) return false;
    return true;
  }
  for (const key in v) if (!within((v as Obj)[key], max - 1)) return false;
  return true;
}

type CheckBody = z.infer<typeof CheckPermissionRequest>;
type BulkItem = z.infer<typeof CheckBulkPermissionsRequestItem>;

/** A checkbulk item, or undefined. */
function bulkItem(v: unknown): BulkItem | undefined {
  const o = plainObject(v);
  if (!o) return undefined;
  const resource = objectReference(o.resource);
  if (!resource || !relationName(o.permission)) return undefined;
  const subject = subjectReference(o.subject);
  if (!subject) return undefined;
  const item: BulkItem = { resource, permission: o.permission, subject };
  if (o.context !== undefined) {
    const context = struct(o.context);
    if (!context) return undefined;
    item.context = context;
  }
  return item;
}

/**
 * The parsed body of `/v1/permissions/check`, or undefined (then zod decides). `maxDepth` is the
 * route's nesting limit (any field, unknown ones included, may reach it).
 */
export function fastCheckRequest(json: unknown, maxDepth: number): CheckBody | undefined {
  const o = plainObject(json);
  if (!o || !within(o, maxDepth)) return undefined;
  const c = o.consistency === undefined ? undefined : consistency(o.consistency);
  if (c === null) return undefined;
  const resource = objectReference(o.resource);
  if (!resource || !relationName(o.permission)) return undefined;
  const subject = subjectReference(o.subject);
  if (!subject) return undefined;
  // Fields in the schema's order, as zod emits them.
  const out: Obj = {};
  if (c) out.consistency = c;
  out.resource = resource;
  out.permission = o.permission;
  out.subject = subject;
  if (o.context !== undefined) {
    const context = struct(o.context);
    if (!context) return undefined;
    out.context = context;
  }
  for (const flag of ['withTracing', 'explain'] as const) {
    const f = o[flag];
    if (f === undefined) continue;
    if (typeof f !== 'boolean') return undefined;
    out[flag] = f;
  }
  return out as CheckBody;
}

/** The parsed body of `/v1/permissions/checkbulk`, or undefined (then zod decides). */
export function fastCheckBulkRequest(
  json: unknown,
  maxDepth: number,
): { consistency?: WireConsistency; items: BulkItem[] } | undefined {
  const o = plainObject(json);
  if (!o || !Array.isArray(o.items) || !within(o, maxDepth)) return undefined;
  const c = o.consistency === undefined ? undefined : consistency(o.consistency);
  if (c === null) return undefined;
  const items: BulkItem[] = new Array(o.items.length);
  for (let i = 0; i < o.items.length; i++) {
    const item = bulkItem(o.items[i]);
    if (!item) return undefined;
    items[i] = item;
  }
  return c ? { consistency: c, items } : { items };
}
