/**
 * The `/v1/permissions/check` answer built as text: the same bytes as `JSON.stringify` of the wire
 * object `{checkedAt, permissionship, partialCaveatInfo?, explanation?}` (what `c.json` sent), with
 * the common answers' heads and tails made once. `check-text.test.ts` checks the bytes.
 */
import type { CheckAnswer } from '../../service/index.ts';
import { partialCaveatInfo, toWirePermissionship } from './convert.ts';
import { jsonString } from './json-text.ts';

const TAIL = {
  has_permission: `,"permissionship":"${toWirePermissionship('has_permission')}"`,
  no_permission: `,"permissionship":"${toWirePermissionship('no_permission')}"`,
  conditional_permission: `,"permissionship":"${toWirePermissionship('conditional_permission')}"`,
} as const;

// Most answers in a row share a zookie (one revision per quantum): its encoded head is kept.
let lastZookie: string | undefined;
let lastHead = '';

/** The response body of a check answered at `zookie`. */
export function checkResponseText(zookie: string, answer: CheckAnswer): string {
  if (zookie !== lastZookie) {
    lastHead = `{"checkedAt":{"token":${jsonString(zookie)}}`;
    lastZookie = zookie;
  }
  let out = `${lastHead}${TAIL[answer.permissionship]}`;
  const partial = partialCaveatInfo(answer.missingContext);
  if (partial !== undefined) out += `,"partialCaveatInfo":${JSON.stringify(partial)}`;
  if (answer.explanation !== undefined)
    out += `,"explanation":${JSON.stringify(answer.explanation)}`;
  return `${out}}`;
}
