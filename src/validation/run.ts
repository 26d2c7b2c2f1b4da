/**
 * Runs a loaded validation file against Clove: compiles the schema, writes the relationships to a
 * fresh store, checks every assertion and compares every `validation:` entry with a recursive
 * expand. Failures are data (with the file line), never exceptions, so a CLI can print them all.
 */
import { AppError, isAppError, SchemaError } from '../errors.ts';
import { createEngine, type Engine, type Permissionship } from '../engine/index.ts';
import { parseSubject } from '../model/index.ts';
import { compileSchema } from '../schema/index.ts';
import { createMemoryStore, type TupleStore } from '../store/index.ts';
import { type FoundSubject, formatFound, foundSubjects } from './found-subjects.ts';
import type { AssertionKind, ExpectedSubject, LoadedValidationFile } from './types.ts';

const EXPECTED: Record<AssertionKind, Permissionship> = {
  assertTrue: 'allowed',
  assertFalse: 'denied',
  assertCaveated: 'conditional',
};

/** The result of one assertion. `actual` is absent when the check raised `error`. */
export interface AssertionResult {
  readonly kind: AssertionKind;
  readonly text: string;
  readonly line: number;
  readonly passed: boolean;
  readonly expected: Permissionship;
  readonly actual?: Permissionship;
  readonly missingParams?: string[];
  readonly error?: { readonly code: string; readonly message: string };
}

/** The result of one `validation:` key: every mismatch between expected and expanded subjects. */
export interface ExpectedRelationResult {
  readonly key: string;
  readonly line: number;
  readonly passed: boolean;
  readonly problems: readonly { readonly line: number; readonly message: string }[];
}

export interface ValidationReport {
  readonly file?: string;
  readonly passed: boolean;
  /** A failure that stopped the run (schema does not compile, a relationship does not store). */
  readonly error?: { readonly code: string; readonly message: string; readonly line?: number };
  readonly assertions: readonly AssertionResult[];
  readonly validation: readonly ExpectedRelationResult[];
}

export interface RunOptions {
  /** Builds the engine to test (default: `createEngine()`). */
  readonly engineFactory?: () => Engine;
  /** Builds the empty store to load relationships into (default: memory). */
  readonly storeFactory?: () => TupleStore | Promise<TupleStore>;
  /** Epoch ms used for expiration (default: now). */
  readonly now?: number;
}

function errorOf(err: unknown): { code: string; message: string } {
  return isAppError(err)
    ? { code: err.code, message: err.message }
    : { code: 'internal', message: String(err) };
}

function compareExpected(
  expected: readonly ExpectedSubject[],
  found: Map<string, FoundSubject>,
  line: number,
) {
  const problems: { line: number; message: string }[] = [];
  const seen = new Set<string>();
  for (const e of expected) {
    const key = `${e.subject.type}:${e.subject.id}${e.subject.relation === '...' ? '' : `#${e.subject.relation}`}`;
    seen.add(key);
    const f = found.get(key);
    const want = formatFound({
      subject: e.subject,
      caveated: e.caveated,
      excluded: new Map(e.excluded.map((x) => [`${x.subject.type}:${x.subject.id}`, x])),
    });
    if (!f) {
      problems.push({ line: e.line, message: `expected subject ${want} was not found` });
      continue;
    }
    const got = formatFound(f);
    if (got !== want) problems.push({ line: e.line, message: `expected ${want}, found ${got}` });
    const rels = [...f.relations].sort();
    if (rels.join('/') !== e.relations.join('/'))
      problems.push({
        line: e.line,
        message: `${want}: expected relations ${e.relations.map((r) => `<${r}>`).join('/')}, found ${rels.map((r) => `<${r}>`).join('/')}`,
      });
  }
  for (const [k, f] of found)
    if (!seen.has(k))
      problems.push({
        line,
        message: `subject ${formatFound(f)} is found but not listed (in ${[...f.relations].sort().join(', ')})`,
      });
  return problems;
}

/** Runs every assertion and expected relation of `file`; never throws for a failing check. */
export async function runValidationFile(
  file: LoadedValidationFile,
  opts: RunOptions = {},
): Promise<ValidationReport> {
  const fileName = file.path !== undefined ? { file: file.path } : {};
  let schema: ReturnType<typeof compileSchema>;
  try {
    schema = compileSchema(file.schemaText);
  } catch (err) {
    const first = err instanceof SchemaError ? err.diagnostics[0] : undefined;
    const line = first
      ? file.schemaLine + (file.schemaFile ? first.span.start.line - 1 : first.span.start.line)
      : file.schemaLine;
    return {
      ...fileName,
      passed: false,
      error: { ...errorOf(err), line },
      assertions: [],
      validation: [],
    };
  }
  const store = await (opts.storeFactory ?? (() => createMemoryStore()))();
  let revision: number;
  try {
    revision = (await store.bulkImport(file.relationships.map((r) => r.tuple))).revision;
  } catch (err) {
    return { ...fileName, passed: false, error: errorOf(err), assertions: [], validation: [] };
  }
  const engine = (opts.engineFactory ?? (() => createEngine()))();
  const reader = store.snapshot(revision, opts.now !== undefined ? { now: opts.now } : {});
  const ctx = { reader, schema };

  const assertions: AssertionResult[] = [];
  for (const a of file.assertions) {
    const expected = EXPECTED[a.kind];
    const base = { kind: a.kind, text: a.text, line: a.line, expected };
    try {
      const r = await engine.check(ctx, a.request);
      assertions.push({
        ...base,
        passed: r.permissionship === expected,
        actual: r.permissionship,
        ...(r.missingParams ? { missingParams: r.missingParams } : {}),
      });
    } catch (err) {
      assertions.push({ ...base, passed: false, error: errorOf(err) });
    }
  }

  const validation: ExpectedRelationResult[] = [];
  for (const v of file.validation) {
    try {
      const target = parseSubject(v.key);
      if (target.relation === '...')
        throw new AppError('invalid_validation_file', `"${v.key}" must name a relation`);
      const tree = await engine.expand(ctx, {
        resource: { type: target.type, id: target.id },
        permission: target.relation,
      });
      const problems = compareExpected(v.expected, foundSubjects(tree), v.line);
      validation.push({ key: v.key, line: v.line, passed: problems.length === 0, problems });
    } catch (err) {
      validation.push({
        key: v.key,
        line: v.line,
        passed: false,
        problems: [{ line: v.line, message: errorOf(err).message }],
      });
    }
  }
  const passed = assertions.every((a) => a.passed) && validation.every((v) => v.passed);
  return { ...fileName, passed, assertions, validation };
}

/** One line per failure, `file:line: message`, for CLIs and test output. */
export function formatValidationFailures(report: ValidationReport): string[] {
  const where = (line?: number) =>
    `${report.file ?? '<input>'}${line === undefined ? '' : `:${line}`}`;
  const out: string[] = [];
  if (report.error)
    out.push(`${where(report.error.line)}: ${report.error.code}: ${report.error.message}`);
  for (const a of report.assertions) {
    if (a.passed) continue;
    const got = a.error
      ? `error ${a.error.code}: ${a.error.message}`
      : `${a.actual}${a.missingParams ? ` (missing ${a.missingParams.join(', ')})` : ''}`;
    out.push(`${where(a.line)}: ${a.kind} "${a.text}": expected ${a.expected}, got ${got}`);
  }
  for (const v of report.validation)
    for (const p of v.problems) out.push(`${where(p.line)}: ${v.key}: ${p.message}`);
  return out;
}
