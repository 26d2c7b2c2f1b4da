/**
 * Hand-built NDJSON lines for the lookup streams (resources, subjects): the same bytes as
 * `JSON.stringify({ result })` of the wire object, without building that object per result. The
 * parts that are the same on every line (the zookie) are encoded once per response; a ~250-result
 * lookup spent about as long stringifying its lines as evaluating. `lines.test.ts` checks the
 * bytes against `JSON.stringify`.
 */
import type { ResourceFound, SubjectFound } from '../../service/index.ts';
import { partialCaveatInfo, toWireLookupPermissionship } from './convert.ts';

/**
 * The line writer of one `/v1/permissions/resources` response at `zookie`: each result becomes
 * `{"result":{"lookedUpAt","resourceObjectId","permissionship","partialCaveatInfo"?,"afterResultCursor"?}}`.
 */
export function lookupResourcesLine(zookie: string): (r: ResourceFound) => string {
  const prefix = `{"result":{"lookedUpAt":${JSON.stringify({ token: zookie })},"resourceObjectId":`;
  const has = `,"permissionship":"${toWireLookupPermissionship('has_permission')}"`;
  const conditional = `,"permissionship":"${toWireLookupPermissionship('conditional_permission')}"`;
  return (r) => {
    let line =
      prefix +
      JSON.stringify(r.resourceId) +
      (r.permissionship === 'has_permission' ? has : conditional);
    const partial = partialCaveatInfo(r.missingContext);
    if (partial) line += `,"partialCaveatInfo":${JSON.stringify(partial)}`;
    if (r.cursor) line += `,"afterResultCursor":${JSON.stringify({ token: r.cursor })}`;
    return `${line}}}`;
  };
}

/**
 * The line writer of one `/v1/permissions/subjects` response at `zookie`: each subject becomes
 * `{"result":{"lookedUpAt","subjectObjectId","excludedSubjectIds","permissionship",
 * "partialCaveatInfo"?,"subject":{...},"excludedSubjects"}}`, the bytes of the wire object the
 * hono route stringifies.
 */
export function lookupSubjectsLine(zookie: string): (s: SubjectFound) => string {
  const prefix = `{"result":{"lookedUpAt":${JSON.stringify({ token: zookie })},"subjectObjectId":`;
  return (s) => {
    const id = JSON.stringify(s.subjectId);
    const permissionship = `,"permissionship":"${toWireLookupPermissionship(s.permissionship)}"`;
    const partial = partialCaveatInfo(s.missingContext);
    const caveat = partial ? `,"partialCaveatInfo":${JSON.stringify(partial)}` : '';
    let ids = '';
    let excluded = '';
    for (const e of s.excluded ?? []) {
      const eid = JSON.stringify(e.subjectId);
      const sep = ids === '' ? '' : ',';
      ids += sep + eid;
      excluded += `${sep}{"subjectObjectId":${eid},"permissionship":"${toWireLookupPermissionship(e.permissionship)}"}`;
    }
    return `${prefix}${id},"excludedSubjectIds":[${ids}]${permissionship}${caveat},"subject":{"subjectObjectId":${id}${permissionship}${caveat}},"excludedSubjects":[${excluded}]}}`;
  };
}
