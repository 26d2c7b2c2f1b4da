/**
 * Lookup scenarios. Two suites:
 * - every `test/lookup/scenarios/*.yaml` answers its `lookups:` expectations exactly (memory store
 *   with the engine cache on and off, PGlite with it on);
 * - the cross-API laws hold on every scenario file, ours and the shared `test/scenarios/*.yaml`
 *   (SpiceDB edge cases: caveats, public exclusions, `.all`, identity, cycles, expiration), for every
 *   resource, relation, permission and subject the file mentions, under each assertion's context.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.ts';
import { lookupResources, lookupSubjects, permissionsOf } from '../../src/engine/lookup/index.ts';
import { ELLIPSIS, parseObject, parseSubject } from '../../src/model/index.ts';
import { compileSchema } from '../../src/schema/index.ts';
import {
  createMemoryStore,
  createSqlStore,
  openPgliteDriver,
  type TupleStore,
} from '../../src/store/index.ts';
import type { LoadedValidationFile } from '../../src/validation/index.ts';
import { loadValidationFile } from '../../src/validation/index.ts';
import { assertLaws, tupleDomain } from './support/laws.ts';
import {
  formatPermissions,
  formatResources,
  formatSubjects,
  loadLookupScenario,
} from './support/scenario-file.ts';

const OWN = join(import.meta.dirname, 'scenarios');
const SHARED = join(import.meta.dirname, '..', 'scenarios');
const yamlIn = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

async function open(file: LoadedValidationFile, store: TupleStore = createMemoryStore()) {
  const schema = compileSchema(file.schemaText);
  const tuples = file.relationships.map((r) => r.tuple);
  const revision =
    tuples.length > 0 ? (await store.bulkImport(tuples)).revision : await store.headRevision();
  return { ctx: { reader: store.snapshot(revision), schema }, tuples };
}

// One PGlite store for the whole file, emptied per scenario (a fresh one costs seconds).
let pglite: { db: PGlite; store: TupleStore } | undefined;
async function emptyPglite(): Promise<TupleStore> {
  if (!pglite) {
    const db = await PGlite.create();
    const driver = await openPgliteDriver(db);
    await driver.migrate();
    pglite = { db, store: await createSqlStore(driver) };
  }
  const s = pglite.store;
  const types = new Set<string>();
  for await (const t of s.exportTuples({ revision: await s.headRevision() }))
    types.add(t.resource.type);
  for (const resourceType of types) await s.deleteByFilter({ resourceType });
  return s;
}
afterAll(async () => {
  // Closing the store closes its PGlite driver too; close the database only if it is still open.
  await pglite?.store.close();
  if (pglite && !pglite.db.closed) await pglite.db.close();
});

const memory = async (): Promise<TupleStore> => createMemoryStore();

describe.each([
  ['memory, cache on', () => createEngine(), memory],
  ['memory, cache off', () => createEngine({ cache: false }), memory],
  ['pglite, cache on', () => createEngine(), emptyPglite],
])('lookup scenarios (%s)', (_name, makeEngine, makeStore) => {
  it.each(yamlIn(OWN))('%s', async (name) => {
    const scenario = loadLookupScenario(join(OWN, name));
    const { ctx } = await open(scenario.file, await makeStore());
    const engine = makeEngine();
    for (const e of scenario.resources) {
      const [left, subjectText] = e.query.split('@') as [string, string];
      const [resourceType, permission] = left.split('#') as [string, string];
      const subject = parseSubject(subjectText);
      const got = await lookupResources(engine, ctx, {
        resourceType,
        permission,
        subject,
        ...(e.context ? { context: e.context } : {}),
      });
      expect(formatResources(got.results), e.query).toEqual([...e.expect].sort());
    }
    for (const e of scenario.subjects) {
      const [left, kind] = e.query.split('@') as [string, string];
      const hash = left.lastIndexOf('#');
      const [subjectType, subjectRelation] = kind.split('#') as [string, string | undefined];
      const got = await lookupSubjects(engine, ctx, {
        resource: parseObject(left.slice(0, hash)),
        permission: left.slice(hash + 1),
        subjectType,
        subjectRelation: subjectRelation ?? ELLIPSIS,
        ...(e.context ? { context: e.context } : {}),
      });
      expect(formatSubjects(got.subjects), e.query).toEqual([...e.expect].sort());
    }
    for (const e of scenario.permissions) {
      const [left, subjectText] = e.query.split('@') as [string, string];
      const got = await permissionsOf(engine, ctx, {
        resource: parseObject(left),
        subject: parseSubject(subjectText),
        ...(e.context ? { context: e.context } : {}),
      });
      expect(formatPermissions(got), e.query).toEqual([...e.expect].sort());
    }
    expect(
      scenario.resources.length + scenario.subjects.length + scenario.permissions.length,
    ).toBeGreaterThan(0);
  });
});

describe('cross-API laws on scenario files', () => {
  const files = [
    ...yamlIn(OWN).map((f) => join(OWN, f)),
    ...yamlIn(SHARED).map((f) => join(SHARED, f)),
  ];
  it.each(files.map((f) => [f.slice(f.lastIndexOf('/test/') + 1), f]))(
    '%s',
    async (_label, path) => {
      const file = path.startsWith(OWN) ? loadLookupScenario(path).file : loadValidationFile(path);
      const { ctx, tuples } = await open(file);
      const contexts = new Map<string, Record<string, unknown>>([['{}', {}]]);
      for (const a of file.assertions) {
        if (a.request.context)
          contexts.set(JSON.stringify(a.request.context), { ...a.request.context });
      }
      const engine = createEngine();
      const domain = tupleDomain(ctx.schema, tuples);
      for (const context of [...contexts.values()].slice(0, 3))
        await assertLaws(engine, ctx, domain, context);
      expect(domain.types.length).toBeGreaterThan(0);
    },
  );
});
