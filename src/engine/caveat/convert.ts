/**
 * Converts JSON caveat context (stored on a tuple or sent with a request) into CEL values by the
 * parameter's declared type, as SpiceDB does: JSON numbers become `int`/`uint`/`double`, RFC 3339
 * strings become timestamps, Go-style strings (`"1h30m"`) become durations, objects become maps.
 */
import { CelScalar, celUint, isCelError, run } from '@bufbuild/cel';
import { EngineError } from '../../errors.ts';
import { parseIp } from './ip.ts';

/** Splits `list<map<int>>` into its head and optional inner type. */
function splitType(type: string): { head: string; inner?: string } {
  const t = type.trim();
  const lt = t.indexOf('<');
  if (lt < 0 || !t.endsWith('>')) return { head: t };
  return { head: t.slice(0, lt).trim(), inner: t.slice(lt + 1, -1) };
}

function bad(param: string, type: string, value: unknown): EngineError {
  return new EngineError(
    'invalid_caveat_context',
    `caveat parameter "${param}" expects ${type}, got ${JSON.stringify(value)}`,
    { details: { param, type } },
  );
}

function toInt(param: string, type: string, value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  throw bad(param, type, value);
}

function viaCel(fn: 'timestamp' | 'duration', param: string, type: string, value: unknown) {
  if (typeof value !== 'string') throw bad(param, type, value);
  const out = run(`${fn}(x)`, { x: value });
  if (isCelError(out)) throw bad(param, type, value);
  return out;
}

/** Converts one JSON value to the CEL input for `type`; throws `invalid_caveat_context`. */
export function toCel(param: string, type: string, value: unknown): unknown {
  const { head, inner } = splitType(type);
  switch (head) {
    case 'int':
      return toInt(param, type, value);
    case 'uint': {
      const n = toInt(param, type, value);
      if (n < 0n) throw bad(param, type, value);
      return celUint(n);
    }
    case 'double':
      if (typeof value === 'number') return value;
      throw bad(param, type, value);
    case 'bool':
      if (typeof value === 'boolean') return value;
      throw bad(param, type, value);
    case 'string':
      if (typeof value === 'string') return value;
      throw bad(param, type, value);
    case 'bytes':
      if (typeof value === 'string') return new TextEncoder().encode(value);
      throw bad(param, type, value);
    case 'timestamp':
      return viaCel('timestamp', param, type, value);
    case 'duration':
      return viaCel('duration', param, type, value);
    case 'ipaddress':
      if (typeof value === 'string' && parseIp(value)) return value;
      throw bad(param, type, value);
    case 'list':
      if (!Array.isArray(value)) throw bad(param, type, value);
      return value.map((v) => toCel(param, inner ?? 'any', v));
    case 'map': {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        throw bad(param, type, value);
      const m = new Map<string, unknown>();
      for (const [k, v] of Object.entries(value)) m.set(k, toCel(param, inner ?? 'any', v));
      return m;
    }
    default:
      return anyToCel(value);
  }
}

/** `any`: JSON as CEL's dynamic values (numbers stay double, objects become maps). */
function anyToCel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(anyToCel);
  if (value !== null && typeof value === 'object') {
    const m = new Map<string, unknown>();
    for (const [k, v] of Object.entries(value)) m.set(k, anyToCel(v));
    return m;
  }
  return value;
}

/** The scalar used to register the `in_cidr` method on addresses (kept as strings). */
export const IP_TARGET = CelScalar.STRING;
