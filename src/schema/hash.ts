/**
 * Content hash of a compiled schema: sha256 over canonical JSON (object keys sorted, `doc` and
 * `hash` fields dropped). Doc comments are excluded on purpose so editing documentation does not
 * change the schema version, which would invalidate every cache entry and zookie built on it.
 */
import { createHash } from 'node:crypto';

/** Hex sha256 of `ir` in canonical form; equal semantic content gives an equal hash. */
export function computeSchemaHash(ir: unknown): string {
  return createHash('sha256').update(canonicalJson(ir)).digest('hex');
}

/** JSON with sorted keys and without `doc`/`hash` keys or undefined values. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => k !== 'doc' && k !== 'hash' && obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}
