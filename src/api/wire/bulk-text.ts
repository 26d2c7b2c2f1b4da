/**
 * The `/v1/permissions/checkbulk` response built as text: the same bytes as `JSON.stringify` of
 * the wire object `{checkedAt, pairs: [{request, item | error}]}`, without building that object
 * (two or three objects per item) and without re-walking it to stringify. The zookie and the
 * answer tails are encoded once per response, not per item. A 100-item call spent about as long
 * building and stringifying its answer as the engine spent answering it from a warm cache.
 * `bulk-text.test.ts` checks the bytes against `JSON.stringify`.
 */
import type { z } from '@hono/zod-openapi';
import type { BulkCheckAnswer } from '../../service/index.ts';
import type { WireObjectReference, WireSubjectReference } from './common.ts';
import { partialCaveatInfo, toWirePermissionship } from './convert.ts';
import { jsonString as str } from './json-text.ts';
import type { CheckBulkPermissionsRequestItem } from './permissions.ts';

type BulkItem = z.infer<typeof CheckBulkPermissionsRequestItem>;

function objectText(o: WireObjectReference): string {
  return `{"objectType":${str(o.objectType)},"objectId":${str(o.objectId)}}`;
}

function subjectText(s: WireSubjectReference): string {
  const object = `{"object":${objectText(s.object)}`;
  return s.optionalRelation === undefined
    ? `${object}}`
    : `${object},"optionalRelation":${str(s.optionalRelation)}}`;
}

/**
 * The echoed request of a pair: `JSON.stringify` of the validated item. Keys in the schema's order
 * (as zod and the fast validator emit them); an item of any other shape is stringified as is.
 */
export function requestTextOf(i: BulkItem): string {
  let keys = 0;
  let first: string | undefined;
  for (const k in i) {
    if (keys === 0) first = k;
    keys++;
  }
  const plainShape =
    keys === (i.context === undefined ? 3 : 4) &&
    typeof i.permission === 'string' &&
    first === 'resource';
  if (!plainShape) return JSON.stringify(i);
  let out = `{"resource":${objectText(i.resource)},"permission":${str(i.permission)},"subject":${subjectText(i.subject)}`;
  if (i.context !== undefined) out += `,"context":${JSON.stringify(i.context)}`;
  return `${out}}`;
}

const HAS = `,"item":{"permissionship":"${toWirePermissionship('has_permission')}"}}`;
const NO = `,"item":{"permissionship":"${toWirePermissionship('no_permission')}"}}`;

/** The tail of a pair after its request: `,"item":{...}}` or `,"error":{...}}`. */
function answerText(a: BulkCheckAnswer): string {
  if (!a.ok) return `,"error":${JSON.stringify(a.error)}}`;
  const { permissionship, missingContext } = a.answer;
  const partial = partialCaveatInfo(missingContext);
  if (partial === undefined) {
    if (permissionship === 'has_permission') return HAS;
    if (permissionship === 'no_permission') return NO;
  }
  const head = `,"item":{"permissionship":"${toWirePermissionship(permissionship)}"`;
  return partial === undefined
    ? `${head}}}`
    : `${head},"partialCaveatInfo":${JSON.stringify(partial)}}}`;
}

// Most answers in a row share a zookie (one revision per quantum): its encoded head is kept.
let lastZookie: string | undefined;
let lastHead = '';

function headText(zookie: string): string {
  if (zookie !== lastZookie) {
    lastHead = `{"checkedAt":${JSON.stringify({ token: zookie })},"pairs":[`;
    lastZookie = zookie;
  }
  return lastHead;
}

/**
 * The response body of a checkbulk call at `zookie`: `answers[i]` answers `items[i]`. Same bytes as
 * `JSON.stringify({ checkedAt: { token: zookie }, pairs })` with the route's wire pairs.
 */
export function checkBulkResponseText(
  zookie: string,
  items: readonly BulkItem[],
  answers: readonly BulkCheckAnswer[],
): string {
  let out = headText(zookie);
  for (let i = 0; i < answers.length; i++) {
    if (i > 0) out += ',';
    out += `{"request":${requestTextOf(items[i] as BulkItem)}${answerText(answers[i] as BulkCheckAnswer)}`;
  }
  return `${out}]}`;
}

/**
 * `checkBulkResponseText` with each item's request given as its JSON text (`requests[i]`, as a
 * scanned body keeps it: wire/bulk-scan.ts), so nothing is re-encoded.
 */
export function checkBulkResponseTextOf(
  zookie: string,
  requests: readonly string[],
  answers: readonly BulkCheckAnswer[],
): string {
  let out = headText(zookie);
  for (let i = 0; i < answers.length; i++) {
    if (i > 0) out += ',';
    out += `{"request":${requests[i] as string}${answerText(answers[i] as BulkCheckAnswer)}`;
  }
  return `${out}]}`;
}
