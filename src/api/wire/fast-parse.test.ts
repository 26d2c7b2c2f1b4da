import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../errors.ts';
import { MAX_JSON_DEPTH, validateBody } from '../route.ts';
import { fastCheckBulkRequest, fastCheckRequest } from './fast-parse.ts';
import { CheckBulkPermissionsRequest, CheckPermissionRequest } from './permissions.ts';

/** What the zod path answers: the parsed body, or the error code it throws. */
function viaZod(
  json: unknown,
  schema: typeof CheckPermissionRequest | typeof CheckBulkPermissionsRequest,
) {
  try {
    return { ok: true as const, data: validateBody(json, schema) as unknown };
  } catch (err) {
    if (!isAppError(err)) throw err;
    return { ok: false as const, code: err.code };
  }
}

/** `[[[...]]]` nested `n` levels. */
const nest = (n: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = [v];
  return v;
};

/** Mostly valid values, sometimes a wrong one: most generated bodies then pass, many only just fail. */
const mostly = (valid: fc.Arbitrary<unknown>, invalid: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 30, arbitrary: valid }, { weight: 1, arbitrary: invalid });

const typeName = mostly(
  fc.constantFrom('document', 'user', 'group', 'org/team_a', 'ab'),
  fc.constantFrom('', 'A', 'x', 'doc-1', '1doc', 'a'.repeat(70), 'user_', 3, null, true),
);
const objectId = mostly(
  fc.constantFrom('1', 'readme', '*', 'a|b', 'x-y_z=+/', 'a'.repeat(1024)),
  fc.constantFrom('', 'a b', '**', 'é', 'a'.repeat(1025), 1, null),
);
const relation = mostly(
  fc.constantFrom('view', 'viewer', 'can_edit', 'member'),
  fc.constantFrom('', 'v', 'View', 'a'.repeat(65), 'has-dash', 0, null),
);
const optionalRelation = mostly(fc.constantFrom('', 'member'), fc.constantFrom('Bad', 'm', 7));
const extra = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(undefined, { foo: 1 }) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: MAX_JSON_DEPTH - 6, max: MAX_JSON_DEPTH + 2 })
      .map((n) => ({ deep: nest(n) })),
  },
);

/**
 * Object-shaped values: mostly the `required` fields plus any optional ones (and maybe an unknown
 * field), sometimes fields missing, proto (snake_case) names when `underscores`, or junk.
 */
const objectOf = (
  fields: Record<string, fc.Arbitrary<unknown>>,
  required: readonly string[],
  opts: { underscores: boolean },
): fc.Arbitrary<unknown> =>
  fc.oneof(
    {
      weight: 30,
      arbitrary: fc
        .tuple(fc.record(fields, { requiredKeys: [...required] }), extra)
        .map(([r, e]) => ({ ...e, ...r })),
    },
    { weight: 1, arbitrary: fc.record(fields, { requiredKeys: [] }) },
    {
      weight: opts.underscores ? 4 : 0,
      arbitrary: fc.record(fields, { requiredKeys: [...required] }).map((r) => {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(r))
          out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v;
        return out;
      }),
    },
    { weight: 1, arbitrary: fc.constantFrom(null, [], 'x', 1) },
  );

function arbitraries(opts: { underscores: boolean }) {
  const objectRef = objectOf({ objectType: typeName, objectId }, ['objectType', 'objectId'], opts);
  const subject = objectOf({ object: objectRef, optionalRelation }, ['object'], opts);
  const token = objectOf(
    { token: mostly(fc.constant('abc'), fc.constantFrom('', 'x'.repeat(1025), 5)) },
    ['token'],
    opts,
  );
  const consistency = fc.oneof(
    objectOf(
      {
        minimizeLatency: mostly(fc.constant(true), fc.constant(false)),
        atLeastAsFresh: token,
        atExactSnapshot: token,
        fullyConsistent: mostly(fc.constant(true), fc.constantFrom(false, 'yes')),
      },
      [],
      opts,
    ),
    fc.constantFrom(
      { minimizeLatency: true },
      { fullyConsistent: true },
      { atLeastAsFresh: { token: 'z' } },
    ),
  );
  const context = fc.oneof(
    {
      weight: 10,
      arbitrary: fc.constantFrom({}, { ip: '10.0.0.1' }, { ip_addr: 1, n: { a: [1] } }),
    },
    { weight: 1, arbitrary: fc.constantFrom([], null, 'x') },
    {
      weight: 2,
      arbitrary: fc
        .integer({ min: MAX_JSON_DEPTH - 6, max: MAX_JSON_DEPTH })
        .map((n) => ({ deep: nest(n) })),
    },
  );
  const flag = mostly(fc.boolean(), fc.constantFrom('true', 1));
  const item = objectOf(
    { resource: objectRef, permission: relation, subject, context },
    ['resource', 'permission', 'subject'],
    opts,
  );
  const check = objectOf(
    {
      consistency,
      resource: objectRef,
      permission: relation,
      subject,
      context,
      withTracing: flag,
      explain: flag,
    },
    ['resource', 'permission', 'subject'],
    opts,
  );
  const bulk = objectOf(
    {
      consistency,
      items: mostly(fc.array(item, { maxLength: 4 }), fc.constantFrom(null, {}, 'x')),
    },
    ['items'],
    opts,
  );
  // JSON round trip: what a request body can actually be (no undefined, no functions).
  const json = (a: fc.Arbitrary<unknown>) =>
    a.map((v) => JSON.parse(JSON.stringify(v ?? null)) as unknown);
  return { check: json(check), bulk: json(bulk) };
}

