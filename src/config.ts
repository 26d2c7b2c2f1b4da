/**
 * Typed configuration of a Clove server, read from the environment and command-line flags through
 * zod. Flags win over the environment, the environment over defaults. Secrets (API keys) are hashed
 * as soon as they are read and the plain text is dropped, so nothing downstream can log them.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AppError } from './errors.ts';

/** Roles in increasing power: each role may do everything the roles before it may. */
export const ROLES = ['reader', 'writer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A configured bearer key. `secretHash` is sha256(secret); the secret itself is never kept. */
export interface ApiKey {
  readonly id: string;
  readonly role: Role;
  readonly secretHash: Buffer;
}

/** Request and batch limits enforced by the API and the service. */
export interface Limits {
  /** Largest accepted request body, in bytes (`payload_too_large` above it). */
  readonly bodyBytes: number;
  /** Per-request deadline in ms; a request still running then fails with `deadline_exceeded`. */
  readonly requestTimeoutMs: number;
  /** Most items in one checkbulk request (`batch_too_large` above it). */
  readonly maxBulkCheckItems: number;
  /** Most updates plus preconditions in one write (`batch_too_large` above it). */
  readonly maxWriteOps: number;
  /** Default and maximum page size of reads, lookups and exports. */
  readonly maxReadLimit: number;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  /** `memory`, a `postgres://` URL, or a PGlite data directory. */
  readonly store: string;
  readonly keys: readonly ApiKey[];
  readonly limits: Limits;
  /** Revision quantization window for `minimize_latency` (ms). */
  readonly quantumMs: number;
  /** Dispatch depth budget of the engine. */
  readonly maxDepth: number;
  /**
   * Most check cache entries; 0 disables the cache, undefined leaves only the byte bound
   * (`CLOVE_CACHE_SIZE`).
   */
  readonly cacheSize?: number | undefined;
  /**
   * Most estimated heap bytes of the check cache (`CLOVE_CACHE_MAX_BYTES`); undefined means the
   * engine's default, 256 MiB or a quarter of V8's heap limit when that is smaller.
   */
  readonly cacheMaxBytes?: number | undefined;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** How long a shutdown waits for in-flight requests before closing connections (ms). */
  readonly shutdownGraceMs: number;
  /** Apply pending migrations to Postgres on start (PGlite always migrates itself). */
  readonly autoMigrate: boolean;
  /** The decision log (audit stream of every check), when enabled. */
  readonly decisionLog?: DecisionLogConfig;
}

/** Decision log settings: `target` is `stdout` or a file path (appended to). */
export interface DecisionLogConfig {
  readonly target: string;
  /** Fraction of decisions logged, in (0, 1] (default 1). */
  readonly sampleRate: number;
  /** How grants get their proof path (default `deferred`). */
  readonly proofs: 'deferred' | 'inline' | 'off';
}

/** Flags as parsed by the CLI (strings or undefined); same names as the Config fields. */
export interface ConfigFlags {
  readonly port?: string | number;
  readonly host?: string;
  readonly store?: string;
  readonly keys?: string;
  readonly keysFile?: string;
  readonly logLevel?: string;
  readonly migrate?: boolean;
  readonly decisionLog?: string;
  readonly decisionLogSample?: string;
  readonly decisionLogProofs?: string;
}

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_STORE = './.clove';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Binary units a byte count may carry (`256MiB`); a bare integer is bytes. */
const BYTE_UNITS: Readonly<Record<string, number>> = { kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };
const BYTE_COUNT = /^(\d+)\s*(kib|mib|gib)?$/i;
/** The smallest accepted check cache byte bound: below it the cache holds a few thousand entries. */
export const MIN_CACHE_MAX_BYTES = 1024 ** 2;
/** The largest accepted check cache byte bound (far beyond any V8 heap). */
export const MAX_CACHE_MAX_BYTES = 1024 ** 4;

/** Parses `268435456`, `512KiB`, `256MiB` or `2GiB` (units case-insensitive) into bytes. */
export function parseByteCount(text: string): number {
  const m = BYTE_COUNT.exec(text.trim());
  if (!m) return Number.NaN;
  return Number(m[1]) * (m[2] ? (BYTE_UNITS[m[2].toLowerCase()] ?? Number.NaN) : 1);
}

/** `CLOVE_CACHE_MAX_BYTES`: a byte count with an optional binary unit, 1 MiB to 1 TiB. */
const cacheMaxBytes = z.coerce
  .string()
  .refine((t) => BYTE_COUNT.test(t.trim()), {
    message: 'CLOVE_CACHE_MAX_BYTES must be a byte count such as 268435456 or 256MiB',
  })
  .transform(parseByteCount)
  .pipe(
    z
      .number()
      .int()
      .min(MIN_CACHE_MAX_BYTES, {
        message:
          'CLOVE_CACHE_MAX_BYTES must be at least 1MiB (1048576); set CLOVE_CACHE_SIZE=0 to turn the cache off',
      })
      .max(MAX_CACHE_MAX_BYTES, { message: 'CLOVE_CACHE_MAX_BYTES must be at most 1TiB' }),
  );

const RawConfig = z.object({
  port: int(0, 65535).default(DEFAULT_PORT),
  host: z.string().min(1).default(DEFAULT_HOST),
  store: z.string().min(1).default(DEFAULT_STORE),
  bodyBytes: int(1024, 1 << 30).default(4 * 1024 * 1024),
  requestTimeoutMs: int(1, 3_600_000).default(10_000),
  maxBulkCheckItems: int(1, 100_000).default(1000),
  maxWriteOps: int(1, 1_000_000).default(1000),
  maxReadLimit: int(1, 1_000_000).default(1000),
  quantumMs: int(0, 60_000).default(5000),
  maxDepth: int(1, 1000).default(50),
  cacheSize: int(0, 10_000_000).optional(),
  cacheMaxBytes: cacheMaxBytes.optional(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  shutdownGraceMs: int(0, 600_000).default(10_000),
  autoMigrate: z.enum(['true', 'false', '1', '0']).default('false'),
  decisionLog: z.string().min(1).optional(),
  decisionLogSample: z.coerce.number().gt(0).max(1).default(1),
  decisionLogProofs: z.enum(['deferred', 'inline', 'off']).default('deferred'),
});

/**
 * Builds the Config from flags and environment variables (`PORT`, `HOST`, `DATABASE_URL`,
 * `CLOVE_STORE`, `CLOVE_KEYS`, `CLOVE_KEYS_FILE`, `CLOVE_LOG_LEVEL`, `CLOVE_BODY_LIMIT_BYTES`,
 * `CLOVE_REQUEST_TIMEOUT_MS`, `CLOVE_MAX_BULK_CHECK_ITEMS`, `CLOVE_MAX_WRITE_OPS`,
 * `CLOVE_MAX_READ_LIMIT`, `CLOVE_QUANTUM_MS`, `CLOVE_MAX_DEPTH`, `CLOVE_CACHE_SIZE`,
 * `CLOVE_CACHE_MAX_BYTES`, `CLOVE_SHUTDOWN_GRACE_MS`, `CLOVE_AUTO_MIGRATE`, `CLOVE_DECISION_LOG`
 * (`stdout` or a file), `CLOVE_DECISION_LOG_SAMPLE`, `CLOVE_DECISION_LOG_PROOFS`). Throws
 * `invalid_config` naming every bad setting.
 */
export function loadConfig(
  flags: ConfigFlags = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): Config {
  const pick = (...values: (string | number | undefined)[]) =>
    values.find((v) => v !== undefined && v !== '');
  const parsed = RawConfig.safeParse({
    port: pick(flags.port, env.PORT),
    host: pick(flags.host, env.HOST),
    store: pick(flags.store, env.DATABASE_URL, env.CLOVE_STORE),
    bodyBytes: pick(env.CLOVE_BODY_LIMIT_BYTES),
    requestTimeoutMs: pick(env.CLOVE_REQUEST_TIMEOUT_MS),
    maxBulkCheckItems: pick(env.CLOVE_MAX_BULK_CHECK_ITEMS),
    maxWriteOps: pick(env.CLOVE_MAX_WRITE_OPS),
    maxReadLimit: pick(env.CLOVE_MAX_READ_LIMIT),
    quantumMs: pick(env.CLOVE_QUANTUM_MS),
    maxDepth: pick(env.CLOVE_MAX_DEPTH),
    cacheSize: pick(env.CLOVE_CACHE_SIZE),
    cacheMaxBytes: pick(env.CLOVE_CACHE_MAX_BYTES),
    logLevel: pick(flags.logLevel, env.CLOVE_LOG_LEVEL),
    shutdownGraceMs: pick(env.CLOVE_SHUTDOWN_GRACE_MS),
    autoMigrate: flags.migrate ? 'true' : pick(env.CLOVE_AUTO_MIGRATE),
    decisionLog: pick(flags.decisionLog, env.CLOVE_DECISION_LOG),
    decisionLogSample: pick(flags.decisionLogSample, env.CLOVE_DECISION_LOG_SAMPLE),
    decisionLogProofs: pick(flags.decisionLogProofs, env.CLOVE_DECISION_LOG_PROOFS),
  });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new AppError('invalid_config', `invalid configuration: ${issues.join('; ')}`, {
      details: { issues },
    });
  }
  const c = parsed.data;
  const keySpecs: string[] = [];
  const inline = pick(flags.keys, env.CLOVE_KEYS);
  if (typeof inline === 'string') keySpecs.push(...inline.split(','));
  const file = pick(flags.keysFile, env.CLOVE_KEYS_FILE);
  if (typeof file === 'string') keySpecs.push(...readKeysFile(file));
  return {
    port: c.port,
    host: c.host,
    store: c.store,
    keys: parseKeys(keySpecs),
    limits: {
      bodyBytes: c.bodyBytes,
      requestTimeoutMs: c.requestTimeoutMs,
      maxBulkCheckItems: c.maxBulkCheckItems,
      maxWriteOps: c.maxWriteOps,
      maxReadLimit: c.maxReadLimit,
    },
    quantumMs: c.quantumMs,
    maxDepth: c.maxDepth,
    cacheSize: c.cacheSize,
    cacheMaxBytes: c.cacheMaxBytes,
    logLevel: c.logLevel,
    shutdownGraceMs: c.shutdownGraceMs,
    autoMigrate: c.autoMigrate === 'true' || c.autoMigrate === '1',
    ...(c.decisionLog
      ? {
          decisionLog: {
            target: c.decisionLog,
            sampleRate: c.decisionLogSample,
            proofs: c.decisionLogProofs,
          },
        }
      : {}),
  };
}

function readKeysFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new AppError('invalid_config', `cannot read keys file ${path}`, { cause });
  }
  return text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Parses `id:role:secret` entries (blank entries are skipped). Ids must be unique and secrets at
 * least 16 characters; the secret is hashed immediately. Throws `invalid_config` without ever
 * echoing a secret.
 */
