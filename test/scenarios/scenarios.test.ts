/**
 * Runs every `test/scenarios/*.yaml` (SpiceDB validation-file format) through the validation runner
 * on every store backend (memory, PGlite, Postgres), with the engine cache on and off and both operand modes (concurrent, sequential). A scenario
 * passes when every assertion and expected relation holds; failures print as `file:line: …`.
 * `CLOVE_SCENARIO_STORES=memory` (comma list) narrows the backends for a quick local run.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.ts';
import {
  createMemoryStore,
  createSqlStore,
  openPgliteDriver,
  openStore,
  type TupleStore,
} from '../../src/store/index.ts';
import {
  formatValidationFailures,
  loadValidationFile,
  runValidationFile,
} from '../../src/validation/index.ts';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '../support/postgres.ts';

const DIR = import.meta.dirname;
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

const WANTED = (process.env.CLOVE_SCENARIO_STORES ?? 'memory,pglite,postgres').split(',');
const opened: TupleStore[] = [];
let pgliteTemplate: PGlite | undefined;
let server: TestPostgres | undefined;

beforeAll(async () => {
  if (WANTED.includes('pglite')) {
    pgliteTemplate = await PGlite.create();
    await (await openPgliteDriver(pgliteTemplate)).migrate();
  }
  if (WANTED.includes('postgres')) server = await startTestPostgres();
});

afterAll(async () => {
  for (const s of opened) await s.close();
  await pgliteTemplate?.close();
  await server?.stop();
});

async function track(store: Promise<TupleStore> | TupleStore): Promise<TupleStore> {
  const s = await store;
  opened.push(s);
  return s;
}

/**
 * One store per SQL backend, emptied before each scenario. Why not a fresh store each time: cloning
 * PGlite or creating a database costs seconds on a busy machine, while deleting a scenario's few
 * tuples costs milliseconds; revisions keep growing, which the runner never notices.
 */
function reusable(open: () => Promise<TupleStore>): () => Promise<TupleStore> {
  let store: Promise<TupleStore> | undefined;
  return async () => {
    store ??= track(open());
    const s = await store;
    const types = new Set<string>();
    for await (const t of s.exportTuples({ revision: await s.headRevision() }))
      types.add(t.resource.type);
    for (const resourceType of types) await s.deleteByFilter({ resourceType });
    return s;
  };
}

/** Store backends under test: each factory returns an empty, migrated store. */
const STORES: { name: string; create: () => Promise<TupleStore> }[] = [
  { name: 'memory', create: () => track(createMemoryStore()) },
  {
    name: 'pglite',
    create: reusable(async () =>
      createSqlStore(await openPgliteDriver((await pgliteTemplate!.clone()) as PGlite)),
    ),
  },
  {
    name: 'postgres',
    create: reusable(async () =>
      openStore(await createTestDatabase(server!.url), { autoMigrate: true }),
    ),
  },
].filter((s) => WANTED.includes(s.name));

describe.each(STORES)('scenarios on $name', ({ create }) => {
  it('finds scenario files', () => {
    expect(FILES.length).toBeGreaterThan(0);
  });
  describe.each(FILES)('%s', (file) => {
    it.each([
      ['cache on', () => createEngine()],
      ['cache off', () => createEngine({ cache: false })],
      [
        'concurrent operands, cache off',
        () => createEngine({ cache: false, operands: 'concurrent' }),
      ],
      ['sequential operands', () => createEngine({ operands: 'sequential' })],
    ])('%s', async (_label, engineFactory) => {
      const loaded = loadValidationFile(join(DIR, file));
      const report = await runValidationFile(loaded, { engineFactory, storeFactory: create });
      expect(formatValidationFailures(report)).toEqual([]);
      expect(report.assertions.length + report.validation.length).toBeGreaterThan(0);
    });
  });
});
