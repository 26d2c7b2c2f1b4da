/**
 * Checks a write batch against the schema before it reaches the store (SpiceDB's relationship
 * validation): the resource definition and relation exist and are not a permission, the subject's
 * type (and relation, or wildcard) is allowed with exactly this caveat and expiration trait, the caveat
 * exists, and the stored caveat context matches the caveat's parameter types. Every failure is a
 * 4xx-class AppError whose message and `details.tuple` name the offending tuple.
 */
import { AppError, type ErrorCode } from '../errors.ts';
import {
  ELLIPSIS,
  formatTuple,
  OBJECT_ID,
  RELATION_NAME,
  type Tuple,
  TYPE_NAME,
  WILDCARD,
} from '../model/index.ts';
import type { AllowedSubjectIR, SchemaIR } from '../schema/ir.ts';
import type { WriteOp } from '../store/index.ts';

function fail(code: ErrorCode, t: Tuple, index: number, why: string, extra = {}): AppError {
  const text = formatTuple(t);
  return new AppError(code, `tuple ${text}: ${why}`, {
    details: { tuple: text, index, ...extra },
  });
}

function describeAllowed(a: AllowedSubjectIR): string {
  let s = a.wildcard ? `${a.type}:*` : a.relation === ELLIPSIS ? a.type : `${a.type}#${a.relation}`;
  if (a.caveat && a.expiration) s += ` with ${a.caveat} and expiration`;
  else if (a.caveat) s += ` with ${a.caveat}`;
  else if (a.expiration) s += ' with expiration';
  return s;
}

function assertWellFormed(t: Tuple, i: number): void {
  const s = t.subject;
  const ok =
    TYPE_NAME.test(t.resource.type) &&
    OBJECT_ID.test(t.resource.id) &&
    RELATION_NAME.test(t.relation) &&
    TYPE_NAME.test(s.type) &&
    (s.id === WILDCARD || OBJECT_ID.test(s.id)) &&
    (s.relation === ELLIPSIS || RELATION_NAME.test(s.relation)) &&
    (t.caveat === undefined || TYPE_NAME.test(t.caveat.name)) &&
    (t.expiresAt === undefined || Number.isFinite(t.expiresAt));
  if (!ok) throw fail('invalid_tuple', t, i, 'malformed type, relation, id or caveat name');
  if (s.id === WILDCARD && s.relation !== ELLIPSIS)
    throw fail('invalid_tuple', t, i, 'a wildcard subject cannot have a subject relation');
  if (t.resource.id === WILDCARD) throw fail('invalid_tuple', t, i, 'a resource id cannot be *');
}

/** Validates one tuple being created or touched; throws the first problem found. */
export function assertTupleAllowed(ir: SchemaIR, t: Tuple, index = 0): void {
  assertWellFormed(t, index);
  const def = ir.definitions[t.resource.type];
  if (!def)
    throw fail(
      'unknown_definition',
      t,
      index,
      `definition "${t.resource.type}" is not in the schema`,
    );
  const rel = def.relations[t.relation];
  if (!rel) {
    if (def.permissions[t.relation])
      throw fail(
        'write_to_permission',
        t,
        index,
        `"${t.relation}" is a permission of "${def.name}"; tuples can only be written to relations`,
      );
    throw fail(
      'unknown_relation',
      t,
      index,
      `definition "${def.name}" has no relation "${t.relation}"`,
    );
  }
  const s = t.subject;
  const subjectDef = ir.definitions[s.type];
  if (!subjectDef)
    throw fail(
      'unknown_definition',
      t,
      index,
      `subject definition "${s.type}" is not in the schema`,
    );
  if (
    s.relation !== ELLIPSIS &&
    !subjectDef.relations[s.relation] &&
    !subjectDef.permissions[s.relation]
  )
    throw fail(
      'unknown_relation',
      t,
      index,
      `definition "${s.type}" has no relation "${s.relation}"`,
    );
  const caveatName = t.caveat?.name;
  if (caveatName !== undefined && !ir.caveats[caveatName])
    throw fail('unknown_caveat', t, index, `caveat "${caveatName}" is not in the schema`);

  const allowedList = rel.allowed.map(describeAllowed);
  const extra = { allowed: allowedList };
  const wildcard = s.id === WILDCARD;
  const byType = rel.allowed.filter(
    (a) => a.type === s.type && a.wildcard === wildcard && (wildcard || a.relation === s.relation),
  );
  if (byType.length === 0) {
    const what = wildcard
      ? `${s.type}:*`
      : s.relation === ELLIPSIS
        ? s.type
        : `${s.type}#${s.relation}`;
    throw fail(
      'subject_type_not_allowed',
      t,
      index,
      `subjects of type ${what} are not allowed on ${def.name}#${rel.name} (allowed: ${allowedList.join(', ')})`,
      extra,
    );
  }
  const byCaveat = byType.filter((a) => (a.caveat ?? undefined) === caveatName);
  if (byCaveat.length === 0) {
    if (caveatName === undefined)
      throw fail(
        'caveat_required',
        t,
        index,
        `${def.name}#${rel.name} requires a caveat for this subject type (allowed: ${allowedList.join(', ')})`,
        extra,
      );
    throw fail(
      'caveat_not_allowed',
      t,
      index,
      `caveat "${caveatName}" is not allowed on ${def.name}#${rel.name} for this subject type (allowed: ${allowedList.join(', ')})`,
      extra,
    );
  }
  const hasExpiration = t.expiresAt !== undefined;
  if (!byCaveat.some((a) => a.expiration === hasExpiration)) {
    if (hasExpiration)
      throw fail(
        'expiration_not_allowed',
        t,
        index,
        `${def.name}#${rel.name} does not allow an expiration for this subject type (allowed: ${allowedList.join(', ')})`,
        extra,
      );
    throw fail(
      'subject_type_not_allowed',
      t,
      index,
      `${def.name}#${rel.name} only admits this subject type with an expiration (allowed: ${allowedList.join(', ')})`,
      extra,
    );
  }

  const context = t.caveat?.context;
  if (caveatName !== undefined && context !== undefined) {
    const params = (ir.caveats[caveatName] as { params: Readonly<Record<string, string>> }).params;
    for (const [key, value] of Object.entries(context)) {
      const type = params[key];
      if (type === undefined)
        throw fail(
          'invalid_caveat_context',
          t,
          index,
          `caveat "${caveatName}" has no parameter "${key}" (parameters: ${Object.keys(params).join(', ') || 'none'})`,
          { param: key },
        );
      const problem = checkContextValue(type, value);
      if (problem)
        throw fail(
          'invalid_caveat_context',
          t,
          index,
          `caveat parameter "${key}" expects ${type}: ${problem}`,
          { param: key, type },
        );
    }
  }
}