const plain = arbitraries({ underscores: false });
const mixed = arbitraries({ underscores: true });

describe('fast body validators agree with the zod schemas', () => {
  test.prop([plain.check], { numRuns: 3000 })(
    'check: accepted exactly when zod accepts, same value',
    (json) => {
      const fast = fastCheckRequest(json, MAX_JSON_DEPTH);
      const zod = viaZod(json, CheckPermissionRequest);
      expect(fast !== undefined).toBe(zod.ok);
      if (fast !== undefined && zod.ok) {
        expect(fast).toStrictEqual(zod.data);
        expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.data));
      }
    },
  );

  test.prop([plain.bulk], { numRuns: 3000 })(
    'checkbulk: accepted exactly when zod accepts, same value',
    (json) => {
      const fast = fastCheckBulkRequest(json, MAX_JSON_DEPTH);
      const zod = viaZod(json, CheckBulkPermissionsRequest);
      expect(fast !== undefined).toBe(zod.ok);
      if (fast !== undefined && zod.ok) {
        expect(fast).toStrictEqual(zod.data);
        expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.data));
      }
    },
  );

  test.prop([mixed.check, mixed.bulk], { numRuns: 2000 })(
    'with proto (snake_case) names: whatever the fast path accepts, zod accepts identically',
    (check, bulk) => {
      const a = fastCheckRequest(check, MAX_JSON_DEPTH);
      if (a !== undefined)
        expect(viaZod(check, CheckPermissionRequest)).toStrictEqual({ ok: true, data: a });
      const b = fastCheckBulkRequest(bulk, MAX_JSON_DEPTH);
      if (b !== undefined)
        expect(viaZod(bulk, CheckBulkPermissionsRequest)).toStrictEqual({ ok: true, data: b });
    },
  );

  it('declines proto names and over-deep bodies, leaving the answer to zod', () => {
    const body = {
      resource: { object_type: 'document', objectId: 'd' },
      permission: 'view',
      subject: { object: { objectType: 'user', objectId: 'u' } },
    };
    expect(fastCheckRequest(body, MAX_JSON_DEPTH)).toBeUndefined();
    expect(viaZod(body, CheckPermissionRequest).ok).toBe(true);
    const deep = { ...body, resource: { objectType: 'document', objectId: 'd' }, junk: nest(70) };
    expect(fastCheckRequest(deep, MAX_JSON_DEPTH)).toBeUndefined();
    expect(viaZod(deep, CheckPermissionRequest)).toStrictEqual({
      ok: false,
      code: 'invalid_request',
    });
  });

  it('accepts the bodies the typed client sends', () => {
    const item = {
      resource: { objectType: 'document', objectId: 'readme' },
      permission: 'view',
      subject: { object: { objectType: 'group', objectId: 'eng' }, optionalRelation: 'member' },
    };
    const bulk = { consistency: { minimizeLatency: true }, items: [item, item] };
    expect(fastCheckBulkRequest(bulk, MAX_JSON_DEPTH)).toStrictEqual(bulk);
    const check = {
      consistency: { fullyConsistent: true },
      ...item,
      context: { ip: '1' },
      explain: true,
    };
    expect(fastCheckRequest(check, MAX_JSON_DEPTH)).toStrictEqual(check);
  });
});
