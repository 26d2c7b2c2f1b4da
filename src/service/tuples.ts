/**
 * Tuple use cases: validated writes, paged reads with per-tuple cursors, deletes by filter, bulk
 * import and export. Writes are validated against the schema at head and committed with
 * `expectSchemaHash`, so a schema change racing the write makes it fail (`write_conflict`) instead
 * of letting an unvalidated tuple in.
 */
import { AppError, ConsistencyError } from '../errors.ts';
import type { Revision, Tuple } from '../model/index.ts';
import type { SchemaIR } from '../schema/index.ts';
import type { TupleAttribution, WriteOp } from '../store/index.ts';
import type { Clove, ServiceDeps } from './clove.ts';
import { validateWriteOps } from './validate-writes.ts';

const DEFAULT_PAGE = 1000;

export function createTupleUseCases(
  deps: ServiceDeps,
): Pick<Clove, 'writeTuples' | 'readTuples' | 'deleteTuples' | 'importTuples' | 'exportTuples'> {
  const { store, reads, zookies } = deps;
  const maxPage = deps.limits.maxReadLimit ?? DEFAULT_PAGE;

  async function headSchema(): Promise<SchemaIR> {
    const head = await store.headRevision();
    const schema = await reads.schemaAt(head);
    if (!schema) throw new AppError('schema_not_found', 'write a schema before writing tuples');
    return schema.ir;
  }

  return {
    async writeTuples(ops, opts = {}) {
      const ir = await headSchema();
      validateWriteOps(ir, ops);
      const rev = await store.write(ops, {
        ...(opts.preconditions ? { preconditions: opts.preconditions } : {}),
        ...(opts.metadata ? { metadata: opts.metadata } : {}),
        expectSchemaHash: ir.hash,
      });
      return { zookie: zookies.encode(rev) };
    },

    async readTuples(filter, opts = {}) {
      const start = opts.cursor ? decodeReadCursor(opts.cursor) : undefined;
      const revision = start ? start.revision : (await reads.revision(opts)).revision;
      if (start) await store.checkRevision(revision);
      const limit = opts.limit && opts.limit > 0 ? opts.limit : Number.POSITIVE_INFINITY;
      const signal = opts.signal;
      async function* items() {
        let pageCursor = start?.page;
        let skip = start?.skip ?? 0;
        let sent = 0;
        for (;;) {
          if (signal?.aborted)
            throw signal.reason ?? new AppError('deadline_exceeded', 'cancelled');
          const page = await store.read(filter, {
            revision,
            limit: maxPage,
            ...(pageCursor ? { cursor: pageCursor } : {}),
          });
          for (let i = skip; i < page.tuples.length; i++) {
            if (sent >= limit) return;
            sent++;
            const cursor = encodeReadCursor({ revision, page: pageCursor, skip: i + 1 });
            yield {
              tuple: page.tuples[i] as Tuple,
              written: page.written[i] as TupleAttribution,
              cursor,
            };
          }
          if (!page.cursor) return;
          pageCursor = page.cursor;
          skip = 0;
        }
      }
      return { zookie: zookies.encode(revision), items: items() };
    },

    async deleteTuples(filter, opts = {}) {
      const { limit, allowPartial } = opts;
      if (limit !== undefined && limit > 0 && !allowPartial) {
        // SpiceDB semantics: with a limit and no partial deletes, more matches than the limit is an
        // error, and nothing is deleted. Counted at head just before the delete.
        const head = await store.headRevision();
        const page = await store.read(filter, { revision: head, limit: limit + 1 });
        if (page.tuples.length > limit)
          throw new AppError(
            'limit_exceeded',
            `more than ${limit} tuples match; set allowPartial to delete ${limit} of them`,
            { details: { limit } },
          );
      }
      const out = await store.deleteByFilter(filter, {
        ...(limit && limit > 0 ? { limit } : {}),
        ...(opts.preconditions ? { preconditions: opts.preconditions } : {}),
        ...(opts.metadata ? { metadata: opts.metadata } : {}),
      });
      return { zookie: zookies.encode(out.revision), deleted: out.deleted, partial: out.partial };
    },

    async importTuples(source, opts = {}) {
      const ir = await headSchema();
      async function* validated(): AsyncGenerator<Tuple> {
        for await (const tuple of source) {
          validateWriteOps(ir, [{ op: 'create', tuple } satisfies WriteOp]);
          yield tuple;
        }
      }
      const out = await store.bulkImport(validated(), {
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
        ...(opts.metadata ? { metadata: opts.metadata } : {}),
      });
      return { zookie: zookies.encode(out.revision), imported: out.imported };
    },

    async exportTuples(opts = {}) {
      const { revision, zookie } = await reads.revision(opts);
      return { zookie, tuples: store.exportTuples({ revision }) };
    },
  };
}

interface ReadCursor {
  readonly revision: Revision;
  /** The store cursor of the page holding the next tuple (absent: the first page). */
  readonly page: string | undefined;
  /** How many tuples of that page were already returned. */
  readonly skip: number;
}

/**
 * A read cursor pins the revision, so a resumed read continues the same snapshot whatever
 * consistency the resuming request asks for.
 */
function encodeReadCursor(c: ReadCursor): string {
  return Buffer.from(
    JSON.stringify({ v: 1, r: c.revision, p: c.page ?? null, s: c.skip }),
  ).toString('base64url');
}

function decodeReadCursor(token: string): ReadCursor {
  try {
    const raw = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      v: number;
      r: number;
      p: string | null;
      s: number;
    };
    if (raw.v === 1 && Number.isSafeInteger(raw.r) && Number.isSafeInteger(raw.s) && raw.s >= 0)
      return { revision: raw.r, page: raw.p ?? undefined, skip: raw.s };
  } catch {
    // fall through
  }
  throw new ConsistencyError('invalid_cursor', 'the cursor is not one Clove issued for a read');
}
