/**
 * Conversions between SpiceDB's wire shapes and Clove's model and service types. The only place that
 * knows both vocabularies; routes call these and nothing else to translate.
 */
import { AppError } from '../../errors.ts';
import {
  ELLIPSIS,
  type ObjectRef,
  type SubjectRef,
  type Tuple,
  formatTimestamp,
} from '../../model/index.ts';
import type { ConsistencyRequest, ExpandNode } from '../../service/index.ts';
import type { Precondition, TupleFilter } from '../../store/types.ts';
import type {
  WireConsistency,
  WireObjectReference,
  WirePrecondition,
  WireRelationship,
  WireRelationshipFilter,
  WireSubjectReference,
} from './common.ts';

export function toObjectRef(o: WireObjectReference): ObjectRef {
  return { type: o.objectType, id: o.objectId };
}

export function toSubjectRef(s: WireSubjectReference): SubjectRef {
  const relation = s.optionalRelation ? s.optionalRelation : ELLIPSIS;
  return { type: s.object.objectType, id: s.object.objectId, relation };
}

export function fromObjectRef(o: ObjectRef): WireObjectReference {
  return { objectType: o.type, objectId: o.id };
}

export function fromSubjectRef(s: SubjectRef): WireSubjectReference {
  const object = fromObjectRef(s);
  return s.relation === ELLIPSIS ? { object } : { object, optionalRelation: s.relation };
}

/** A wire relationship as a tuple; a resource id of `*` is rejected (`invalid_tuple`). */
export function toTuple(r: WireRelationship): Tuple {
  if (r.resource.objectId === '*')
    throw new AppError('invalid_tuple', 'a resource id cannot be the wildcard "*"', {
      details: { resource: r.resource },
    });
  const tuple: {
    resource: ObjectRef;
    relation: string;
    subject: SubjectRef;
    caveat?: Tuple['caveat'];
    expiresAt?: number;
  } = { resource: toObjectRef(r.resource), relation: r.relation, subject: toSubjectRef(r.subject) };
  if (r.optionalCaveat) {
    const ctx = r.optionalCaveat.context;
    tuple.caveat =
      ctx && Object.keys(ctx).length > 0
        ? { name: r.optionalCaveat.caveatName, context: ctx }
        : { name: r.optionalCaveat.caveatName };
  }
  if (r.optionalExpiresAt) tuple.expiresAt = Date.parse(r.optionalExpiresAt);
  return tuple;
}

export function fromTuple(t: Tuple): WireRelationship {
  const out: WireRelationship = {
    resource: fromObjectRef(t.resource),
    relation: t.relation,
    subject: fromSubjectRef(t.subject),
  };
  if (t.caveat)
    out.optionalCaveat = t.caveat.context
      ? { caveatName: t.caveat.name, context: { ...t.caveat.context } }
      : { caveatName: t.caveat.name };
  if (t.expiresAt !== undefined) out.optionalExpiresAt = formatTimestamp(t.expiresAt);
  return out;
}

/**
 * A wire filter as a tuple filter. An empty `optionalRelation` on the subject filter means plain
 * objects ("..."), as in SpiceDB. Id prefixes are not supported yet (`invalid_request`).
 */
export function toTupleFilter(f: WireRelationshipFilter): TupleFilter {
  if (f.optionalResourceIdPrefix)
    throw new AppError('invalid_request', 'optionalResourceIdPrefix is not supported', {
      details: { field: 'optionalResourceIdPrefix' },
    });
  const filter: {
    resourceType: string;
    resourceId?: string;
    relation?: string;
    subjectType?: string;
    subjectId?: string;
    subjectRelation?: string;
  } = { resourceType: f.resourceType };
  if (f.optionalResourceId) filter.resourceId = f.optionalResourceId;
  if (f.optionalRelation) filter.relation = f.optionalRelation;
  const s = f.optionalSubjectFilter;
  if (s) {
    filter.subjectType = s.subjectType;
    if (s.optionalSubjectId) filter.subjectId = s.optionalSubjectId;
    if (s.optionalRelation) filter.subjectRelation = s.optionalRelation.relation || ELLIPSIS;
  }
  return filter;
}

export function toPrecondition(p: WirePrecondition): Precondition {
  return {
    kind: p.operation === 'OPERATION_MUST_MATCH' ? 'must_match' : 'must_not_match',
    filter: toTupleFilter(p.filter),
  };
}

