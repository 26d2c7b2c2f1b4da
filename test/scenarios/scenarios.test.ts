/**
 * Runs every `test/scenarios/*.yaml` (SpiceDB validation-file format) through the validation runner
 * on every store backend, with the engine cache on and off. A scenario passes when every assertion
 * and expected relation holds; failures print as `file:line: …`.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.ts';
import { createMemoryStore, type TupleStore } from '../../src/store/index.ts';
import {
  formatValidationFailures,
  loadValidationFile,
  runValidationFile,
} from '../../src/validation/index.ts';

const DIR = import.meta.dirname;
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

/** Store backends under test; PGlite/Postgres plug in here once src/store exports them. */
const STORES: { name: string; create: () => TupleStore | Promise<TupleStore> }[] = [
  { name: 'memory', create: () => createMemoryStore() },
];

describe.each(STORES)('scenarios on $name', ({ create }) => {
  it('finds scenario files', () => {
    expect(FILES.length).toBeGreaterThan(0);
  });
  describe.each(FILES)('%s', (file) => {
    it.each([
      ['cache on', () => createEngine()],
      ['cache off', () => createEngine({ cache: false })],
    ])('%s', async (_label, engineFactory) => {
      const loaded = loadValidationFile(join(DIR, file));
      const report = await runValidationFile(loaded, { engineFactory, storeFactory: create });
      expect(formatValidationFailures(report)).toEqual([]);
      expect(report.assertions.length + report.validation.length).toBeGreaterThan(0);
    });
  });
});
