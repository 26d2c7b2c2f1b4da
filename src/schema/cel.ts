/**
 * Compile-time checking of caveat bodies. @bufbuild/cel parses the expression (syntax errors with
 * positions) but its type checker (0.6) only handles constants and identifiers, so Clove infers
 * types itself over the parsed CEL AST: declared parameters, the standard operators, macros
 * (`all`, `exists`, `map`, `filter`, `has`) and the functions SpiceDB caveats use. Unknown names,
 * operator/argument mismatches and a non-bool result are reported; anything typed `dyn`
 * (`any` parameters, map values of `any`) is accepted, as CEL does.
 */
import { parse } from '@bufbuild/cel';
import { type CelExpr, collectIdentifiers } from './cel-ast.ts';
import { CelCheckError, TypeChecker } from './cel-checker.ts';
import { type CelT, typeName } from './cel-types.ts';

/** One problem in a caveat body; `offset`/`length` are relative to the expression text. */
export interface CelIssue {
  code: 'cel_syntax_error' | 'cel_type_error';
  message: string;
  offset: number;
  length: number;
}

/** Checks `expression` against parameter types; returns every issue found (usually one). */
export function checkCelExpression(
  expression: string,
  params: ReadonlyMap<string, CelT>,
): CelIssue[] {
  return analyzeCelExpression(expression, params).issues;
}

/** Issues plus the identifiers the expression reads (`undefined` when it does not parse). */
export interface CelAnalysis {
  issues: CelIssue[];
  identifiers: Set<string> | undefined;
}

/**
 * Like checkCelExpression, and also collects the identifiers the expression reads, so callers can
 * report unused parameters as SpiceDB does.
 */
export function analyzeCelExpression(
  expression: string,
  params: ReadonlyMap<string, CelT>,
): CelAnalysis {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(expression);
  } catch (e) {
    const err = e as { message?: string; location?: { start?: { offset?: number } } };
    const offset = err.location?.start?.offset ?? 0;
    const raw = String(err.message ?? e).replace(/^<input>:\d+:\d+: /, '');
    const issue: CelIssue = {
      code: 'cel_syntax_error',
      message: `CEL syntax error: ${raw}`,
      offset,
      length: 1,
    };
    return { issues: [issue], identifiers: undefined };
  }
  const identifiers = new Set<string>();
  collectIdentifiers(parsed.expr as unknown as CelExpr, identifiers);
  const positions = (parsed.sourceInfo?.positions ?? {}) as Record<string, number>;
  const checker = new TypeChecker(params);
  try {
    const result = checker.check(parsed.expr as unknown as CelExpr);
    if (result.k !== 'bool' && result.k !== 'dyn') {
      const message = `caveat expression must be bool, found ${typeName(result)}`;
      return {
        issues: [{ code: 'cel_type_error', message, offset: 0, length: expression.length }],
        identifiers,
      };
    }
  } catch (e) {
    if (!(e instanceof CelCheckError)) throw e;
    let offset = e.at ? (positions[String(e.at.id)] ?? 0) : 0;
    let length = e.length;
    // Operator calls are positioned at the whitespace before the operator: point at the operator.
    if (e.at?.exprKind.case === 'callExpr' && /^\s/.test(expression[offset] ?? '')) {
      while (/\s/.test(expression[offset] ?? '')) offset++;
      length = Math.max(1, /^[=!<>&|+\-*/%?]*/.exec(expression.slice(offset))?.[0].length ?? 1);
    }
    return {
      issues: [{ code: 'cel_type_error', message: e.message, offset, length }],
      identifiers,
    };
  }
  return { issues: [], identifiers };
}
