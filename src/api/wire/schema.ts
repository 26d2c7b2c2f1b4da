/** Wire shapes of `/v1/schema/*`. */
import { z } from '@hono/zod-openapi';
import { ZedToken } from './common.ts';

export const ReadSchemaRequest = z.object({}).openapi('ReadSchemaRequest');

export const ReadSchemaResponse = z
  .object({ schemaText: z.string(), readAt: ZedToken })
  .openapi('ReadSchemaResponse');

export const WriteSchemaRequest = z
  .object({
    schema: z.string().max(4 * 1024 * 1024),
    /** Validate without storing. */
    dryRun: z.boolean().optional(),
  })
  .openapi('WriteSchemaRequest', {
    example: {
      schema:
        'definition user {}\n\ndefinition document {\n  relation viewer: user\n  permission view = viewer\n}\n',
    },
  });

export const WriteSchemaResponse = z
  .object({ writtenAt: ZedToken, dryRun: z.boolean().optional() })
  .openapi('WriteSchemaResponse');
