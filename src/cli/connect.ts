/**
 * How CLI commands reach Clove: a running server (`--endpoint` / `CLOVE_ENDPOINT`, with `--key` /
 * `CLOVE_KEY`), or a local store (`--store` / `DATABASE_URL`, default `./.clove`) served by an
 * in-process app. Either way commands talk through the typed client, so local and remote behave
 * the same, down to error codes.
 */
import { createApp } from '../api/app.ts';
import { type CloveClient, createClient } from '../client/index.ts';
import { DEFAULT_STORE, loadConfig } from '../config.ts';
import { createClove, createMetrics, silentLogger } from '../service/index.ts';
import { openStore } from '../store/index.ts';
import type { OptionSpec } from './args.ts';

/** Options every command that reads or writes data accepts. */
export const CONNECT_OPTIONS: OptionSpec = { endpoint: 'value', key: 'value', store: 'value' };

export interface Connection {
  readonly client: CloveClient;
  /** `remote` (HTTP) or `local` (in-process on a store). */
  readonly mode: 'remote' | 'local';
  close(): Promise<void>;
}

/** Connects to the endpoint when one is given, else opens the local store. */
export async function connect(
  options: Record<string, string | true>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Connection> {
  const endpoint = str(options.endpoint) ?? env.CLOVE_ENDPOINT;
  const key = str(options.key) ?? env.CLOVE_KEY;
  if (endpoint) {
    const client = createClient({ endpoint, ...(key ? { key } : {}) });
    return { client, mode: 'remote', close: async () => {} };
  }
  const spec = str(options.store) ?? env.DATABASE_URL ?? env.CLOVE_STORE ?? DEFAULT_STORE;
  const config = loadConfig({ store: spec }, { ...env, CLOVE_KEYS: '', CLOVE_KEYS_FILE: '' });
  const store = await openStore(spec);
  const clove = createClove({
    store,
    quantumMs: 0,
    limits: { maxReadLimit: config.limits.maxReadLimit },
  });
  // A CLI run is a trusted local admin: no keys, generous deadline.
  const app = createApp({
    clove,
    config: { keys: [], limits: { ...config.limits, requestTimeoutMs: 3_600_000 } },
    metrics: createMetrics(),
    logger: silentLogger,
  });
  const client = createClient({
    endpoint: 'http://clove.local',
    fetch: (input, init) => Promise.resolve(app.fetch(new Request(input, init))),
    timeoutMs: 3_600_000,
  });
  return { client, mode: 'local', close: () => clove.close() };
}

function str(v: string | true | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
