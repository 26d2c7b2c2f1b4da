import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { CheckAnswer } from '../../service/index.ts';
import { checkResponseText } from './check-text.ts';
import { partialCaveatInfo, toWirePermissionship } from './convert.ts';

const answer: fc.Arbitrary<CheckAnswer> = fc.record(
  {
    permissionship: fc.constantFrom(
      'has_permission' as const,
      'no_permission' as const,
      'conditional_permission' as const,
    ),
    missingContext: fc.array(fc.string(), { maxLength: 3 }),
    explanation: fc.record({ proof: fc.jsonValue(), text: fc.string() }),
  },
  { requiredKeys: ['permissionship'] },
);

describe('checkResponseText', () => {
  test.prop([fc.oneof(fc.base64String(), fc.string()), answer])(
    'is the bytes of JSON.stringify of the wire answer',
    (zookie, a) => {
      const wire = {
        checkedAt: { token: zookie },
        permissionship: toWirePermissionship(a.permissionship),
        partialCaveatInfo: partialCaveatInfo(a.missingContext),
        explanation: a.explanation,
      };
      expect(checkResponseText(zookie, a)).toBe(JSON.stringify(wire));
    },
  );
});
