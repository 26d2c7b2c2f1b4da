/**
 * The SpiceDB-compatible text form of tuples, used by the CLI, tests and validation files:
 * `document:d1#viewer@user:alice`, `doc:d1#viewer@group:eng#member`, `doc:d1#viewer@user:*`,
 * `...@user:tom[some_caveat:{"k":1}][expiration:2026-12-01T00:00:00Z]`.
 */
import { AppError } from '../errors.ts';
import { ELLIPSIS, type ObjectRef, type SubjectRef, type Tuple, WILDCARD } from './refs.ts';

/** Definition and caveat names: optional `prefix/` segments, then a 3..64-char lower snake name. */
export const TYPE_NAME = /^(?:[a-z][a-z0-9_]{1,61}[a-z0-9]\/)*[a-z][a-z0-9_]{1,62}[a-z0-9]$/;
/** Relation and permission names. */
export const RELATION_NAME = /^[a-z][a-z0-9_]{1,62}[a-z0-9]$/;
/** Object ids: up to 1024 characters of `[a-zA-Z0-9/_|\-=+]`. */
export const OBJECT_ID = /^[a-zA-Z0-9/_|\-=+]{1,1024}$/;

const TYPE = '(?:[a-z][a-z0-9_]{1,61}[a-z0-9]/)*[a-z][a-z0-9_]{1,62}[a-z0-9]';
const REL = '[a-z][a-z0-9_]{1,62}[a-z0-9]';
const ID = String.raw`[a-zA-Z0-9/_|\-=+]{1,1024}`;
const TUPLE_RE = new RegExp(
  String.raw`^(?<rt>${TYPE}):(?<ri>${ID})#(?<rel>${REL})@(?<st>${TYPE}):(?<si>${ID}|\*)` +
    String.raw`(?:#(?<sr>${REL}|\.\.\.))?` +
    String.raw`(?:\[(?<cav>${TYPE})(?::(?<ctx>\{.*\}))?\])?` +
    String.raw`(?:\[expiration:(?<exp>[0-9T:.+\-Z]+)\])?$`,
  's',
);
const OBJECT_RE = new RegExp(`^(?<t>${TYPE}):(?<i>${ID})$`);
const SUBJECT_RE = new RegExp(String.raw`^(?<t>${TYPE}):(?<i>${ID}|\*)(?:#(?<r>${REL}|\.\.\.))?$`);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

function invalid(text: string, why: string): AppError {
  return new AppError('invalid_tuple', `invalid tuple "${truncate(text)}": ${why}`, {
    details: { tuple: truncate(text) },
  });
}

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Parses the text form; throws `invalid_tuple` naming the text and what is wrong. */
export function parseTuple(text: string): Tuple {
  const m = TUPLE_RE.exec(text.trim());
  const g = m?.groups;
  if (!g) throw invalid(text, 'expected type:id#relation@type:id[#relation][caveat][expiration]');
  const tuple: {
    resource: ObjectRef;
    relation: string;
    subject: SubjectRef;
    caveat?: Tuple['caveat'];
    expiresAt?: number;
  } = {
    resource: { type: g.rt as string, id: g.ri as string },
    relation: g.rel as string,
    subject: { type: g.st as string, id: g.si as string, relation: g.sr ?? ELLIPSIS },
  };
  if (g.si === WILDCARD && g.sr !== undefined && g.sr !== ELLIPSIS)
    throw invalid(text, 'a wildcard subject cannot have a subject relation');
  if (g.cav) {
    if (g.ctx === undefined) tuple.caveat = { name: g.cav };
    else {
      let context: unknown;
      try {
        context = JSON.parse(g.ctx);
      } catch {
        throw invalid(text, 'caveat context is not valid JSON');
      }
      if (context === null || typeof context !== 'object' || Array.isArray(context))
        throw invalid(text, 'caveat context must be a JSON object');
      // An empty context is no context: both print as `[name]`, so parse(format(t)) stays t.
      tuple.caveat =
        Object.keys(context).length === 0
          ? { name: g.cav }
          : { name: g.cav, context: context as Record<string, unknown> };
    }
  }
  if (g.exp) tuple.expiresAt = parseTimestamp(g.exp, text);
  return tuple;
}

/** Parses an RFC 3339 timestamp into epoch milliseconds, or throws `invalid_tuple`. */
export function parseTimestamp(value: string, context = value): number {
  const ms = RFC3339.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw invalid(context, `"${value}" is not an RFC 3339 timestamp`);
  return ms;
}

/** Formats a tuple in the canonical text form (`#...` omitted, expiration in UTC). */
export function formatTuple(t: Tuple): string {
  let out = `${formatObject(t.resource)}#${t.relation}@${formatSubject(t.subject)}`;
  if (t.caveat) {
    const ctx = t.caveat.context;
    out +=
      ctx && Object.keys(ctx).length > 0
        ? `[${t.caveat.name}:${JSON.stringify(ctx)}]`
        : `[${t.caveat.name}]`;
  }
  if (t.expiresAt !== undefined) out += `[expiration:${formatTimestamp(t.expiresAt)}]`;
  return out;
}

/** RFC 3339 in UTC, without a fractional part when it is zero. */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function formatObject(o: ObjectRef): string {
  return `${o.type}:${o.id}`;
}

export function formatSubject(s: SubjectRef): string {
  return s.relation === ELLIPSIS ? `${s.type}:${s.id}` : `${s.type}:${s.id}#${s.relation}`;
}

/** Parses `type:id`; throws `invalid_tuple`. */
export function parseObject(text: string): ObjectRef {
  const g = OBJECT_RE.exec(text.trim())?.groups;
  if (!g) throw invalid(text, 'expected an object type:id');
  return { type: g.t as string, id: g.i as string };
}

/** Parses `type:id`, `type:*` or `type:id#relation`; throws `invalid_tuple`. */
export function parseSubject(text: string): SubjectRef {
  const g = SUBJECT_RE.exec(text.trim())?.groups;
  if (!g) throw invalid(text, 'expected a subject type:id[#relation]');
  if (g.i === WILDCARD && g.r !== undefined && g.r !== ELLIPSIS)
    throw invalid(text, 'a wildcard subject cannot have a subject relation');
  return { type: g.t as string, id: g.i as string, relation: g.r ?? ELLIPSIS };
}
