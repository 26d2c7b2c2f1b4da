/**
 * A check body read straight from its text when it has the exact compact shape clients send
 * (`JSON.stringify` of the wire object: no whitespace, no escapes, known fields in the schema's
 * order): `{"consistency":{...},"resource":{...},"permission":"...","subject":{...}}`, with the
 * consistency optional and the subject's `optionalRelation` optional. Returns exactly what
 * `fastCheckRequest(JSON.parse(text))` returns for such a text, or `undefined` for anything else
 * (then the route parses and validates as usual, so errors are unchanged).
 *
 * Why: `JSON.parse` plus the validator cost a cached check a few microseconds, several times the
 * scan. `check-scan.test.ts` compares both on generated and mutated bodies.
 */
import type { z } from '@hono/zod-openapi';
import { ID, OPTIONAL_RELATION, RELATION, TYPE, type WireConsistency } from './common.ts';
import type { CheckPermissionRequest } from './permissions.ts';

type CheckBody = z.infer<typeof CheckPermissionRequest>;

/**
 * The index of the quote closing a JSON string whose content starts at `from`, when the content
 * has no backslash and no control character; -1 otherwise.
 */
function stringEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i;
    if (c === 0x5c || c < 0x20) return -1;
  }
  return -1;
}

/** Where the scan is and what it last read (one object per call, no closures). */
class Scan {
  pos = 0;
  value = '';
  constructor(readonly text: string) {}

  /** Consumes `lit` if the text continues with it. */
  lit(lit: string): boolean {
    if (!this.text.startsWith(lit, this.pos)) return false;
    this.pos += lit.length;
    return true;
  }

  /** Reads a plain string's content up to its closing quote (consumed) into `value`. */
  str(): boolean {
    const end = stringEnd(this.text, this.pos);
    if (end < 0) return false;
    this.value = this.text.slice(this.pos, end);
    this.pos = end + 1;
    return true;
  }
}

const typeName = (v: string) => v.length <= 128 && TYPE.test(v);
const objectId = (v: string) => v.length <= 1024 && ID.test(v);

function token(s: Scan): { token: string } | undefined {
  if (!s.lit('{"token":"') || !s.str() || !s.lit('}}')) return undefined;
  const t = s.value;
  return t.length >= 1 && t.length <= 1024 ? { token: t } : undefined;
}

/** `"consistency":{...},` after the opening brace; null when present but not scannable. */
function consistency(s: Scan): WireConsistency | null | undefined {
  if (!s.lit('"consistency":{')) return undefined;
  let c: WireConsistency | undefined;
  if (s.lit('"minimizeLatency":true}')) c = { minimizeLatency: true };
  else if (s.lit('"fullyConsistent":true}')) c = { fullyConsistent: true };
  else if (s.lit('"atLeastAsFresh":')) {
    const t = token(s);
    if (t) c = { atLeastAsFresh: t };
  } else if (s.lit('"atExactSnapshot":')) {
    const t = token(s);
    if (t) c = { atExactSnapshot: t };
  }
  return c && s.lit(',') ? c : null;
}

/** `{"objectType":"...","objectId":"..."}`, validated. */
function objectRef(s: Scan): { objectType: string; objectId: string } | undefined {
  if (!s.lit('{"objectType":"') || !s.str() || !typeName(s.value)) return undefined;
  const objectType = s.value;
  if (!s.lit(',"objectId":"') || !s.str() || !objectId(s.value) || !s.lit('}')) return undefined;
  return { objectType, objectId: s.value };
}

/** The parsed body when `text` has the compact shape described above, else undefined. */
export function scanCheckRequest(text: string): CheckBody | undefined {
  const s = new Scan(text);
  if (!s.lit('{')) return undefined;
  const c = consistency(s);
  if (c === null) return undefined;
  if (!s.lit('"resource":')) return undefined;
  const resource = objectRef(s);
  if (!resource || !s.lit(',"permission":"') || !s.str()) return undefined;
  const permission = s.value;
  if (permission.length > 64 || !RELATION.test(permission)) return undefined;
  if (!s.lit(',"subject":{"object":')) return undefined;
  const object = objectRef(s);
  if (!object) return undefined;
  let subject: CheckBody['subject'] = { object };
  if (s.lit(',"optionalRelation":"')) {
    if (!s.str()) return undefined;
    const rel = s.value;
    if (rel.length > 64 || !OPTIONAL_RELATION.test(rel)) return undefined;
    subject = { object, optionalRelation: rel };
  }
  if (!s.lit('}}') || s.pos !== text.length) return undefined;
  return c === undefined
    ? { resource, permission, subject }
    : { consistency: c, resource, permission, subject };
}
