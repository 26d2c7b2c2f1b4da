/**
 * Opening a store from a spec string (config, CLI): `memory`, `postgres://…` / `postgresql://…`, or a
 * directory path for the embedded PGlite store. Also `migrate(spec)` for `clove migrate`.
 */
import { sql } from 'drizzle-orm';
import { StoreError } from '../errors.ts';
import { createMemoryStore } from './memory/memory-store.ts';
import {
  openPgliteDriver,
  openPostgresDriver,
  rowsOf,
  type SqlDriver,
  toStoreError,
} from './postgres/driver.ts';
import { createSqlStore } from './postgres/sql-store.ts';
import type { StoreOptions, TupleStore } from './types.ts';

/** What a spec string denotes. */
export type StoreSpec =
  | { kind: 'memory' }
  | { kind: 'postgres'; url: string }
  | { kind: 'pglite'; dataDir: string };

/** Classifies a spec: `memory`, a postgres URL, else a PGlite data directory. */
export function parseStoreSpec(spec: string): StoreSpec {
  const s = spec.trim();
  if (s === 'memory') return { kind: 'memory' };
  if (/^postgres(ql)?:\/\//.test(s)) return { kind: 'postgres', url: s };
  if (s === '') throw new StoreError('invalid_config', 'empty store spec');
  return { kind: 'pglite', dataDir: s };
}

async function openDriver(spec: StoreSpec, opts: StoreOptions): Promise<SqlDriver> {
  if (spec.kind === 'postgres')
    return openPostgresDriver(spec.url, {
      ...(opts.maxConnections !== undefined && { maxConnections: opts.maxConnections }),
    });
  if (spec.kind === 'pglite') return openPgliteDriver(spec.dataDir);
  throw new StoreError('internal', 'memory stores have no SQL driver');
}

/**
 * Opens (and for PGlite creates and migrates) a store. Postgres is migrated only with
 * `autoMigrate: true`; otherwise an unmigrated database fails with `unavailable` naming the fix.
 */
export async function openStore(spec: string, opts: StoreOptions = {}): Promise<TupleStore> {
  const parsed = parseStoreSpec(spec);
  if (parsed.kind === 'memory') return createMemoryStore(opts);
  const driver = await openDriver(parsed, opts).catch((err) => {
    throw toStoreError(err);
  });
  try {
    if (opts.autoMigrate ?? parsed.kind === 'pglite') await driver.migrate();
    else await assertMigrated(driver);
    return await createSqlStore(driver, opts);
  } catch (err) {
    await driver.close().catch(() => undefined);
    throw toStoreError(err);
  }
}

async function assertMigrated(driver: SqlDriver): Promise<void> {
  const [r] = await rowsOf<{ t: string | null }>(
    driver.db,
    sql`SELECT to_regclass('clove_tuples')::text AS t`,
  );
  if (!r?.t)
    throw new StoreError(
      'unavailable',
      'the database has no Clove tables yet: run `clove migrate` (or start with autoMigrate)',
    );
}

/** Applies pending migrations from `drizzle/` to the database named by `spec` (no-op for memory). */
export async function migrate(spec: string): Promise<void> {
  const parsed = parseStoreSpec(spec);
  if (parsed.kind === 'memory') return;
  const driver = await openDriver(parsed, { maxConnections: 1 });
  try {
    await driver.migrate();
  } catch (err) {
    throw toStoreError(err);
  } finally {
    await driver.close();
  }
}
