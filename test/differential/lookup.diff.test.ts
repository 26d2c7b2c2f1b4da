/**
 * Differential test of lookups (issue 5): for generated cases, lookupResources and lookupSubjects of
 * Clove (cache on and off) must return the same sets as SpiceDB: the same ids, the same
 * allowed/conditional marker on each, and for a wildcard subject the same excluded subjects with
 * their markers. Seeded like check.diff (DIFF_SEED, DIFF_CASES, DIFF_SHRINK_MS; docs/testing.md).
 *
 * Arbitration by SpiceDB's own check: SpiceDB v1.54's lookups sometimes contradict its check (found
 * by this suite: LookupSubjects through `self` returns the resource id under any subject type;
 * LookupSubjects through `.all()` over a relation whose subject types lack the arrow's relation keeps
 * subjects that check denies). When the sets differ, every id whose effective answer differs is
 * checked on SpiceDB; if SpiceDB's check agrees with Clove for all of them, the difference is counted
 * as `spicedb_lookup_inconsistent` instead of failing (check itself is compared in check.diff).
 * A difference in the wildcard entry is arbitrated with a subject id that is in no tuple.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, lookupResources, lookupSubjects } from '../../src/engine/index.ts';
import type { Tuple } from '../../src/model/index.ts';
import { type DiffCase, diffCaseArb } from '../support/generators/index.ts';
import {
  type LookedUpResource,
  SpiceDBCallError,
  type SpiceDBHarness,
  startSpiceDB,
} from '../support/spicedb.ts';
import {
  type CloveCase,
  caseText,
  diffConfig,
  formatQuery,
  loadClove,
  loadSpiceDB,
  Mismatch,
  reduceTuples,
  runDifferential,
  Tally,
} from './support.ts';

const cfg = diffConfig({ seed: 20_261_124, cases: 60 });

/** `id:allowed`, `id:conditional`; a wildcard adds `-{id:marker,…}` for its exclusions. */
type Entry = string;

function resourceEntries(
  rs: readonly Pick<LookedUpResource, 'resourceId' | 'permissionship'>[],
): Entry[] {
  return rs.map((r) => `${r.resourceId}:${r.permissionship}`).sort();
}

function subjectEntries(
  ss: readonly {
    subjectId: string;
    permissionship: string;
    excludedSubjects?: readonly { subjectId: string; permissionship: string }[];
  }[],
): Entry[] {
  return ss
    .map((s) => {
      const ex = [...(s.excludedSubjects ?? [])]
        .map((x) => `${x.subjectId}:${x.permissionship}`)
        .sort();
      return `${s.subjectId}:${s.permissionship}${ex.length > 0 ? `-{${ex.join(',')}}` : ''}`;
    })
    .sort();
}

/** Entries parsed back: per-id markers, the wildcard's marker and its exclusions. */
interface ParsedEntries {
  readonly ids: Map<string, string>;
  readonly wildcard: string | undefined;
  readonly excluded: Map<string, string>;
}

function parseEntries(entries: readonly Entry[]): ParsedEntries {
  const ids = new Map<string, string>();
  const excluded = new Map<string, string>();
  let wildcard: string | undefined;
  for (const e of entries) {
    const m = /^([^:]+):(allowed|conditional)(?:-\{(.*)\})?$/.exec(e);
    if (!m) throw new Error(`bad entry ${e}`);
    if (m[1] === '*') {
      wildcard = m[2];
      for (const x of (m[3] ?? '').split(',').filter(Boolean)) {
        const [id, marker] = x.split(':');
        excluded.set(id as string, marker as string);
      }
    } else ids.set(m[1] as string, m[2] as string);
  }
  for (const id of excluded.keys()) if (!ids.has(id)) ids.set(id, '');
  return { ids, wildcard, excluded };
}

