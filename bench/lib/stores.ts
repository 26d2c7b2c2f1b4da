/**
 * Opens the Clove store a run measures, and the Postgres server both systems use. Memory is the
 * in-process MVCC store; PGlite runs in a fresh temporary directory; Postgres gets a fresh
 * database on a throwaway server (test/support/postgres.ts) or on `--database-url`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { createMemoryStore, openStore } from '../../src/store/index.ts';
import type { TupleStore } from '../../src/store/index.ts';
import { createTestDatabase, startTestPostgres } from '../../test/support/postgres.ts';
import type { StoreKind } from './args.ts';
import { guardStop } from './cleanup.ts';

/** A Postgres server: `url` is its admin URL; `newDatabase` creates an empty database on it. */
export interface PostgresServer {
  readonly url: string;
  newDatabase(prefix: string): Promise<string>;
  stop(): Promise<void>;
}

/** Starts a throwaway server, or wraps `--database-url` (the user must be allowed to CREATE DATABASE). */
export async function startPostgresServer(databaseUrl?: string): Promise<PostgresServer> {
  const server = databaseUrl
    ? { url: databaseUrl, stop: async () => {} }
    : await startTestPostgres();
  const created: string[] = [];
  const stop = guardStop(async () => {
    if (databaseUrl && created.length > 0) {
      // Only the databases this run created are dropped; the server itself is the user's.
      const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
      try {
        for (const url of created)
          await admin.unsafe(
            `DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`,
          );
      } finally {
        await admin.end();
      }
    }
    await server.stop();
  });
  return {
    url: server.url,
    async newDatabase(prefix) {
      const url = await createTestDatabase(server.url, prefix);
      created.push(url);
      return url;
    },
    stop,
  };
}

/** An opened store, the spec a `clove serve --store` child can reopen it with, and its cleanup. */
export interface OpenedStore {
  readonly kind: StoreKind;
  readonly store: TupleStore;
  /** `memory` (not shareable), a PGlite directory, or a postgres:// URL. */
  readonly spec: string;
  /** Closes this process's handle but keeps the data (a server child reopens `spec`). */
  detach(): Promise<void>;
  /** Closes (if still open) and removes what the run created. */
  close(): Promise<void>;
}

/** Wraps close so that detach-then-close closes the store once. */
function once(store: TupleStore): () => Promise<void> {
  let closed: Promise<void> | undefined;
  return () => {
    closed ??= store.close();
    return closed;
  };
}

/** Opens a fresh, empty store of `kind`. */
export async function openBenchStore(kind: StoreKind, pg?: PostgresServer): Promise<OpenedStore> {
  if (kind === 'memory') {
    const store = createMemoryStore();
    // The memory store lives in this process only; the HTTP server loads its own copy.
    return { kind, store, spec: 'memory', detach: async () => {}, close: once(store) };
  }
  if (kind === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'clove-bench-pglite-'));
    const store = await openStore(dir);
    const closeStore = once(store);
    return {
      kind,
      store,
      spec: dir,
      detach: closeStore,
      close: guardStop(async () => {
        await closeStore();
        rmSync(dir, { recursive: true, force: true });
      }),
    };
  }
  if (!pg) throw new Error('postgres store needs a server');
  const url = await pg.newDatabase('clove_bench');
  const store = await openStore(url, { autoMigrate: true });
  const closeStore = once(store);
  return { kind, store, spec: url, detach: async () => {}, close: closeStore };
}