export function parseKeys(specs: readonly string[]): ApiKey[] {
  const keys: ApiKey[] = [];
  const seen = new Set<string>();
  for (const raw of specs) {
    const spec = raw.trim();
    if (spec === '') continue;
    const first = spec.indexOf(':');
    const second = spec.indexOf(':', first + 1);
    const id = spec.slice(0, first);
    const role = spec.slice(first + 1, second);
    const secret = spec.slice(second + 1);
    if (first < 0 || second < 0 || !KEY_ID.test(id))
      throw new AppError('invalid_config', 'API key entries must look like id:role:secret', {
        details: { id: KEY_ID.test(id) ? id : undefined },
      });
    if (!(ROLES as readonly string[]).includes(role))
      throw new AppError(
        'invalid_config',
        `API key ${id}: role must be one of ${ROLES.join(', ')}`,
      );
    if (secret.length < 16)
      throw new AppError('invalid_config', `API key ${id}: secret must be at least 16 characters`);
    if (seen.has(id)) throw new AppError('invalid_config', `API key ${id} is configured twice`);
    seen.add(id);
    keys.push({ id, role: role as Role, secretHash: hashSecret(secret) });
  }
  return keys;
}

/** sha256 of a secret: the form keys are stored and compared in (fixed length for timingSafeEqual). */
export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}

/**
 * The secure default: a server without API keys answers anyone who can reach it, so it may only
 * listen on loopback. Throws `invalid_config` explaining how to fix it otherwise.
 */
export function assertSafeBinding(config: Pick<Config, 'host' | 'keys'>): void {
  if (config.keys.length === 0 && !isLoopbackHost(config.host))
    throw new AppError(
      'invalid_config',
      `refusing to listen on ${config.host} without API keys: anyone reaching this address could ` +
        'read and change permissions. Configure keys (CLOVE_KEYS="id:role:secret,..." or ' +
        'CLOVE_KEYS_FILE) or bind to loopback (--host 127.0.0.1).',
      { details: { host: config.host } },
    );
}