/** The answer the entries give for one id: its own entry, else the wildcard minus exclusions. */
function effective(p: ParsedEntries, id: string): string {
  const own = p.ids.get(id);
  if (own) return own;
  if (!p.wildcard) return 'denied';
  const ex = p.excluded.get(id);
  if (ex === 'allowed') return 'denied';
  if (ex === 'conditional') return 'conditional';
  return p.wildcard;
}

describe('lookups agree with SpiceDB', () => {
  let spice: SpiceDBHarness;
  const tally = new Tally();
  let firstInternalError: string | undefined;
  beforeAll(async () => {
    spice = await startSpiceDB();
  });
  afterAll(() => spice?.close());

  /** Runs a SpiceDB lookup; undefined (counted) when SpiceDB gives up on depth. */
  async function spiceOrSkip<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof SpiceDBCallError && e.isMaxDepth) {
        tally.add('skipped_max_depth');
        return undefined;
      }
      // SpiceDB v1.54 internal error (found by this suite): LookupResources on some schemas using
      // `self` fails with "BUG: … cannot call HintForEntrypoint for kind SELF_ENTRYPOINT".
      if (e instanceof SpiceDBCallError && /\bBUG\b/.test(e.message)) {
        tally.add('skipped_spicedb_internal_error');
        firstInternalError ??= e.message;
        return undefined;
      }
      throw e;
    }
  }

  type Answers = { want: Entry[]; got: Record<string, Entry[]> };
  type Query =
    | { kind: 'lookupResources'; q: DiffCase['lookupResources'][number] }
    | { kind: 'lookupSubjects'; q: DiffCase['lookupSubjects'][number] };

  /** SpiceDB's and both Clove engines' entries for one query; undefined when SpiceDB gives up. */
  async function answers(clove: CloveCase, query: Query): Promise<Answers | undefined> {
    const engines: [string, Engine][] = [
      ['Clove (cache on)', clove.cached],
      ['Clove (cache off)', clove.uncached],
    ];
    const got: Record<string, Entry[]> = {};
    if (query.kind === 'lookupResources') {
      const want = await spiceOrSkip(() => spice.lookupResources(query.q));
      if (!want) return undefined;
      for (const [name, engine] of engines)
        got[name] = resourceEntries((await lookupResources(engine, clove.ctx, query.q)).results);
      return { want: resourceEntries(want), got };
    }
    const want = await spiceOrSkip(() => spice.lookupSubjects(query.q));
    if (!want) return undefined;
    for (const [name, engine] of engines)
      got[name] = subjectEntries((await lookupSubjects(engine, clove.ctx, query.q)).subjects);
    return { want: subjectEntries(want), got };
  }

  const differs = (a: Answers) =>
    Object.values(a.got).some((g) => g.join(' ') !== a.want.join(' '));

  /**
   * For answers that differ: true when every differing id is decided by SpiceDB's own check the way
   * Clove decided it (a SpiceDB lookup inconsistency), false for a real mismatch.
   */
  async function spiceCheckSidesWithClove(query: Query, a: Answers): Promise<boolean> {
    const want = parseEntries(a.want);
    for (const g of Object.values(a.got)) {
      const got = parseEntries(g);
      // `probe9` is in no tuple: it stands for "any other subject", so wildcard differences are
      // arbitrated too (only lookupSubjects has wildcards).
      const ids = new Set([...want.ids.keys(), ...got.ids.keys()]);
      if (query.kind === 'lookupSubjects' && (want.wildcard || got.wildcard)) ids.add('probe9');
      for (const id of ids) {
        const cloveSays = effective(got, id);
        if (effective(want, id) === cloveSays) continue;
        const own =
          query.kind === 'lookupResources'
            ? await spice.check(
                { type: query.q.resourceType, id },
                query.q.permission,
                query.q.subject,
                query.q.context,
              )
            : await spice.check(
                query.q.resource,
                query.q.permission,
                { type: query.q.subjectType, id, relation: query.q.subjectRelation ?? '...' },
                query.q.context,
              );
        if (own.permissionship !== cloveSays) return false;
      }
    }
    return true;
  }

  /** Reloads a case with other tuples and answers one query (to reduce a mismatch). */
  async function answersWith(c: DiffCase, tuples: readonly Tuple[], query: Query) {
    const reduced = { ...c, tuples };
    await loadSpiceDB(spice, reduced);
    const clove = await loadClove(c.schemaText, tuples);
    try {
      return await answers(clove, query);
    } finally {
      await clove.close();
    }
  }

  function queryText(query: Query): string {
    if (query.kind === 'lookupResources') {
      const q = query.q;
      return formatQuery(`${q.resourceType}:?`, q.permission, q.subject, q.context);
    }
    const q = query.q;
    const subject = `${q.subjectType}:?${q.subjectRelation ? `#${q.subjectRelation}` : ''}`;
    return formatQuery(q.resource, q.permission, subject, q.context);
  }

  async function compareCase(c: DiffCase): Promise<void> {
    tally.add('cases');
    await loadSpiceDB(spice, c);
    const clove: CloveCase = await loadClove(c.schemaText, c.tuples);
    const queries: Query[] = [
      ...c.lookupResources.map((q) => ({ kind: 'lookupResources' as const, q })),
      ...c.lookupSubjects.map((q) => ({ kind: 'lookupSubjects' as const, q })),
    ];
    let failing: Query | undefined;
    try {
      for (const query of queries) {
        const a = await answers(clove, query);
        if (!a) continue;
        tally.add('comparisons');
        if (query.kind === 'lookupResources') {
          tally.add('lr');
          tally.add('lr_results', a.want.length);
        } else {
          tally.add('ls');
          tally.add('ls_results', a.want.length);
          if (a.want.some((e) => e.startsWith('*:'))) tally.add('ls_wildcards');
          if (a.want.some((e) => e.includes('-{'))) tally.add('ls_exclusions');
        }
        if (differs(a)) {
          if (await spiceCheckSidesWithClove(query, a)) {
            tally.add('spicedb_lookup_inconsistent');
            continue;
          }
          failing = query;
          break;
        }
      }
    } finally {
      await clove.close();
    }
    if (!failing) return;
    // Reduce the tuples for the failing query, then report (fast-check shrinks the rest).
    const query = failing;
    const tuples = await reduceTuples(c.tuples, async (ts) => {
      const a = await answersWith(c, ts, query);
      return a !== undefined && differs(a) && !(await spiceCheckSidesWithClove(query, a));
    });
    const a = await answersWith(c, tuples, query);
    if (!a) throw new Error('mismatch vanished while reducing (SpiceDB max depth)');
    throw new Mismatch(
      query.kind,
      queryText(query),
      {
        SpiceDB: `[${a.want.join(' ')}]`,
        ...Object.fromEntries(Object.entries(a.got).map(([k, g]) => [k, `[${g.join(' ')}]`])),
      },
      caseText({ ...c, tuples }),
    );
  }

  it(`agrees on every generated lookup (seed ${cfg.seed}, ${cfg.cases} cases)`, async () => {
    const arb = diffCaseArb({ checks: 0, lookupResources: 12, lookupSubjects: 12 });
    await runDifferential('lookup.diff', cfg, arb, compareCase, tally);
    console.log(
      tally.line(`[lookup.diff] seed=${cfg.seed}`, [
        'cases',
        'comparisons',
        'lr',
        'lr_results',
        'ls',
        'ls_results',
        'ls_wildcards',
        'ls_exclusions',
        'skipped_max_depth',
        'slowest_case_ms',
        'spicedb_lookup_inconsistent',
        'skipped_spicedb_internal_error',
      ]),
    );
    if (firstInternalError)
      console.log(`[lookup.diff] first SpiceDB internal error: ${firstInternalError}`);
    expect(tally.get('comparisons')).toBeGreaterThan(0);
  }, 600_000);
});
