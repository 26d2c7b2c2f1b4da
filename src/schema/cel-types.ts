/**
 * The CEL types a caveat can mention, and the mapping from schema parameter types (`int`,
 * `list<string>`, `map<int>`, `ipaddress`, `any`) to them. `map<T>` is SpiceDB's map with string
 * keys; `any` is CEL's `dyn`; `uint` is CEL `int` (as SpiceDB declares it); `ipaddress` is an
 * opaque type with the `in_cidr(string)` method
 * (SpiceDB's custom type; @bufbuild/cel has none, so Clove models it itself).
 */
import type { CelTypeNode } from './ast.ts';

/** A CEL static type as the caveat checker sees it. */
export type CelT =
  | {
      k:
        | 'int'
        | 'uint'
        | 'double'
        | 'bool'
        | 'string'
        | 'bytes'
        | 'duration'
        | 'timestamp'
        | 'ipaddress'
        | 'null'
        | 'dyn'
        | 'type';
    }
  | { k: 'list'; elem: CelT }
  | { k: 'map'; key: CelT; value: CelT };

const SCALARS = new Set([
  'int',
  'uint',
  'bool',
  'string',
  'double',
  'bytes',
  'duration',
  'timestamp',
  'ipaddress',
  'any',
]);

/** Parameter type names SpiceDB accepts (for hints and docs). */
export const CAVEAT_PARAM_TYPES = [...SCALARS, 'list<T>', 'map<T>'];

export const DYN: CelT = { k: 'dyn' };

/** Converts a parameter type node, or returns an error message naming what is wrong. */
export function paramType(t: CelTypeNode): CelT | { error: string; node: CelTypeNode } {
  if (SCALARS.has(t.name)) {
    if (t.args.length > 0) return { error: `type \`${t.name}\` takes no type arguments`, node: t };
    if (t.name === 'any') return DYN;
    // SpiceDB declares `uint` parameters as CEL int (`cnt == 1` checks, `cnt == 1u` does not).
    if (t.name === 'uint') return { k: 'int' };
    return { k: t.name } as CelT;
  }
  if (t.name === 'list' || t.name === 'map') {
    if (t.args.length !== 1)
      return {
        error: `\`${t.name}\` takes exactly one type argument (\`${t.name}<T>\`), found ${t.args.length}`,
        node: t,
      };
    const inner = paramType(t.args[0] as CelTypeNode);
    if ('error' in inner) return inner;
    return t.name === 'list'
      ? { k: 'list', elem: inner }
      : { k: 'map', key: { k: 'string' }, value: inner };
  }
  return { error: `unknown caveat parameter type \`${t.name}\``, node: t };
}

/** CEL spelling of a type, for messages: `list(string)`, `map(string, int)`. */
export function typeName(t: CelT): string {
  if (t.k === 'list') return `list(${typeName(t.elem)})`;
  if (t.k === 'map') return `map(${typeName(t.key)}, ${typeName(t.value)})`;
  return t.k;
}

/** True when values of `a` and `b` may be compared / combined (dyn matches anything, null only dyn). */
export function compatible(a: CelT, b: CelT): boolean {
  if (a.k === 'dyn' || b.k === 'dyn') return true;
  if (a.k === 'list' && b.k === 'list') return compatible(a.elem, b.elem);
  if (a.k === 'map' && b.k === 'map')
    return compatible(a.key, b.key) && compatible(a.value, b.value);
  return a.k === b.k;
}

/** The common type of two values (for list literals and `?:`): equal types keep it, else dyn. */
export function join(a: CelT, b: CelT): CelT {
  if (a.k === 'dyn') return b;
  if (b.k === 'dyn') return a;
  if (a.k === 'list' && b.k === 'list') return { k: 'list', elem: join(a.elem, b.elem) };
  if (a.k === 'map' && b.k === 'map')
    return { k: 'map', key: join(a.key, b.key), value: join(a.value, b.value) };
  return sameType(a, b) ? a : DYN;
}

export function sameType(a: CelT, b: CelT): boolean {
  return typeName(a) === typeName(b);
}

export function isNumeric(t: CelT): boolean {
  return t.k === 'int' || t.k === 'uint' || t.k === 'double';
}
