import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { partialCaveatInfo, toWireLookupPermissionship } from './convert.ts';
import { lookupResourcesLine, lookupSubjectsLine } from './lines.ts';

/** What the route used to send: the wire object, stringified. */
const reference = (
  zookie: string,
  r: {
    resourceId: string;
    permissionship: 'has_permission' | 'conditional_permission';
    missingContext?: string[];
    cursor?: string;
  },
) =>
  JSON.stringify({
    result: {
      lookedUpAt: { token: zookie },
      resourceObjectId: r.resourceId,
      permissionship: toWireLookupPermissionship(r.permissionship),
      partialCaveatInfo: partialCaveatInfo(r.missingContext),
      afterResultCursor: r.cursor ? { token: r.cursor } : undefined,
    },
  });

describe('lookupResourcesLine', () => {
  test.prop(
    [
      fc.string({ minLength: 1 }),
      fc.record(
        {
          resourceId: fc.oneof(fc.string(), fc.constantFrom('doc-1', '*', 'a"b\\c', 'ü\u2028')),
          permissionship: fc.constantFrom(
            'has_permission' as const,
            'conditional_permission' as const,
          ),
          missingContext: fc.array(fc.string(), { maxLength: 3 }),
          cursor: fc.oneof(fc.constant(''), fc.string()),
        },
        { requiredKeys: ['resourceId', 'permissionship'] },
      ),
    ],
    { numRuns: 2000 },
  )('writes the same bytes as JSON.stringify of the wire object', (zookie, r) => {
    expect(lookupResourcesLine(zookie)(r)).toBe(reference(zookie, r));
  });
});

/** What the hono route sends for a subject: the wire object, stringified. */
const subjectReference = (
  zookie: string,
  s: {
    subjectId: string;
    permissionship: 'has_permission' | 'conditional_permission';
    missingContext?: string[];
    excluded?: { subjectId: string; permissionship: 'has_permission' | 'conditional_permission' }[];
  },
) => {
  const permissionship = toWireLookupPermissionship(s.permissionship);
  const partial = partialCaveatInfo(s.missingContext);
  const excluded = (s.excluded ?? []).map((e) => ({
    subjectObjectId: e.subjectId,
    permissionship: toWireLookupPermissionship(e.permissionship),
  }));
  return JSON.stringify({
    result: {
      lookedUpAt: { token: zookie },
      subjectObjectId: s.subjectId,
      excludedSubjectIds: excluded.map((e) => e.subjectObjectId),
      permissionship,
      partialCaveatInfo: partial,
      subject: { subjectObjectId: s.subjectId, permissionship, partialCaveatInfo: partial },
      excludedSubjects: excluded,
    },
  });
};

describe('lookupSubjectsLine', () => {
  const id = fc.oneof(fc.string(), fc.constantFrom('u1', '*', 'a"b\\c', 'ü\u2028'));
  const permissionship = fc.constantFrom(
    'has_permission' as const,
    'conditional_permission' as const,
  );
  test.prop(
    [
      fc.string({ minLength: 1 }),
      fc.record(
        {
          subjectId: id,
          permissionship,
          missingContext: fc.array(fc.string(), { maxLength: 3 }),
          excluded: fc.array(fc.record({ subjectId: id, permissionship }), { maxLength: 3 }),
        },
        { requiredKeys: ['subjectId', 'permissionship'] },
      ),
    ],
    { numRuns: 2000 },
  )('writes the same bytes as JSON.stringify of the wire object', (zookie, s) => {
    expect(lookupSubjectsLine(zookie)(s)).toBe(subjectReference(zookie, s));
  });
});
