/**
 * `/v1/relationships/*` (read, write, delete, importbulk, exportbulk) and Clove's NDJSON
 * import/export. Write sizes are bounded by `limits.maxWriteOps` (`batch_too_large`).
 */
import { z } from '@hono/zod-openapi';
import { AppError } from '../../errors.ts';
import { type Tuple, formatTuple, parseTuple } from '../../model/index.ts';
import { matchesFilter, type WriteOp } from '../../store/index.ts';
import { ndjsonResponse, readLines } from '../ndjson.ts';

import { type App, type AppDeps, addRoute } from '../route.ts';
import { Consistency, Relationship, RelationshipFilter, ZedToken } from '../wire/common.ts';
import {
  fromTuple,
  toConsistency,
  toPrecondition,
  toTuple,
  toTupleFilter,
} from '../wire/convert.ts';
import * as W from '../wire/relationships.ts';

const OPS = {
  OPERATION_CREATE: 'create',
  OPERATION_TOUCH: 'touch',
  OPERATION_DELETE: 'delete',
} as const;

export function addRelationshipRoutes(app: App, deps: AppDeps): void {
  const { clove } = deps;
  const maxOps = deps.config.limits.maxWriteOps;

  addRoute(
    app,
    deps,
    {
      path: '/v1/relationships/read',
      summary: 'Read relationships matching a filter',
      tag: 'Relationships',
      role: 'reader',
      body: W.ReadRelationshipsRequest,
      response: W.ReadRelationshipsResponse,
      stream: true,
    },
    async (_c, body, call) => {
      const { items, zookie } = await clove.readTuples(toTupleFilter(body.relationshipFilter), {
        consistency: toConsistency(body.consistency),
        ...(body.optionalLimit ? { limit: body.optionalLimit } : {}),
        ...(body.optionalCursor ? { cursor: body.optionalCursor.token } : {}),
        signal: call.signal,
        deadline: call.deadline,
      });
      return ndjsonResponse(
        items,
        (i) => ({
          readAt: { token: zookie },
          relationship: fromTuple(i.tuple),
          afterResultCursor: { token: i.cursor },
          ...(i.written.metadata ? { optionalTransactionMetadata: i.written.metadata } : {}),
        }),
        { logger: call.logger, onEnd: call.done },
      );
    },
  );

  addRoute(
    app,
    deps,
    {
      path: '/v1/relationships/write',
      summary: 'Write relationships atomically',
      description:
        'Applies every update in one transaction, after checking each against the schema and every ' +
        'precondition. CREATE fails if the relationship exists; TOUCH upserts; DELETE is idempotent.',
      tag: 'Relationships',
      role: 'writer',
      body: W.WriteRelationshipsRequest,
      response: W.WriteRelationshipsResponse,
    },
    async (_c, body) => {
      const preconditions = (body.optionalPreconditions ?? []).map(toPrecondition);
      assertBatch(body.updates.length + preconditions.length, maxOps);
      const ops: WriteOp[] = body.updates.map((u) => ({
        op: OPS[u.operation],
        tuple: toTuple(u.relationship),
      }));
      const { zookie } = await clove.writeTuples(ops, {
        preconditions,
        ...(body.optionalTransactionMetadata ? { metadata: body.optionalTransactionMetadata } : {}),
      });
      return { writtenAt: { token: zookie } };
    },
  );

  addRoute(
    app,
    deps,
    {
      path: '/v1/relationships/delete',
      summary: 'Delete every relationship matching a filter',
      description:
        'With `optionalLimit`, fails with `limit_exceeded` if more match, unless ' +
        '`optionalAllowPartialDeletions` is set (then deletes that many and reports PARTIAL).',
      tag: 'Relationships',
      role: 'writer',
      body: W.DeleteRelationshipsRequest,
      response: W.DeleteRelationshipsResponse,
    },
    async (_c, body) => {
      const preconditions = (body.optionalPreconditions ?? []).map(toPrecondition);
      assertBatch(preconditions.length, maxOps);
      const out = await clove.deleteTuples(toTupleFilter(body.relationshipFilter), {
        preconditions,
        ...(body.optionalLimit ? { limit: body.optionalLimit } : {}),
        allowPartial: body.optionalAllowPartialDeletions === true,
        ...(body.optionalTransactionMetadata ? { metadata: body.optionalTransactionMetadata } : {}),
      });
      return {
        deletedAt: { token: out.zookie },
        deletionProgress: out.partial ? 'DELETION_PROGRESS_PARTIAL' : 'DELETION_PROGRESS_COMPLETE',
        relationshipsDeletedCount: String(out.deleted),
      };
    },
  );

  addRoute(
    app,
    deps,
    {
      path: '/v1/relationships/importbulk',
      summary: 'Create many relationships in one transaction',
      description: 'Every relationship is created (an existing one fails the whole import).',
      tag: 'Relationships',
      role: 'writer',
      body: W.ImportBulkRelationshipsRequest,
      response: W.ImportBulkRelationshipsResponse,
    },
    async (_c, body) => {
      const { imported, zookie } = await clove.importTuples(body.relationships.map(toTuple));
      return { numLoaded: String(imported), writtenAt: { token: zookie } };
    },
  );

  addRoute(
    app,
    deps,
    {
      path: '/v1/relationships/exportbulk',
      summary: 'Export every relationship',
      description: 'Streams pages of relationships at one revision.',
      tag: 'Relationships',
      role: 'reader',
      body: W.ExportBulkRelationshipsRequest,
      response: W.ExportBulkRelationshipsResponse,
      stream: true,
    },
    async (_c, body, call) => {
      if (body.optionalCursor)
        throw new AppError('invalid_request', 'exportbulk cannot resume from a cursor yet', {
          details: { field: 'optionalCursor' },
        });
      const limit = Math.min(body.optionalLimit || deps.config.limits.maxReadLimit, 10_000);
      const filter = body.optionalRelationshipFilter
        ? toTupleFilter(body.optionalRelationshipFilter)
        : undefined;
      const { tuples } = await clove.exportTuples({
        consistency: toConsistency(body.consistency),
        signal: call.signal,
      });
      const pages = paginate(tuples, limit, filter ? (t) => matchesFilter(t, filter) : undefined);
      return ndjsonResponse(pages, (page) => ({ relationships: page.map(fromTuple) }), {
        logger: call.logger,
        onEnd: call.done,
      });
    },
  );

  addRoute(
    app,
    deps,
    {
      path: '/clove/v1/relationships/import',
      summary: 'Import relationships from NDJSON or text form (Clove extension)',
      description:
        'The body holds one relationship per line: a JSON Relationship object or the text form ' +
        '`document:readme#viewer@user:alice`. All are created in one revision.',
      tag: 'Clove',
      role: 'writer',
      body: z.union([Relationship, z.string()]),
      response: z.object({ numLoaded: z.string(), writtenAt: ZedToken }),
      ndjsonBody: true,
      noDeadline: true,
    },
    async (c) => {
      const { imported, zookie } = await clove.importTuples(parseImportLines(c.req.raw.body));
      return { numLoaded: String(imported), writtenAt: { token: zookie } };
    },
  );

  addRoute(
    app,
    deps,
    {
      path: '/clove/v1/relationships/export',
      summary: 'Export relationships as NDJSON or text form (Clove extension)',
      description:
        '`format: "json"` (default) streams `{"result": Relationship}` lines; `format: "text"` ' +
        'streams one text-form tuple per line. The zookie is in the `Clove-Zookie` header.',
      tag: 'Clove',
      role: 'reader',
      body: z.object({
        consistency: Consistency.optional(),
        format: z.enum(['json', 'text']).optional(),
        optionalRelationshipFilter: RelationshipFilter.optional(),
      }),
      response: Relationship,
      stream: true,
      noDeadline: true,
    },
    async (_c, body, call) => {
      const filter = body.optionalRelationshipFilter
        ? toTupleFilter(body.optionalRelationshipFilter)
        : undefined;
      const { tuples, zookie } = await clove.exportTuples({
        consistency: toConsistency(body.consistency),
        signal: call.signal,
      });
      const selected = filter ? filterAsync(tuples, (t) => matchesFilter(t, filter)) : tuples;
      const text = body.format === 'text';
      const res = await ndjsonResponse(selected, (t) => (text ? formatTuple(t) : fromTuple(t)), {
        logger: call.logger,
        onEnd: call.done,
        raw: text,
      });
      res.headers.set('clove-zookie', zookie);
      if (text) res.headers.set('content-type', 'text/plain; charset=utf-8');
      return res;
    },
  );
}

