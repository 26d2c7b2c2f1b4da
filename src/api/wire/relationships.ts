/** Wire shapes of `/v1/relationships/*`, watch, and Clove's import/export. */
import { z } from '@hono/zod-openapi';
import {
  Consistency,
  Cursor,
  Precondition,
  Relationship,
  RelationshipFilter,
  Struct,
  TypeName,
  ZedToken,
} from './common.ts';

export const ReadRelationshipsRequest = z
  .object({
    consistency: Consistency.optional(),
    relationshipFilter: RelationshipFilter,
    optionalLimit: z.number().int().min(0).optional(),
    optionalCursor: Cursor.optional(),
  })
  .openapi('ReadRelationshipsRequest');

/**
 * One read result. `optionalTransactionMetadata` (a Clove extension; SpiceDB clients ignore it) is
 * the metadata of the write that created this relationship, absent when that write carried none.
 */
export const ReadRelationshipsResponse = z
  .object({
    readAt: ZedToken,
    relationship: Relationship,
    afterResultCursor: Cursor.optional(),
    optionalTransactionMetadata: Struct.optional().openapi({
      description:
        'Metadata of the transaction that last created or touched this relationship (absent when it had none).',
    }),
  })
  .openapi('ReadRelationshipsResponse');

export const RelationshipUpdate = z
  .object({
    operation: z.enum(['OPERATION_CREATE', 'OPERATION_TOUCH', 'OPERATION_DELETE']),
    relationship: Relationship,
  })
  .openapi('RelationshipUpdate');

export const WriteRelationshipsRequest = z
  .object({
    updates: z.array(RelationshipUpdate),
    optionalPreconditions: z.array(Precondition).optional(),
    optionalTransactionMetadata: Struct.optional(),
  })
  .openapi('WriteRelationshipsRequest', {
    example: {
      updates: [
        {
          operation: 'OPERATION_TOUCH',
          relationship: {
            resource: { objectType: 'document', objectId: 'readme' },
            relation: 'viewer',
            subject: { object: { objectType: 'user', objectId: 'alice' } },
          },
        },
      ],
    },
  });

export const WriteRelationshipsResponse = z
  .object({ writtenAt: ZedToken })
  .openapi('WriteRelationshipsResponse');

export const DeleteRelationshipsRequest = z
  .object({
    relationshipFilter: RelationshipFilter,
    optionalPreconditions: z.array(Precondition).optional(),
    optionalLimit: z.number().int().min(0).optional(),
    optionalAllowPartialDeletions: z.boolean().optional(),
    optionalTransactionMetadata: Struct.optional(),
  })
  .openapi('DeleteRelationshipsRequest');

export const DeleteRelationshipsResponse = z
  .object({
    deletedAt: ZedToken,
    deletionProgress: z.enum(['DELETION_PROGRESS_COMPLETE', 'DELETION_PROGRESS_PARTIAL']),
    /** Clove extension: how many tuples were deleted. */
    relationshipsDeletedCount: z.string(),
  })
  .openapi('DeleteRelationshipsResponse');

export const WatchRequest = z
  .object({
    optionalObjectTypes: z.array(TypeName).optional(),
    optionalStartCursor: ZedToken.optional(),
    optionalRelationshipFilters: z.array(RelationshipFilter).optional(),
    optionalUpdateKinds: z.array(z.string()).optional(),
  })
  .openapi('WatchRequest');

export const WatchResponse = z
  .object({
    updates: z.array(
      z.object({
        operation: z.enum(['OPERATION_TOUCH', 'OPERATION_DELETE']),
        relationship: Relationship,
      }),
    ),
    changesThrough: ZedToken,
    optionalTransactionMetadata: Struct.optional(),
    isCheckpoint: z.boolean().optional(),
  })
  .openapi('WatchResponse');

export const ImportBulkRelationshipsRequest = z
  .object({ relationships: z.array(Relationship) })
  .openapi('ImportBulkRelationshipsRequest');

export const ImportBulkRelationshipsResponse = z
  .object({
    numLoaded: z.string(),
    /** Clove extension: the zookie of the import's revision. */
    writtenAt: ZedToken,
  })
  .openapi('ImportBulkRelationshipsResponse');

export const ExportBulkRelationshipsRequest = z
  .object({
    consistency: Consistency.optional(),
    optionalLimit: z.number().int().min(0).optional(),
    optionalCursor: Cursor.optional(),
    optionalRelationshipFilter: RelationshipFilter.optional(),
  })
  .openapi('ExportBulkRelationshipsRequest');

export const ExportBulkRelationshipsResponse = z
  .object({ afterResultCursor: Cursor.optional(), relationships: z.array(Relationship) })
  .openapi('ExportBulkRelationshipsResponse');
