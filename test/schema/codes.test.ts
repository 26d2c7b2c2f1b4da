/**
 * The diagnostic catalogue, the golden files and the docs stay in step: every code a golden file
 * shows is catalogued, and every catalogued code is documented in docs/schema-language.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCHEMA_DIAGNOSTIC_CODES } from '../../src/schema/index.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CODES = Object.keys(SCHEMA_DIAGNOSTIC_CODES);

describe('diagnostic codes', () => {
  it('every code in the golden files is catalogued', () => {
    const dir = join(ROOT, 'test', 'golden', 'schema');
    const seen = new Set<string>();
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.diagnostics')))
      for (const line of readFileSync(join(dir, f), 'utf8').split('\n'))
        if (line && line !== 'ok') seen.add(line.split(' ')[0] as string);
    for (const code of seen) expect(CODES).toContain(code);
    expect(seen.size).toBeGreaterThan(20);
  });

  it.each(CODES)('%s is documented', (code) => {
    const doc = readFileSync(join(ROOT, 'docs', 'schema-language.md'), 'utf8');
    expect(doc).toContain(`\`${code}\``);
  });
});