function assertBatch(size: number, max: number): void {
  if (size > max)
    throw new AppError('batch_too_large', `at most ${max} updates and preconditions per request`, {
      details: { max, got: size },
    });
}

async function* parseImportLines(body: ReadableStream<Uint8Array> | null): AsyncGenerator<Tuple> {
  for await (const { line, lineNumber } of readLines(body)) {
    try {
      if (line.startsWith('{')) {
        const json = JSON.parse(line) as unknown;
        const inner = (json as { result?: unknown }).result ?? json;
        const parsed = Relationship.safeParse(
          (inner as { relationship?: unknown }).relationship ?? inner,
        );
        if (!parsed.success)
          throw new AppError(
            'invalid_tuple',
            parsed.error.issues[0]?.message ?? 'invalid relationship',
          );
        yield toTuple(parsed.data);
      } else yield parseTuple(line);
    } catch (err) {
      if (err instanceof AppError)
        throw new AppError(err.code, `line ${lineNumber}: ${err.message}`, {
          details: { ...err.details, line: lineNumber },
        });
      throw new AppError('invalid_tuple', `line ${lineNumber}: not JSON or a text-form tuple`, {
        details: { line: lineNumber },
      });
    }
  }
}

async function* paginate<T>(
  items: AsyncIterable<T>,
  size: number,
  keep?: (t: T) => boolean,
): AsyncGenerator<T[]> {
  let page: T[] = [];
  for await (const item of items) {
    if (keep && !keep(item)) continue;
    page.push(item);
    if (page.length >= size) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

async function* filterAsync<T>(items: AsyncIterable<T>, keep: (t: T) => boolean) {
  for await (const item of items) if (keep(item)) yield item;
}
