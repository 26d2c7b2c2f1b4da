/**
 * Database handles for the SQL stores: drizzle over postgres.js (a Postgres server) or over PGlite
 * (embedded Postgres in WASM, persisted in a directory). Both run the same generated migrations from
 * `drizzle/`, so the two backends share one schema and one code path.
 */
import { mkdirSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { AppError, StoreError } from '../../errors.ts';

/** The drizzle database both drivers provide (their result types differ; `rowsOf` hides that). */
export type SqlDb = PgDatabase<PgQueryResultHKT, Record<string, never>>;
export type SqlTx = Parameters<Parameters<SqlDb['transaction']>[0]>[0];
/** Anything that can run a statement: the database or an open transaction. */
export type SqlExec = SqlDb | SqlTx;

/**
 * The postgres.js client under a drizzle transaction on a Postgres server, for what drizzle lacks:
 * COPY (`writable()`) and savepoint scopes. Its queries are thenables (the rows).
 */
export interface TxClient {
  <T = Record<string, unknown>[]>(
    strings: TemplateStringsArray,
    ...values: unknown[]
  ): PromiseLike<T> & { writable(): Promise<Writable> };
  /**
   * Runs `fn` in a savepoint: a failing statement inside rolls back to it and leaves the enclosing
   * transaction usable (a plain SAVEPOINT statement would not: the driver would still fail the
   * whole transaction with the first error).
   */
  savepoint<T>(fn: (sp: TxClient) => PromiseLike<T>): Promise<T>;
}

/** The postgres.js client of `tx` (Postgres driver only). */
export function txClientOf(tx: SqlTx): TxClient {
  return (tx as unknown as { session: { client: TxClient } }).session.client;
}

/** An open connection (pool) plus what it takes to close it. */
export interface SqlDriver {
  readonly kind: 'pglite' | 'postgres';
  readonly db: SqlDb;
  /**
   * Postgres only: the pool the engine's point reads run on (sql-point-queries.ts,
   * sql-batch-queries.ts, sql-closure.ts), whose sessions use generic plans for prepared
   * statements (`plan_cache_mode = force_generic_plan`). Why: those statements bind id lists as
   * arrays; Postgres kept re-planning them per execution (custom plans estimate small arrays as
   * cheaper than the generic plan), and planning cost 0.3-1.4 ms against 0.06-0.2 ms to execute
   * a closure or batch statement. Their plans do not depend on the values (indexed equality), so
   * one generic plan fits all. Other statements keep the default on the main pool.
   */
  readonly reads?: unknown;
  /** Applies pending migrations from `drizzle/`. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/** Where drizzle-kit writes migrations: `<repo>/drizzle`, resolved from this file. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../drizzle', import.meta.url));

/** Rows of a raw `execute` result: postgres.js returns an array, PGlite `{ rows }`. */
export async function rowsOf<T = Record<string, unknown>>(exec: SqlExec, q: SQL): Promise<T[]> {
  const res = (await exec.execute(q)) as unknown;
  return (Array.isArray(res) ? res : (res as { rows: T[] }).rows) as T[];
}

/** Connects to a Postgres server (postgres.js pool); nothing is queried yet. */
export function openPostgresDriver(url: string, opts: { maxConnections?: number } = {}): SqlDriver {
  const options = {
    max: opts.maxConnections ?? 10,
    onnotice: () => {},
    connect_timeout: 10,
    // postgres.js waits before reconnecting, by default 3^n/100 s up to 20 s after n failures; queries
    // queue behind that wait, so during an outage requests hung until their deadline (504) instead of
    // failing fast as `unavailable`, and recovery lagged the database by up to 20 s. Cap it at 1 s.
    backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, 1),
  };
  const client = postgres(url, options);
  // Connections open on first use, so a process that never reads (a migration) opens none here.
  const reads = postgres(url, {
    ...options,
    connection: { plan_cache_mode: 'force_generic_plan' },
  });
  const db = drizzlePostgres({ client });
  return {
    kind: 'postgres',
    db: db as unknown as SqlDb,
    reads,
    migrate: () => migratePostgres(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    close: async () => {
      await Promise.all([client.end({ timeout: 5 }), reads.end({ timeout: 5 })]);
    },
  };
}

/**
 * Opens PGlite: in `dataDir` (created if missing) or, given a `PGlite` instance, over that one
 * (tests clone a migrated template). PGlite is a single connection; it queues concurrent queries.
 */
export async function openPgliteDriver(source: string | PGlite): Promise<SqlDriver> {
  let client: PGlite;
  if (typeof source === 'string') {
    mkdirSync(source, { recursive: true });
    client = await PGlite.create(source);
  } else client = source;
  const db = drizzlePglite({ client });
  return {
    kind: 'pglite',
    db: db as unknown as SqlDb,
    migrate: () => migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    close: () => client.close(),
  };
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01', // admin_shutdown
  '57P03', // cannot_connect_now
  '08006', // connection_failure
]);

/** The SQLSTATE of a driver error (drizzle wraps the postgres.js error as its `cause`). */
export function sqlStateOf(err: unknown): string | undefined {
  const inner = (err as { cause?: unknown })?.cause ?? err;
  const code = (inner as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Maps driver failures to AppErrors: lost or refused connections become `unavailable` (retryable),
 * anything else `internal` with the driver error as cause. AppErrors pass through unchanged.
 */
export function toStoreError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const inner = (err as { cause?: unknown })?.cause ?? err;
  const code = String((inner as { code?: unknown })?.code ?? (err as { code?: unknown })?.code);
  const message = inner instanceof Error ? inner.message : String(inner);
  if (CONNECTION_CODES.has(code))
    return new StoreError('unavailable', `database unavailable: ${message}`, { cause: err });
  return new StoreError('internal', `database error: ${message}`, { cause: err });
}
