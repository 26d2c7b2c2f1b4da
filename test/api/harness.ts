/**
 * Builds the HTTP app in-process for API tests: a memory store, the real service and engine, three
 * keys (one per role) and a silent logger. `post` sends JSON through `app.request` (no socket).
 */
import { createApp } from '../../src/api/app.ts';
import type { App } from '../../src/api/route.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { type Clove, createClove, createMetrics, silentLogger } from '../../src/service/index.ts';
import { createMemoryStore } from '../../src/store/index.ts';

/**
 * A parsed JSON response body. Tests assert on its fields one by one, so it is deliberately loose.
 */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected field by field
export type Body = any;

export const KEYS = {
  reader: 'reader-secret-0123456789',
  writer: 'writer-secret-0123456789',
  admin: 'admin-secret-01234567890',
} as const;

export const SCHEMA = `definition user {}

definition group {
  relation member: user | group#member
}

definition document {
  relation owner: user
  relation viewer: user | user:* | group#member
  relation banned: user
  permission edit = owner
  permission view = (viewer + edit) - banned
}
`;

export interface Harness {
  app: App;
  clove: Clove;
  config: Config;
  metrics: ReturnType<typeof createMetrics>;
  post(path: string, body: unknown, key?: string | null): Promise<Response>;
  /** post, then parse JSON; asserts nothing. */
  json<T = Body>(
    path: string,
    body: unknown,
    key?: string | null,
  ): Promise<{ status: number; body: T }>;
  /** Parses an NDJSON response body into its lines. */
  lines<T = Body>(res: Response): Promise<T[]>;
}

/** Creates a fresh app; `env` overrides configuration (e.g. small limits). */
export function createHarness(env: Record<string, string> = {}, clove?: Clove): Harness {
  const config = loadConfig(
    {},
    {
      CLOVE_KEYS: `r:reader:${KEYS.reader},w:writer:${KEYS.writer},a:admin:${KEYS.admin}`,
      CLOVE_QUANTUM_MS: '0',
      ...env,
    },
  );
  const metrics = createMetrics();
  const service =
    clove ??
    createClove({
      store: createMemoryStore(),
      quantumMs: 0,
      metrics,
      limits: { maxReadLimit: config.limits.maxReadLimit },
    });
  const app = createApp({ clove: service, config, metrics, logger: silentLogger });
  const post = (path: string, body: unknown, key: string | null = KEYS.admin) =>
    Promise.resolve(
      app.request(path, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(key ? { authorization: `Bearer ${key}` } : {}),
        },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );
  return {
    app,
    clove: service,
    config,
    metrics,
    post,
    async json(path, body, key) {
      const res = await post(path, body, key);
      return { status: res.status, body: (await res.json()) as Body };
    },
    async lines(res) {
      const text = await res.text();
      return text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l));
    },
  };
}

/** Wire helpers. */
export const ref = (t: string) => {
  const [objectType, objectId] = t.split(':') as [string, string];
  return { objectType, objectId };
};
export const sub = (t: string) => {
  const [o, rel] = t.split('#');
  return rel ? { object: ref(o as string), optionalRelation: rel } : { object: ref(o as string) };
};
export const rel = (text: string) => {
  const [res, subject] = text.split('@') as [string, string];
  const [o, relation] = res.split('#') as [string, string];
  return { resource: ref(o), relation, subject: sub(subject) };
};
export const touch = (...texts: string[]) => ({
  updates: texts.map((t) => ({ operation: 'OPERATION_TOUCH', relationship: rel(t) })),
});
