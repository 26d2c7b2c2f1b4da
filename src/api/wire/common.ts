/**
 * zod schemas of the wire shapes shared by every route, matching SpiceDB's v1 JSON gateway
 * (camelCase field names, `{token}` wrappers, `OPERATION_*` enums). Zookies travel where SpiceDB
 * puts ZedTokens. Unknown fields are ignored, as the gateway does.
 */
import { z } from '@hono/zod-openapi';

/** The patterns of definition names, relation names and object ids (shared with `fast-parse.ts`). */
export const TYPE = /^(?:[a-z][a-z0-9_]{1,61}[a-z0-9]\/)*[a-z][a-z0-9_]{1,62}[a-z0-9]$/;
export const RELATION = /^[a-z][a-z0-9_]{1,62}[a-z0-9]$/;
export const OPTIONAL_RELATION = /^(?:[a-z][a-z0-9_]{1,62}[a-z0-9])?$/;
export const ID = /^(?:[a-zA-Z0-9/_|\-=+]{1,1024}|\*)$/;

export const TypeName = z.string().max(128).regex(TYPE, 'must be a definition name');
export const RelationName = z.string().max(64).regex(RELATION, 'must be a relation name');
/** Empty string allowed: SpiceDB's "optional" strings use "" for absent. */
export const OptionalRelationName = z
  .string()
  .max(64)
  .regex(OPTIONAL_RELATION, 'must be a relation name or empty');
export const ObjectId = z.string().max(1024).regex(ID, 'must be an object id');

/** A JSON object (google.protobuf.Struct on the wire). */
export const Struct = z.record(z.string(), z.unknown()).openapi('Struct', {
  description: 'A JSON object (google.protobuf.Struct).',
});

export const ObjectReference = z
  .object({ objectType: TypeName, objectId: ObjectId })
  .openapi('ObjectReference', { example: { objectType: 'document', objectId: 'readme' } });

export const SubjectReference = z
  .object({ object: ObjectReference, optionalRelation: OptionalRelationName.optional() })
  .openapi('SubjectReference', {
    example: { object: { objectType: 'user', objectId: 'alice' } },
  });

/** A zookie in SpiceDB's ZedToken wrapper. */
export const ZedToken = z
  .object({ token: z.string().min(1).max(1024) })
  .openapi('ZedToken', { description: 'A zookie: an opaque consistency token.' });

export const Cursor = z.object({ token: z.string().min(1).max(102_400) }).openapi('Cursor');

/** Exactly one requirement; an absent consistency means `minimizeLatency`. */
export const Consistency = z
  .object({
    minimizeLatency: z.literal(true).optional(),
    atLeastAsFresh: ZedToken.optional(),
    atExactSnapshot: ZedToken.optional(),
    fullyConsistent: z.literal(true).optional(),
  })
  .refine((c) => Object.values(c).filter((v) => v !== undefined).length <= 1, {
    message: 'set exactly one of minimizeLatency, atLeastAsFresh, atExactSnapshot, fullyConsistent',
  })
  .openapi('Consistency', { example: { fullyConsistent: true } });

export const ContextualizedCaveat = z
  .object({ caveatName: TypeName, context: Struct.optional() })
  .openapi('ContextualizedCaveat');

export const Relationship = z
  .object({
    resource: ObjectReference,
    relation: RelationName,
    subject: SubjectReference,
    optionalCaveat: ContextualizedCaveat.optional(),
    /** RFC 3339 timestamp (google.protobuf.Timestamp in JSON). */
    optionalExpiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .openapi('Relationship', {
    example: {
      resource: { objectType: 'document', objectId: 'readme' },
      relation: 'viewer',
      subject: { object: { objectType: 'user', objectId: 'alice' } },
    },
  });

export const SubjectFilter = z
  .object({
    subjectType: TypeName,
    optionalSubjectId: ObjectId.optional(),
    optionalRelation: z.object({ relation: OptionalRelationName }).optional(),
  })
  .openapi('SubjectFilter');

export const RelationshipFilter = z
  .object({
    resourceType: TypeName,
    optionalResourceId: ObjectId.optional(),
    optionalResourceIdPrefix: z.string().max(1024).optional(),
    optionalRelation: OptionalRelationName.optional(),
    optionalSubjectFilter: SubjectFilter.optional(),
  })
  .openapi('RelationshipFilter', { example: { resourceType: 'document' } });

export const Precondition = z
  .object({
    operation: z.enum(['OPERATION_MUST_MATCH', 'OPERATION_MUST_NOT_MATCH']),
    filter: RelationshipFilter,
  })
  .openapi('Precondition');

export const PartialCaveatInfo = z
  .object({ missingRequiredContext: z.array(z.string()) })
  .openapi('PartialCaveatInfo');

export const Permissionship = z
  .enum([
    'PERMISSIONSHIP_NO_PERMISSION',
    'PERMISSIONSHIP_HAS_PERMISSION',
    'PERMISSIONSHIP_CONDITIONAL_PERMISSION',
  ])
  .openapi('Permissionship');

export const LookupPermissionship = z
  .enum(['LOOKUP_PERMISSIONSHIP_HAS_PERMISSION', 'LOOKUP_PERMISSIONSHIP_CONDITIONAL_PERMISSION'])
  .openapi('LookupPermissionship');

/** The error body of every failing request (and the last line of a failing stream). */
export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_request' }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()),
    }),
  })
  .openapi('Error');

export type WireObjectReference = z.infer<typeof ObjectReference>;
export type WireSubjectReference = z.infer<typeof SubjectReference>;
export type WireConsistency = z.infer<typeof Consistency>;
export type WireRelationship = z.infer<typeof Relationship>;
export type WireRelationshipFilter = z.infer<typeof RelationshipFilter>;
export type WirePrecondition = z.infer<typeof Precondition>;
