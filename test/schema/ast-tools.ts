/**
 * Test helpers for schema ASTs: `stripSpans` (structural comparison without positions) and
 * `dumpAst` (the indented parse-tree text used by golden files).
 */
import { celTypeText, type Expr, type SchemaAST, type TypeRef } from '../../src/schema/index.ts';
import { dedent } from '../../src/schema/printer.ts';

/** Deep copy without spans; names become plain strings, caveat bodies are dedented. */
export function stripSpans(ast: SchemaAST): unknown {
  return JSON.parse(
    JSON.stringify(ast, (key, value) => {
      if (key === 'span' || key === 'expressionSpan') return undefined;
      if (key === 'expiration' && value && typeof value === 'object') return true;
      if (key === 'expression' && typeof value === 'string') return dedent(value);
      if (
        value &&
        typeof value === 'object' &&
        'text' in value &&
        'span' in value &&
        Object.keys(value).length === 2
      )
        return value.text;
      return value;
    }),
  );
}

function pos(s: {
  start: { line: number; column: number };
  end: { line: number; column: number };
}): string {
  return `${s.start.line}:${s.start.column}-${s.end.line}:${s.end.column}`;
}

function typeRef(t: TypeRef): string {
  let s = t.type.text;
  if (t.wildcard) s += ':*';
  if (t.relation) s += `#${t.relation.text}`;
  if (t.caveat) s += ` caveat=${t.caveat.text}`;
  if (t.expiration) s += ' expiration';
  return `${s} @${pos(t.span)}`;
}

function expr(e: Expr, indent: string): string[] {
  const head = `${indent}${e.kind}`;
  switch (e.kind) {
    case 'ref':
      return [`${head} ${e.name} @${pos(e.span)}`];
    case 'nil':
    case 'self':
      return [`${head} @${pos(e.span)}`];
    case 'arrow':
      return [
        `${head} ${e.mode} -> ${e.target.text} @${pos(e.span)}`,
        ...expr(e.left, `${indent}  `),
      ];
    default:
      return [
        `${head} @${pos(e.span)}`,
        ...expr(e.left, `${indent}  `),
        ...expr(e.right, `${indent}  `),
      ];
  }
}

/** Indented, line-per-node rendering of the tree with spans, for golden parse-tree files. */
export function dumpAst(ast: SchemaAST): string {
  const out: string[] = [];
  for (const item of ast.items) {
    const doc = item.doc ? ` doc=${JSON.stringify(item.doc)}` : '';
    if (item.kind === 'use') out.push(`use ${item.name.text} @${pos(item.span)}`);
    else if (item.kind === 'caveat') {
      out.push(`caveat ${item.name.text} @${pos(item.span)}${doc}`);
      for (const p of item.params)
        out.push(`  param ${p.name.text} ${celTypeText(p.type)} @${pos(p.span)}`);
      out.push(`  expression ${JSON.stringify(item.expression)} @${pos(item.expressionSpan)}`);
    } else {
      out.push(`definition ${item.name.text} @${pos(item.span)}${doc}`);
      for (const m of item.members) {
        const mdoc = m.doc ? ` doc=${JSON.stringify(m.doc)}` : '';
        out.push(`  ${m.kind} ${m.name.text} @${pos(m.span)}${mdoc}`);
        if (m.kind === 'relation') for (const t of m.types) out.push(`    type ${typeRef(t)}`);
        else out.push(...expr(m.expr, '    '));
      }
    }
  }
  return `${out.join('\n')}\n`;
}