/**
 * Validates a write batch: CREATE and TOUCH fully, DELETE only for an existing definition and
 * relation (deleting a tuple that cannot exist is harmless, but a typo should not pass silently).
 */
export function validateWriteOps(ir: SchemaIR, ops: readonly WriteOp[]): void {
  ops.forEach((op, i) => {
    const t = op.tuple;
    if (op.op !== 'delete') {
      assertTupleAllowed(ir, t, i);
      return;
    }
    assertWellFormed(t, i);
    const def = ir.definitions[t.resource.type];
    if (!def)
      throw fail(
        'unknown_definition',
        t,
        i,
        `definition "${t.resource.type}" is not in the schema`,
      );
    if (!def.relations[t.relation]) {
      if (def.permissions[t.relation])
        throw fail('write_to_permission', t, i, `"${t.relation}" is a permission of "${def.name}"`);
      throw fail(
        'unknown_relation',
        t,
        i,
        `definition "${def.name}" has no relation "${t.relation}"`,
      );
    }
  });
}

// ---- caveat context types ----
// Checked at write time so a bad value is refused with `invalid_caveat_context` instead of failing
// every later check. Mirrors evaluation-time conversion (JSON numbers → int/uint/double, RFC 3339
// strings → timestamp, Go-style strings → duration, strings → ipaddress).

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;
const DURATION =
  /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h)(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))*$|^0$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function isIp(s: string): boolean {
  if (IPV4.test(s)) return true;
  // IPv6: hex groups with at most one "::", optionally ending in an IPv4 part.
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return false;
  if ((s.match(/::/g) ?? []).length > 1) return false;
  const parts = s.split(':');
  const last = parts[parts.length - 1] as string;
  const v4 = last.includes('.');
  if (v4 && !IPV4.test(last)) return false;
  const groups = v4 ? parts.slice(0, -1) : parts;
  if (groups.some((g) => g.length > 4)) return false;
  const count = groups.filter((g) => g !== '').length + (v4 ? 2 : 0);
  return s.includes('::') ? count < 8 : count === 8;
}

function split(type: string): { head: string; inner: string | undefined } {
  const t = type.trim();
  const lt = t.indexOf('<');
  if (lt < 0 || !t.endsWith('>')) return { head: t, inner: undefined };
  return { head: t.slice(0, lt).trim(), inner: t.slice(lt + 1, -1).trim() };
}

function isIntLike(v: unknown): boolean {
  return (
    (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v))
  );
}

/** Returns undefined when `value` fits `type`, else a short description of the mismatch. */
export function checkContextValue(type: string, value: unknown): string | undefined {
  const { head, inner } = split(type);
  const got = `got ${JSON.stringify(value) ?? String(value)}`.slice(0, 120);
  switch (head) {
    case 'int':
      return isIntLike(value) ? undefined : got;
    case 'uint':
      return isIntLike(value) && !String(value).startsWith('-') ? undefined : got;
    case 'double':
      return typeof value === 'number' ? undefined : got;
    case 'bool':
      return typeof value === 'boolean' ? undefined : got;
    case 'string':
    case 'bytes':
      return typeof value === 'string' ? undefined : got;
    case 'timestamp':
      return typeof value === 'string' && RFC3339.test(value) && !Number.isNaN(Date.parse(value))
        ? undefined
        : `${got} (expected an RFC 3339 timestamp)`;
    case 'duration':
      return typeof value === 'string' && DURATION.test(value)
        ? undefined
        : `${got} (expected a duration such as "1h30m")`;
    case 'ipaddress':
      return typeof value === 'string' && isIp(value)
        ? undefined
        : `${got} (expected an IP address)`;
    case 'list': {
      if (!Array.isArray(value)) return got;
      for (const v of value) {
        const p = checkContextValue(inner ?? 'any', v);
        if (p) return `element: ${p}`;
      }
      return undefined;
    }
    case 'map': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return got;
      for (const [k, v] of Object.entries(value)) {
        const p = checkContextValue(inner ?? 'any', v);
        if (p) return `key "${k}": ${p}`;
      }
      return undefined;
    }
    default:
      return undefined; // any
  }
}
