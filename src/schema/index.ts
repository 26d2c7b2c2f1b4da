/**
 * @module schema
 * The schema language: SpiceDB-compatible DSL text → AST (parser, with recovery) → diagnostics
 * (semantic checker) → plain-JSON IR with a content hash (compiler), plus the canonical printer.
 * Callers that only need a usable schema call `compileSchema`, which throws a `SchemaError`
 * carrying every diagnostic; tools call `checkSchema` / `parseSchema` to get them as data.
 */
import { type Diagnostic, SchemaError } from '../errors.ts';
import type { SchemaAST } from './ast.ts';
import { checkAst, sortDiagnostics } from './checker/index.ts';
import { compileAst } from './compiler.ts';
import { formatDiagnosticLine } from './diagnostics.ts';
import type { SchemaIR } from './ir.ts';
import { MAX_DIAGNOSTICS, parseSource } from './parser.ts';
import { printSchema } from './printer.ts';

export type * from './ast.ts';
export type * from './ir.ts';
export { celTypeText } from './ast.ts';
export { computeSchemaHash, canonicalJson } from './hash.ts';
export { formatDiagnostic, formatDiagnosticLine } from './diagnostics.ts';
export { printSchema, printExpr, printTypeRef } from './printer.ts';
export { compileExpr } from './compiler.ts';
export { MAX_DIAGNOSTICS } from './parser.ts';
export { SCHEMA_DIAGNOSTIC_CODES, type SchemaDiagnosticCode } from './diagnostic-codes.ts';

/** Options shared by the entry points; `file` names the source in messages. */
export interface SchemaOptions {
  file?: string;
}

/** Parses without semantic checks; syntax errors come back as diagnostics, never thrown. */
export function parseSchema(
  source: string,
  _opts: SchemaOptions = {},
): { ast: SchemaAST; diagnostics: Diagnostic[] } {
  return parseSource(source);
}

/** Every syntax and semantic diagnostic (errors and warnings), sorted, at most MAX_DIAGNOSTICS. */
export function checkSchema(source: string, _opts: SchemaOptions = {}): Diagnostic[] {
  const { ast, diagnostics } = parseSource(source);
  // Semantic rules over a partial tree would mostly echo the syntax errors, so stop there.
  if (diagnostics.length > 0) return sortDiagnostics(diagnostics).slice(0, MAX_DIAGNOSTICS);
  return checkAst(ast, source, MAX_DIAGNOSTICS);
}

/**
 * Compiles source to IR. Throws SchemaError `schema_syntax_error` (does not parse) or
 * `schema_invalid` (parses but fails a rule); the message names the first error as
 * `file:line:col: [code] message`, and `diagnostics` holds all of them. Warnings never throw.
 */
export function compileSchema(source: string, opts: SchemaOptions = {}): SchemaIR {
  const { ast, diagnostics } = parseSource(source);
  if (diagnostics.length > 0)
    throw schemaError('schema_syntax_error', sortDiagnostics(diagnostics), opts.file);
  const all = checkAst(ast, source, MAX_DIAGNOSTICS);
  if (all.some((d) => (d.severity ?? 'error') === 'error'))
    throw schemaError('schema_invalid', all, opts.file);
  return compileAst(ast);
}

/** Parses and re-prints canonically; throws SchemaError on syntax errors (semantics are not checked). */
export function formatSchema(source: string, opts: SchemaOptions = {}): string {
  const { ast, diagnostics } = parseSource(source);
  if (diagnostics.length > 0)
    throw schemaError('schema_syntax_error', sortDiagnostics(diagnostics), opts.file);
  return printSchema(ast);
}

function schemaError(
  code: 'schema_syntax_error' | 'schema_invalid',
  diagnostics: Diagnostic[],
  file = '<schema>',
): SchemaError {
  const errors = diagnostics.filter((d) => (d.severity ?? 'error') === 'error');
  const first = errors[0] ?? diagnostics[0];
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  const where = first
    ? `${file}:${first.span.start.line}:${first.span.start.column}: [${first.code}] ${first.message}`
    : 'invalid schema';
  return new SchemaError(
    code,
    `${code === 'schema_syntax_error' ? 'schema syntax error' : 'invalid schema'}: ${where}${more}`,
    diagnostics,
  );
}

/** Convenience for tests and tools: diagnostics in the golden one-line form. */
export function diagnosticLines(source: string): string[] {
  return checkSchema(source).map(formatDiagnosticLine);
}
