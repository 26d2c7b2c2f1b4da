/** Wire shapes of `/v1/permissions/*` (check, checkbulk, expand, resources, subjects) and permissionsOf. */
import { z } from '@hono/zod-openapi';
import {
  Consistency,
  Cursor,
  LookupPermissionship,
  ObjectReference,
  OptionalRelationName,
  PartialCaveatInfo,
  Permissionship,
  RelationName,
  Struct,
  SubjectReference,
  TypeName,
  ZedToken,
} from './common.ts';

export const CheckPermissionRequest = z
  .object({
    consistency: Consistency.optional(),
    resource: ObjectReference,
    permission: RelationName,
    subject: SubjectReference,
    context: Struct.optional(),
    withTracing: z.boolean().optional(),
    /** Clove extension: include the proof of the answer. */
    explain: z.boolean().optional(),
  })
  .openapi('CheckPermissionRequest', {
    example: {
      consistency: { fullyConsistent: true },
      resource: { objectType: 'document', objectId: 'readme' },
      permission: 'view',
      subject: { object: { objectType: 'user', objectId: 'alice' } },
    },
  });

export const Explanation = z
  .object({ text: z.string(), proof: z.unknown() })
  .openapi('Explanation', { description: 'Clove extension: why the check answered as it did.' });

export const CheckPermissionResponse = z
  .object({
    checkedAt: ZedToken,
    permissionship: Permissionship,
    partialCaveatInfo: PartialCaveatInfo.optional(),
    explanation: Explanation.optional(),
  })
  .openapi('CheckPermissionResponse');

export const CheckBulkPermissionsRequestItem = z
  .object({
    resource: ObjectReference,
    permission: RelationName,
    subject: SubjectReference,
    context: Struct.optional(),
  })
  .openapi('CheckBulkPermissionsRequestItem');

export const CheckBulkPermissionsRequest = z
  .object({
    consistency: Consistency.optional(),
    items: z.array(CheckBulkPermissionsRequestItem),
  })
  .openapi('CheckBulkPermissionsRequest');

export const CheckBulkPermissionsPair = z
  .object({
    request: CheckBulkPermissionsRequestItem,
    item: z
      .object({ permissionship: Permissionship, partialCaveatInfo: PartialCaveatInfo.optional() })
      .optional(),
    error: z
      .object({ code: z.string(), message: z.string(), details: z.unknown().optional() })
      .optional(),
  })
  .openapi('CheckBulkPermissionsPair');

export const CheckBulkPermissionsResponse = z
  .object({ checkedAt: ZedToken, pairs: z.array(CheckBulkPermissionsPair) })
  .openapi('CheckBulkPermissionsResponse');

export const ExpandPermissionTreeRequest = z
  .object({
    consistency: Consistency.optional(),
    resource: ObjectReference,
    permission: RelationName,
  })
  .openapi('ExpandPermissionTreeRequest');

export const ExpandPermissionTreeResponse = z
  .object({ expandedAt: ZedToken, treeRoot: z.unknown() })
  .openapi('ExpandPermissionTreeResponse', {
    description:
      'treeRoot is a PermissionRelationshipTree: {intermediate|leaf, expandedObject, expandedRelation}.',
  });

export const LookupResourcesRequest = z
  .object({
    consistency: Consistency.optional(),
    resourceObjectType: TypeName,
    permission: RelationName,
    subject: SubjectReference,
    context: Struct.optional(),
    optionalLimit: z.number().int().min(0).optional(),
    optionalCursor: Cursor.optional(),
  })
  .openapi('LookupResourcesRequest');

export const LookupResourcesResponse = z
  .object({
    lookedUpAt: ZedToken,
    resourceObjectId: z.string(),
    permissionship: LookupPermissionship,
    partialCaveatInfo: PartialCaveatInfo.optional(),
    afterResultCursor: Cursor.optional(),
  })
  .openapi('LookupResourcesResponse');

export const LookupSubjectsRequest = z
  .object({
    consistency: Consistency.optional(),
    resource: ObjectReference,
    permission: RelationName,
    subjectObjectType: TypeName,
    optionalSubjectRelation: OptionalRelationName.optional(),
    context: Struct.optional(),
    optionalConcreteLimit: z.number().int().min(0).optional(),
    optionalCursor: Cursor.optional(),
    wildcardOption: z
      .enum([
        'WILDCARD_OPTION_UNSPECIFIED',
        'WILDCARD_OPTION_INCLUDE_WILDCARDS',
        'WILDCARD_OPTION_EXCLUDE_WILDCARDS',
      ])
      .optional(),
  })
  .openapi('LookupSubjectsRequest');

const ResolvedSubject = z
  .object({
    subjectObjectId: z.string(),
    permissionship: LookupPermissionship,
    partialCaveatInfo: PartialCaveatInfo.optional(),
  })
  .openapi('ResolvedSubject');

export const LookupSubjectsResponse = z
  .object({
    lookedUpAt: ZedToken,
    subjectObjectId: z.string(),
    excludedSubjectIds: z.array(z.string()),
    permissionship: LookupPermissionship,
    partialCaveatInfo: PartialCaveatInfo.optional(),
    subject: ResolvedSubject,
    excludedSubjects: z.array(ResolvedSubject),
  })
  .openapi('LookupSubjectsResponse');

export const PermissionsOfRequest = z
  .object({
    consistency: Consistency.optional(),
    resource: ObjectReference,
    subject: SubjectReference,
    context: Struct.optional(),
  })
  .openapi('PermissionsOfRequest');

export const PermissionsOfResponse = z
  .object({
    checkedAt: ZedToken,
    permissions: z.array(
      z.object({
        name: z.string(),
        kind: z.enum(['relation', 'permission']),
        permissionship: Permissionship,
        partialCaveatInfo: PartialCaveatInfo.optional(),
      }),
    ),
  })
  .openapi('PermissionsOfResponse');
