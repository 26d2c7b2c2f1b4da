/**
 * Turns a consistency requirement into what an evaluation needs: the revision, its zookie, the
 * schema IR in effect at that revision, and an EvalContext on a snapshot pinned there.
 *
 * Why cache the IR by revision: every read resolves to a revision and needs the schema in effect at
 * it; schemas change rarely, so the answer for a revision never changes (MVCC) and can be memoised.
 * In-flight loads are shared so a burst of checks at a new revision costs one schema read.
 */
import { LRUCache } from 'lru-cache';
import { AppError } from '../errors.ts';
import type { Revision } from '../model/index.ts';
import type { SchemaIR } from '../schema/index.ts';
import type { SnapshotReader, StoredSchema, TupleStore } from '../store/index.ts';
import type { CallOptions, ConsistencyRequest } from './types.ts';

/** Resolves a consistency requirement to a revision (the consistency module, or a test double). */
export type RevisionResolver = (c: ConsistencyRequest) => Promise<Revision>;

/** Everything evaluated at one revision. */
export interface ReadContext {
  readonly revision: Revision;
  readonly zookie: string;
  readonly schema: StoredSchema;
  readonly ctx: {
    readonly reader: SnapshotReader;
    readonly schema: SchemaIR;
    readonly signal?: AbortSignal;
    readonly deadline?: number;
  };
}

export interface ReadContexts {
  /** Resolves, then loads the schema (`schema_not_found` when there is none yet). */
  at(opts: CallOptions): Promise<ReadContext>;
  /** The schema in effect at `rev`, or undefined before the first schema write (cached). */
  schemaAt(rev: Revision): Promise<StoredSchema | undefined>;
  /** Resolves only the revision and its zookie (no schema needed). */
  revision(opts: CallOptions): Promise<{ revision: Revision; zookie: string }>;
}

/** Creates the resolver-plus-cache; `zookieOf` encodes a revision for this store. */
export function createReadContexts(
  store: TupleStore,
  resolve: RevisionResolver,
  zookieOf: (rev: Revision) => string,
): ReadContexts {
  const cache = new LRUCache<number, { value: StoredSchema | undefined }>({ max: 4096 });
  // Looked up once: the store the service hands in may be a proxy (head-cache.ts), whose trap
  // would otherwise run on every read for the same bound method.
  const snapshotAt: TupleStore['snapshot'] = store.snapshot.bind(store);
  const loading = new Map<Revision, Promise<StoredSchema | undefined>>();

  async function schemaAt(rev: Revision): Promise<StoredSchema | undefined> {
    const hit = cache.get(rev);
    if (hit) return hit.value;
    let p = loading.get(rev);
    if (!p) {
      p = store.readSchema(rev).finally(() => loading.delete(rev));
      loading.set(rev, p);
      const value = await p;
      cache.set(rev, { value });
      return value;
    }
    return p;
  }

  async function revision(opts: CallOptions) {
    const rev = await resolve(opts.consistency ?? MINIMIZE_LATENCY);
    return { revision: rev, zookie: zookieOf(rev) };
  }

  // The schema of the revision most reads resolve to, in front of the LRU: one comparison instead
  // of an LRU lookup and an async hop on the hot path (the answer for a revision never changes).
  let lastRev: Revision | undefined;
  let lastSchema: StoredSchema | undefined;

  return {
    schemaAt,
    revision,
    async at(opts) {
      if (opts.signal?.aborted) throw abortReason(opts.signal);
      const rev = await resolve(opts.consistency ?? MINIMIZE_LATENCY);
      const zookie = zookieOf(rev);
      let schema = rev === lastRev ? lastSchema : undefined;
      if (schema === undefined) {
        schema = await schemaAt(rev);
        if (!schema)
          throw new AppError('schema_not_found', 'no schema has been written yet', {
            details: { zookie },
          });
        lastRev = rev;
        lastSchema = schema;
      }
      const reader = snapshotAt(rev);
      const { signal, deadline } = opts;
      // Keys only when set, as callers may tell "absent" from "undefined".
      const ctx: ReadContext['ctx'] =
        signal === undefined
          ? deadline === undefined
            ? { reader, schema: schema.ir }
            : { reader, schema: schema.ir, deadline }
          : deadline === undefined
            ? { reader, schema: schema.ir, signal }
            : { reader, schema: schema.ir, signal, deadline };
      return { revision: rev, zookie, schema, ctx };
    },
  };
}

const MINIMIZE_LATENCY: ConsistencyRequest = Object.freeze({ mode: 'minimize_latency' });

/** The AppError an aborted signal carries, or `deadline_exceeded`. */
export function abortReason(signal: AbortSignal): AppError {
  return signal.reason instanceof AppError
    ? signal.reason
    : new AppError('deadline_exceeded', 'request cancelled');
}
