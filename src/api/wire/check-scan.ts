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
import type { CheckPermissionRequest } from './permissions.ts';
import {
  optionalRelationName,
  Previous,
  relationName,
  Scan,
  scanConsistency,
  scanObjectRef,
} from './scan-text.ts';

type CheckBody = z.infer<typeof CheckPermissionRequest>;

/** `{"objectType":"...","objectId":"..."}`, validated, as the wire object. */
function objectRef(
  s: Scan,
  lastType: string,
): { objectType: string; objectId: string } | undefined {
  const objectType = scanObjectRef(s, lastType);
  return objectType === undefined ? undefined : { objectType, objectId: s.value };
}

// The names of the last body read: most checks in a row name the same types and permission.
const PREV = new Previous();

/** The parsed body when `text` has the compact shape described above, else undefined. */
export function scanCheckRequest(text: string): CheckBody | undefined {
  const s = new Scan(text);
  if (!s.lit('{')) return undefined;
  const c = scanConsistency(s);
  if (c === null) return undefined;
  if (!s.lit('"resource":')) return undefined;
  const resource = objectRef(s, PREV.resourceType);
  if (!resource || !s.lit(',"permission":"')) return undefined;
  const p = PREV.permission;
  if (!(p !== '' && s.same(p)) && !(s.str() && relationName(s.value))) return undefined;
  const permission = s.value;
  if (!s.lit(',"subject":{"object":')) return undefined;
  const object = objectRef(s, PREV.subjectType);
  if (!object) return undefined;
  let subject: CheckBody['subject'] = { object };
  if (s.lit(',"optionalRelation":"')) {
    if (!s.str()) return undefined;
    const rel = s.value;
    if (!optionalRelationName(rel)) return undefined;
    subject = { object, optionalRelation: rel };
  }
  if (!s.lit('}}') || s.pos !== text.length) return undefined;
  PREV.resourceType = resource.objectType;
  PREV.permission = permission;
  PREV.subjectType = object.objectType;
  return c === undefined
    ? { resource, permission, subject }
    : { consistency: c, resource, permission, subject };
}