const MINIMIZE_LATENCY: ConsistencyRequest = Object.freeze({ mode: 'minimize_latency' });
const FULLY_CONSISTENT: ConsistencyRequest = Object.freeze({ mode: 'fully_consistent' });

/**
 * The consistency requirement; absent means `minimize_latency` (SpiceDB's default). The two
 * token-less modes are shared frozen objects (one per call was pure garbage on the hot path).
 */
export function toConsistency(c: WireConsistency | undefined): ConsistencyRequest {
  if (!c) return MINIMIZE_LATENCY;
  if (c.fullyConsistent) return FULLY_CONSISTENT;
  if (c.atLeastAsFresh) return { mode: 'at_least_as_fresh', zookie: c.atLeastAsFresh.token };
  if (c.atExactSnapshot) return { mode: 'at_exact_snapshot', zookie: c.atExactSnapshot.token };
  return MINIMIZE_LATENCY;
}

const PERMISSIONSHIP = {
  has_permission: 'PERMISSIONSHIP_HAS_PERMISSION',
  no_permission: 'PERMISSIONSHIP_NO_PERMISSION',
  conditional_permission: 'PERMISSIONSHIP_CONDITIONAL_PERMISSION',
} as const;

/** Service permissionship → SpiceDB's `PERMISSIONSHIP_*`. */
export function toWirePermissionship(p: keyof typeof PERMISSIONSHIP) {
  return PERMISSIONSHIP[p];
}

/** Service permissionship of a lookup result → `LOOKUP_PERMISSIONSHIP_*`. */
export function toWireLookupPermissionship(p: 'has_permission' | 'conditional_permission') {
  return p === 'has_permission'
    ? ('LOOKUP_PERMISSIONSHIP_HAS_PERMISSION' as const)
    : ('LOOKUP_PERMISSIONSHIP_CONDITIONAL_PERMISSION' as const);
}

/** `{missingRequiredContext}` for conditional answers, else undefined. */
export function partialCaveatInfo(missing: readonly string[] | undefined) {
  return missing && missing.length > 0 ? { missingRequiredContext: [...missing] } : undefined;
}

/** The wire shape of a tree node (PermissionRelationshipTree). */
export interface WireTree {
  intermediate?: {
    operation: 'OPERATION_UNION' | 'OPERATION_INTERSECTION' | 'OPERATION_EXCLUSION';
    children: WireTree[];
  };
  leaf?: { subjects: WireSubjectReference[] };
  expandedObject: WireObjectReference;
  expandedRelation: string;
}

/**
 * Clove's expand tree in SpiceDB's shape. SpiceDB expands one level: a relation is a leaf listing
 * its direct subjects (subject sets included, not expanded), an arrow is the union (or, for `.all`,
 * the intersection) of the computed permission on each walked object, `nil` is an empty leaf and
 * `self` a leaf holding the resource itself.
 */
export function toWireTree(node: ExpandNode): WireTree {
  const base = { expandedObject: fromObjectRef(node.resource), expandedRelation: node.name };
  const op = (
    operation: 'OPERATION_UNION' | 'OPERATION_INTERSECTION' | 'OPERATION_EXCLUSION',
    children: WireTree[],
  ): WireTree => ({ ...base, intermediate: { operation, children } });
  switch (node.kind) {
    case 'leaf':
      return { ...base, leaf: { subjects: node.subjects.map((s) => fromSubjectRef(s.subject)) } };
    case 'union':
      return op('OPERATION_UNION', node.children.map(toWireTree));
    case 'intersection':
      return op('OPERATION_INTERSECTION', node.children.map(toWireTree));
    case 'exclusion':
      return op('OPERATION_EXCLUSION', [toWireTree(node.base), toWireTree(node.subtract)]);
    case 'arrow': {
      const children = node.children.flatMap((c) => (c.tree ? [toWireTree(c.tree)] : []));
      return op(node.mode === 'all' ? 'OPERATION_INTERSECTION' : 'OPERATION_UNION', children);
    }
    case 'nil':
      return { ...base, leaf: { subjects: [] } };
    case 'self':
      return {
        ...base,
        leaf: { subjects: [fromSubjectRef({ ...node.resource, relation: ELLIPSIS })] },
      };
  }
}
