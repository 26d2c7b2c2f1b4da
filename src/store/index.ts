/**
 * @module store
 * Tuples and schemas under MVCC revisions behind one `TupleStore` interface, with three backends:
 * memory (tests, ephemeral runs), PGlite (embedded default, persisted in a directory) and Postgres.
 * The engine reads only through `SnapshotReader.query`; the service writes through `write` after
 * validating tuples against the schema. Only this layer imports drizzle, postgres.js or PGlite.
 */
export type * from './types.ts';
export { createMemoryStore } from './memory/memory-store.ts';
export { findRemovedUsages, relationAdmits } from './schema-usage.ts';
export { describeUsage, DEFAULT_GC_WINDOW_MS, DEFAULT_MAX_BATCH_SIZE } from './shared/errors.ts';
export { migrate, openStore, parseStoreSpec, type StoreSpec } from './open-store.ts';
export { createSqlStore } from './postgres/sql-store.ts';
export { openPgliteDriver, openPostgresDriver, type SqlDriver } from './postgres/driver.ts';
export { matchesFilter, matchesUsage } from './shared/match.ts';
export { scheduleGc } from './gc-scheduler.ts';
