import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { BulkCheckAnswer } from '../../service/index.ts';
import { checkBulkResponseText } from './bulk-text.ts';
import { partialCaveatInfo, toWirePermissionship } from './convert.ts';

/** The wire object the route used to build and `c.json`; the text must match its stringification. */
function wireObject(zookie: string, items: readonly object[], answers: readonly BulkCheckAnswer[]) {
  return {
    checkedAt: { token: zookie },
    pairs: answers.map((a, i) => ({
      request: items[i],
      ...(a.ok
        ? {
            item: {
              permissionship: toWirePermissionship(a.answer.permissionship),
              partialCaveatInfo: partialCaveatInfo(a.answer.missingContext),
            },
          }
        : { error: a.error }),
    })),
  };
}

const name = fc.stringMatching(/^[a-z][a-z0-9_]{1,10}[a-z0-9]$/);
// Ids as validated, plus arbitrary strings (quotes, controls, lone surrogates) for the escaping.
const id = fc.oneof(fc.stringMatching(/^[a-zA-Z0-9/_|\-=+]{1,12}$/), fc.constant('*'), fc.string());
const object = fc.record({ objectType: name, objectId: id });
const subject = fc.oneof(
  fc.record({ object }),
  fc.record({ object, optionalRelation: fc.oneof(name, fc.constant('')) }),
);
const item = fc.oneof(
  fc.record({ resource: object, permission: name, subject }),
  fc.record({
    resource: object,
    permission: name,
    subject,
    context: fc.dictionary(fc.string(), fc.jsonValue()),
  }),
);
const answer: fc.Arbitrary<BulkCheckAnswer> = fc.oneof(
  fc.record({
    ok: fc.constant(true as const),
    answer: fc.oneof(
      fc.record({
        permissionship: fc.constantFrom(
          'has_permission' as const,
          'no_permission' as const,
          'conditional_permission' as const,
        ),
      }),
      fc.record({
        permissionship: fc.constantFrom(
          'has_permission' as const,
          'no_permission' as const,
          'conditional_permission' as const,
        ),
        missingContext: fc.array(fc.string(), { maxLength: 3 }),
      }),
    ),
  }),
  fc.record({
    ok: fc.constant(false as const),
    error: fc.record({ code: fc.string(), message: fc.string(), details: fc.jsonValue() }),
  }),
);

describe('checkBulkResponseText', () => {
  test.prop([fc.string({ minLength: 1 }), fc.array(fc.tuple(item, answer), { maxLength: 8 })])(
    'is byte for byte JSON.stringify of the wire object',
    (zookie, pairs) => {
      const items = pairs.map((p) => p[0]);
      const answers = pairs.map((p) => p[1]);
      expect(checkBulkResponseText(zookie, items, answers)).toBe(
        JSON.stringify(wireObject(zookie, items, answers)),
      );
    },
  );

  it('stringifies items of an unexpected shape as they are', () => {
    const odd = {
      permission: 'view',
      resource: { objectType: 'doc', objectId: 'a' },
      subject: { object: { objectType: 'user', objectId: 'b' } },
    };
    const answers: BulkCheckAnswer[] = [{ ok: true, answer: { permissionship: 'has_permission' } }];
    const text = checkBulkResponseText('z', [odd as never], answers);
    expect(text).toBe(JSON.stringify(wireObject('z', [odd], answers)));
    expect(text).toContain('{"request":{"permission":"view"');
  });
});
