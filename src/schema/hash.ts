/**
 * Content hash of a compiled schema: sha256 over canonical JSON (object keys sorted) of the IR
 * without its `hash` and without the `doc` fields of definitions, relations, permissions and
 * caveats. Doc comments are excluded on purpose so editing documentation does not change the
 * schema version, which would invalidate every cache entry and zookie built on it.
 */
import { createHash } from 'node:crypto';
import type { SchemaIR } from './ir.ts';

/** Hex sha256 of `ir` in canonical form; equal semantic content gives an equal hash. */
export function computeSchemaHash(ir: Omit<SchemaIR, 'hash'> | SchemaIR): string {
  return createHash('sha256').update(canonicalSchemaJson(ir)).digest('hex');
}

/**
 * Canonical JSON of the IR without `hash` and without the `doc` of definitions, relations,
 * permissions and caveats. Docs are dropped by walking the IR's known shape (never by key name
 * alone: a definition may well be called `doc`), written straight into one parts array instead
 * of copying the IR first, because large schemas have hundreds of thousands of keys.
 */
export function canonicalSchemaJson(ir: Omit<SchemaIR, 'hash'> | SchemaIR): string {
  const parts: string[] = ['{"caveats":'];
  writeMap(ir.caveats, parts, (c) => write(c, parts, 'doc'));
  parts.push(',"definitions":');
  writeMap(ir.definitions, parts, (d) => {
    parts.push('{"name":', JSON.stringify(d.name), ',"permissions":');
    writeMap(d.permissions, parts, (p) => write(p, parts, 'doc'));
    parts.push(',"relations":');
    writeMap(d.relations, parts, (r) => write(r, parts, 'doc'));
    parts.push('}');
  });
  parts.push(',"format":', JSON.stringify(ir.format), ',"uses":');
  write(ir.uses, parts);
  parts.push('}');
  return parts.join('');
}

/** A record with sorted keys, each value written by `each`. */
function writeMap<T>(
  rec: Readonly<Record<string, T>>,
  parts: string[],
  each: (v: T) => void,
): void {
  const keys = Object.keys(rec).sort();
  parts.push('{');
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    parts.push(i > 0 ? ',' : '', JSON.stringify(k), ':');
    each(rec[k] as T);
  }
  parts.push('}');
}

/** JSON with object keys sorted and undefined values dropped (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  write(value, parts);
  return parts.join('');
}

/** Appends canonical JSON of `value`; `omit` names one key to skip on this object only. */
function write(value: unknown, parts: string[], omit?: string): void {
  if (value === null || typeof value !== 'object') {
    parts.push(JSON.stringify(value) ?? 'null');
    return;
  }
  if (Array.isArray(value)) {
    parts.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) parts.push(',');
      write(value[i], parts);
    }
    parts.push(']');
    return;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  parts.push('{');
  let first = true;
  for (const k of keys) {
    if (k === omit || obj[k] === undefined) continue;
    parts.push(first ? '' : ',', JSON.stringify(k), ':');
    first = false;
    write(obj[k], parts);
  }
  parts.push('}');
}
