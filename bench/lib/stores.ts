/**
 * Opens the Clove store a run measures, and the Postgres server both systems use. Memory is the
 * in-process MVCC store; PGlite runs in a fresh temporary directory; Postgres gets a fresh
 * database on a throwaway server (test/support/postgres.ts) or on `--database-url`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { createMemoryStore } from '../../src/store/index.ts';
import type { TupleStore } from '../../src/store/index.ts';
import { createTestDatabase, startTestPostgres } from '../../test/support/postgres.ts';
import type { StoreKind } from './args.ts';

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
  return {
    url: server.url,
    async newDatabase(prefix) {
      const url = await createTestDatabase(server.url, prefix);
      created.push(url);
      return url;
    },
    async stop() {
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
    },
  };
}

/** An opened store, the spec a `clove serve --store` child can reopen it with, and its cleanup. */
export interface OpenedStore {
  readonly kind: StoreKind;
  readonly store: TupleStore;
  /** `memory` (not shareable), a PGlite directory, or a postgres:// URL. */
  readonly spec: string;
  close(): Promise<void>;
}

type OpenStore = (spec: string) => Promise<TupleStore>;

/** Resolves `openStore` from src/store (PGlite and Postgres backends). */
async function loadOpenStore(): Promise<OpenStore> {
  const mod = (await import('../../src/store/index.ts')) as { openStore?: OpenStore };
  if (!mod.openStore) throw new Error('src/store does not export openStore yet (PGlite/Postgres)');
  return mod.openStore;
}

/** Opens a fresh, empty store of `kind`. */
export async function openBenchStore(kind: StoreKind, pg?: PostgresServer): Promise<OpenedStore> {
  if (kind === 'memory') {
    const store = createMemoryStore();
    return { kind, store, spec: 'memory', close: () => store.close() };
  }
  const openStore = await loadOpenStore();
  if (kind === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'clove-bench-pglite-'));
    const store = await openStore(dir);
    return {
      kind,
      store,
      spec: dir,
      async close() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (!pg) throw new Error('postgres store needs a server');
  const url = await pg.newDatabase('clove_bench');
  const store = await openStore(url);
  return { kind, store, spec: url, close: () => store.close() };
}
