/**
 * Shared machinery of the differential suites: run configuration (seed and case count from the
 * environment), loading one generated case into Clove (memory store + engine with cache on and off)
 * and into SpiceDB, the fast-check runner with a shrinking budget, and readable mismatch reports.
 */
import fc from 'fast-check';
import { formatObject, formatSubject, type Tuple } from '../../src/model/index.ts';
import { compileSchema, type SchemaIR } from '../../src/schema/index.ts';
// Not part of the service's public face; used so that Clove's write validation is held to the
// same standard as SpiceDB's (every generated tuple must be accepted by both).
import { validateWriteOps } from '../../src/service/validate-writes.ts';
import { createMemoryStore } from '../../src/store/index.ts';
import { createEngine, type Engine, type EvalContext } from '../../src/engine/index.ts';
import { type DiffCase, formatCase } from '../support/generators/index.ts';
import type { SpiceDBHarness } from '../support/spicedb.ts';

/** Run settings: `DIFF_SEED` (default fixed), `DIFF_CASES`, `DIFF_SHRINK_MS` (shrinking budget). */
export interface DiffConfig {
  readonly seed: number;
  readonly cases: number;
  readonly shrinkMs: number;
}

/** Reads the run settings from the environment, falling back to the suite's defaults. */
export function diffConfig(defaults: { seed: number; cases: number }): DiffConfig {
  const num = (name: string, fallback: number): number => {
    const v = process.env[name];
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got "${v}"`);
    return n;
  };
  return {
    seed: num('DIFF_SEED', defaults.seed),
    cases: num('DIFF_CASES', defaults.cases),
    shrinkMs: num('DIFF_SHRINK_MS', 30_000),
  };
}

/** One generated case loaded into Clove: the evaluation context and two engines. */
export interface CloveCase {
  readonly ctx: EvalContext;
  readonly ir: SchemaIR;
  /** A fresh engine per case with the cross-request cache on (entries shared by the case's queries). */
  readonly cached: Engine;
  readonly uncached: Engine;
  close(): Promise<void>;
}

/**
 * Compiles the schema, validates and writes the tuples (TOUCH) into a fresh memory store, and
 * creates the engines. Why a fresh cached engine per case: cache keys carry revision + schema hash
 * but not the store, and every fresh store restarts its revisions, so an engine shared across cases
 * could serve a previous case's answers for an identical schema.
 */
export async function loadClove(schemaText: string, tuples: readonly Tuple[]): Promise<CloveCase> {
  const ir = compileSchema(schemaText);
  const ops = tuples.map((tuple) => ({ op: 'touch' as const, tuple }));
  validateWriteOps(ir, ops);
  const store = createMemoryStore();
  await store.writeSchema({ text: schemaText, ir });
  const rev = ops.length > 0 ? await store.write(ops) : await store.headRevision();
  return {
    ctx: { reader: store.snapshot(rev), schema: ir },
    ir,
    cached: createEngine({}),
    uncached: createEngine({ cache: false }),
    close: () => store.close(),
  };
}

/** Loads a case into SpiceDB (reusing one instance; `reset` is ~5 ms against ~30 ms for a fresh one). */
export async function loadSpiceDB(h: SpiceDBHarness, c: DiffCase): Promise<void> {
  await h.reset(c.schemaText);
  await h.writeRelationships(c.tuples);
}

/** A disagreement found in one case; thrown from the property so that fast-check shrinks it. */
export class Mismatch extends Error {
  constructor(
    readonly kind: string,
    readonly query: string,
    readonly answers: Readonly<Record<string, string>>,
    readonly caseText: string,
  ) {
    super(
      `Clove disagrees with SpiceDB on ${kind}\n  query: ${query}\n${Object.entries(answers)
        .map(([who, a]) => `  ${who}: ${a}`)
        .join('\n')}\n${caseText}`,
    );
    this.name = 'Mismatch';
  }
}

/** `doc:a#view@user:u1 with {"num":1}`: a query in the relationship text form. */
export function formatQuery(
  resource: { type: string; id: string } | string,
  permission: string,
  subject: { type: string; id: string; relation: string } | string,
  context?: Readonly<Record<string, unknown>>,
): string {
  const r = typeof resource === 'string' ? resource : formatObject(resource);
  const s = typeof subject === 'string' ? subject : formatSubject(subject);
  return `${r}#${permission}@${s}${context ? ` with ${JSON.stringify(context)}` : ''}`;
}

/** Counters printed as the suite's one summary line. */
export class Tally {
  readonly counts = new Map<string, number>();
  add(key: string, n = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }
  /** Keeps the largest value seen under `key`. */
  max(key: string, n: number): void {
    this.counts.set(key, Math.max(this.counts.get(key) ?? 0, Math.round(n)));
  }
  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }
  line(prefix: string, keys: readonly string[]): string {
    return `${prefix} ${keys.map((k) => `${k}=${this.get(k)}`).join(' ')}`;
  }
}

/**
 * Runs `compare` on `cfg.cases` generated cases. On the first mismatch fast-check shrinks the case
 * for at most `cfg.shrinkMs` (afterwards candidates are reported as passing, which ends shrinking)
 * and the smallest failing case is thrown as one readable error with the seed to replay it.
 */
export async function runDifferential(
  name: string,
  cfg: DiffConfig,
  arb: fc.Arbitrary<DiffCase>,
  compare: (c: DiffCase) => Promise<void>,
  tally?: Tally,
): Promise<void> {
  let firstFailureAt: number | undefined;
  const details = await fc.check(
    fc.asyncProperty(arb, async (c) => {
      if (firstFailureAt !== undefined && Date.now() - firstFailureAt > cfg.shrinkMs) return true;
      const started = performance.now();
      try {
        await compare(c);
        tally?.max('slowest_case_ms', performance.now() - started);
      } catch (e) {
        firstFailureAt ??= Date.now();
        throw e;
      }
      return true;
    }),
    { seed: cfg.seed, numRuns: cfg.cases, endOnFailure: false },
  );
  if (!details.failed) return;
  const err = details.errorInstance;
  const message = err instanceof Error ? err.message : String(err);
  throw new Error(
    `${name}: failed after ${details.numRuns} case(s), shrunk ${details.numShrinks} time(s); ` +
      `replay with DIFF_SEED=${cfg.seed} DIFF_CASES=${cfg.cases}\n${message}`,
  );
}

/**
 * Greedy one-at-a-time removal: drops every tuple whose removal keeps `stillFails` true. Linear in
 * the number of tuples (≤ 60), so a report names only the tuples that matter for the query.
 */
export async function reduceTuples(
  tuples: readonly Tuple[],
  stillFails: (ts: readonly Tuple[]) => Promise<boolean>,
): Promise<Tuple[]> {
  let kept = [...tuples];
  for (let i = kept.length - 1; i >= 0; i--) {
    const candidate = kept.filter((_, j) => j !== i);
    if (await stillFails(candidate)) kept = candidate;
  }
  return kept;
}

/** Formats the case part of a report. */
export function caseText(c: DiffCase): string {
  return formatCase(c);
}
