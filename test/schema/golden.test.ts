/**
 * Golden files for the schema language: every `test/golden/schema/<case>.zed` has its diagnostics
 * (`code line:col-line:col message`, warnings marked) in `<case>.diagnostics` and its parse tree in
 * `<case>.ast`. Refresh with `npx vitest run test/schema/golden.test.ts -u` and review the diff.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkSchema,
  compileSchema,
  formatDiagnosticLine,
  parseSchema,
} from '../../src/schema/index.ts';
import { dumpAst } from './ast-tools.ts';

const DIR = join(import.meta.dirname, '..', 'golden', 'schema');
const CASES = readdirSync(DIR)
  .filter((f) => f.endsWith('.zed'))
  .map((f) => f.slice(0, -4))
  .sort();

describe('schema golden files', () => {
  it('has cases', () => {
    expect(CASES.length).toBeGreaterThan(5);
  });

  it.each(CASES)('%s', async (name) => {
    const source = readFileSync(join(DIR, `${name}.zed`), 'utf8');
    const lines = checkSchema(source).map(
      (d) => formatDiagnosticLine(d) + (d.severity === 'warning' ? ' [warning]' : ''),
    );
    await expect(lines.length === 0 ? 'ok\n' : `${lines.join('\n')}\n`).toMatchFileSnapshot(
      join(DIR, `${name}.diagnostics`),
    );
    await expect(dumpAst(parseSchema(source).ast)).toMatchFileSnapshot(join(DIR, `${name}.ast`));
  });
});

// The IR (and its hash) of the example schemas is pinned: the hash is persisted with every schema
// revision and inside zookies, so any change to the canonical form must be deliberate.
describe('compiled IR of the example schemas', () => {
  it.each(['docs', 'agents'])('schema/%s.zed', async (name) => {
    const source = readFileSync(
      join(import.meta.dirname, '..', '..', 'schema', `${name}.zed`),
      'utf8',
    );
    await expect(`${JSON.stringify(compileSchema(source), null, 2)}\n`).toMatchFileSnapshot(
      join(DIR, `${name}-zed.ir`),
    );
  });
});
