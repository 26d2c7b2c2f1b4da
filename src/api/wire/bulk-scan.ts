/**
 * A checkbulk body read straight from its text when it has the exact compact shape clients send
 * (`JSON.stringify` of the wire object: no whitespace, no escapes, known fields in the schema's
 * order): `{"consistency":{...},"items":[{"resource":{...},"permission":"...","subject":{...}},...]}`
 * with the consistency optional, the subject's `optionalRelation` optional and no item `context`.
 * Anything else is declined (`undefined`): the route then parses and validates as usual, so errors
 * are unchanged.
 *
 * What it gives is what answering needs, not the wire objects: each item as the service's check
 * input, and each item's text, which for such a body is exactly `JSON.stringify` of the validated
 * wire item, the `request` the answer echoes. `bulk-scan.test.ts` compares both with the JSON path.
 *
 * Why: for a 100-item body from a warm cache, `JSON.parse`, the validator, the conversion to check
 * inputs and the echo's re-encoding cost more than the service and engine together.
 */
import { ELLIPSIS } from '../../model/index.ts';
import type { CheckInput } from '../../service/index.ts';
import type { WireConsistency } from './common.ts';
import {
  optionalRelationName,
  Previous,
  relationName,
  Scan,
  scanConsistency,
  scanObjectRef,
} from './scan-text.ts';

/** A checkbulk body as scanned: `checks[i]` and `requests[i]` are item `i`. */
export interface ScannedBulk {
  readonly consistency: WireConsistency | undefined;
  /** The items as the service's check inputs. */
  readonly checks: CheckInput[];
  /** The items' texts, the same as `JSON.stringify` of their validated wire form. */
  readonly requests: string[];
}

/** One item from its opening brace, or undefined. */
function item(s: Scan, prev: Previous): CheckInput | undefined {
  if (!s.lit('{"resource":')) return undefined;
  const resourceType = scanObjectRef(s, prev.resourceType);
  if (resourceType === undefined) return undefined;
  const resource = { type: resourceType, id: s.value };
  if (!s.lit(',"permission":"')) return undefined;
  const p = prev.permission;
  if (!(p !== '' && s.same(p)) && !(s.str() && relationName(s.value))) return undefined;
  const permission = s.value;
  if (!s.lit(',"subject":{"object":')) return undefined;
  const subjectType = scanObjectRef(s, prev.subjectType);
  if (subjectType === undefined) return undefined;
  const subjectId = s.value;
  let relation = ELLIPSIS;
  if (s.lit(',"optionalRelation":"')) {
    if (!s.str() || !optionalRelationName(s.value)) return undefined;
    // "" is SpiceDB's absent relation, as in `toSubjectRef`.
    if (s.value !== '') relation = s.value;
  }
  if (!s.lit('}}')) return undefined;
  prev.resourceType = resourceType;
  prev.permission = permission;
  prev.subjectType = subjectType;
  return { resource, permission, subject: { type: subjectType, id: subjectId, relation } };
}

/** The scanned body when `text` has the compact shape described above, else undefined. */
export function scanCheckBulkRequest(text: string): ScannedBulk | undefined {
  const s = new Scan(text);
  if (!s.lit('{')) return undefined;
  const consistency = scanConsistency(s);
  if (consistency === null || !s.lit('"items":[')) return undefined;
  const checks: CheckInput[] = [];
  const requests: string[] = [];
  const prev = new Previous();
  if (!s.lit(']')) {
    do {
      const start = s.pos;
      const check = item(s, prev);
      if (check === undefined) return undefined;
      checks.push(check);
      requests.push(text.slice(start, s.pos));
    } while (s.lit(','));
    if (!s.lit(']')) return undefined;
  }
  if (!s.lit('}') || s.pos !== text.length) return undefined;
  return { consistency, checks, requests };
}
