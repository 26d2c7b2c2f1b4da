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
  return createHash('sha256')
    .update(canonicalJson(withoutDocs(ir)))
    .digest('hex');
}

/**
 * Drops `hash` and the doc fields by walking the IR's known shape (never by key name alone: a
 * definition may well be called `doc`).
 */
function withoutDocs(ir: Omit<SchemaIR, 'hash'> | SchemaIR): unknown {
  const strip = <T extends { doc?: string }>(node: T): Omit<T, 'doc'> => {
    const { doc: _doc, ...rest } = node;
    return rest;
  };
  const mapValues = <T, U>(rec: Readonly<Record<string, T>>, fn: (v: T) => U): Record<string, U> =>
    Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, fn(v)]));
  return {
    format: ir.format,
    uses: ir.uses,
    caveats: mapValues(ir.caveats, strip),
    definitions: mapValues(ir.definitions, (d) => ({
      ...strip(d),
      relations: mapValues(d.relations, strip),
      permissions: mapValues(d.permissions, strip),
    })),
  };
}

/** JSON with object keys sorted and undefined values dropped (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  write(value, parts);
  return parts.join('');
}

// Appends to one parts array (joined once) instead of building nested strings: the IR of a large
// schema has hundreds of thousands of keys and this keeps hashing linear with little garbage.
function write(value: unknown, parts: string[]): void {
  if (value === null || typeof value !== 'object') {
    parts.push(JSON.stringify(value) ?? 'null');
    return;
  }
  if (Array.isArray(value)) {
    parts.push('[');
    value.forEach((v, i) => {
      if (i > 0) parts.push(',');
      write(v, parts);
    });
    parts.push(']');
    return;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  parts.push('{');
  keys.forEach((k, i) => {
    parts.push(i > 0 ? ',' : '', JSON.stringify(k), ':');
    write(obj[k], parts);
  });
  parts.push('}');
}
