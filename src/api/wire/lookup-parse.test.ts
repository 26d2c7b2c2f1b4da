import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../errors.ts';
import { MAX_JSON_DEPTH, validateBody } from '../route.ts';
import { fastLookupResourcesRequest, fastLookupSubjectsRequest } from './lookup-parse.ts';
import { LookupResourcesRequest, LookupSubjectsRequest } from './permissions.ts';

/** What the zod path answers: the parsed body, or the error code it throws. */
function viaZod(
  json: unknown,
  schema: typeof LookupResourcesRequest | typeof LookupSubjectsRequest,
) {
  try {
    return { ok: true as const, data: validateBody(json, schema) as unknown };
  } catch (err) {
    if (!isAppError(err)) throw err;
    return { ok: false as const, code: err.code };
  }
}

/** Mostly valid values, sometimes a wrong one: most bodies pass, many only just fail. */
const mostly = (valid: fc.Arbitrary<unknown>, invalid: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 30, arbitrary: valid }, { weight: 1, arbitrary: invalid });

const typeName = mostly(
  fc.constantFrom('document', 'user', 'org/team_a'),
  fc.constantFrom('', 'A', 'doc-1', 'a'.repeat(70), 3, null),
);
const objectId = mostly(
  fc.constantFrom('1', 'readme', '*', 'a|b'),
  fc.constantFrom('', 'a b', 'é', 'a'.repeat(1025), 1),
);
const relation = mostly(
  fc.constantFrom('view', 'can_edit', 'member'),
  fc.constantFrom('', 'View', 'has-dash', 0),
);
const count = mostly(
  fc.constantFrom(0, 1, 100, 2 ** 40),
  fc.constantFrom(-1, 1.5, 2 ** 60, '5', null, true),
);
const token = mostly(
  fc.constantFrom('abc', 'x'.repeat(2000)),
  fc.constantFrom('', 'x'.repeat(102_401), 5),
);

/** Objects of `fields` with the `required` ones, sometimes missing some, snake_case or junk. */
const objectOf = (fields: Record<string, fc.Arbitrary<unknown>>, required: readonly string[]) =>
  fc.oneof(
    {
      weight: 30,
      arbitrary: fc
        .tuple(
          fc.record(fields, { requiredKeys: [...required] }),
          fc.constantFrom(undefined, { foo: 1 }),
        )
        .map(([r, e]) => ({ ...e, ...r })),
    },
    { weight: 1, arbitrary: fc.record(fields, { requiredKeys: [] }) },
    {
      weight: 2,
      arbitrary: fc.record(fields, { requiredKeys: [...required] }).map((r) => {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(r))
          out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v;
        return out;
      }),
    },
    { weight: 1, arbitrary: fc.constantFrom(null, [], 'x', 1) },
  );

const objectRef = objectOf({ objectType: typeName, objectId }, ['objectType', 'objectId']);
const subject = objectOf(
  { object: objectRef, optionalRelation: mostly(fc.constantFrom('', 'member'), fc.constant('M')) },
  ['object'],
);
const consistency = fc.oneof(
  objectOf(
    {
      minimizeLatency: mostly(fc.constant(true), fc.constant(false)),
      atExactSnapshot: objectOf({ token }, ['token']),
      fullyConsistent: mostly(fc.constant(true), fc.constant('yes')),
    },
    [],
  ),
  fc.constantFrom({ minimizeLatency: true }, { fullyConsistent: true }),
);
const context = mostly(fc.constantFrom({}, { ip: '1', n_a: [1] }), fc.constantFrom([], null, 'x'));
const cursor = objectOf({ token }, ['token']);

const json = (a: fc.Arbitrary<unknown>) =>
  a.map((v) => JSON.parse(JSON.stringify(v ?? null)) as unknown);

const resourcesBody = json(
  objectOf(
    {
      consistency,
      resourceObjectType: typeName,
      permission: relation,
      subject,
      context,
      optionalLimit: count,
      optionalCursor: cursor,
    },
    ['resourceObjectType', 'permission', 'subject'],
  ),
);
const subjectsBody = json(
  objectOf(
    {
      consistency,
      resource: objectRef,
      permission: relation,
      subjectObjectType: typeName,
      optionalSubjectRelation: mostly(fc.constantFrom('', 'member'), fc.constantFrom('M', 1)),
      context,
      optionalConcreteLimit: count,
      optionalCursor: cursor,
      wildcardOption: mostly(
        fc.constantFrom(
          'WILDCARD_OPTION_UNSPECIFIED',
          'WILDCARD_OPTION_INCLUDE_WILDCARDS',
          'WILDCARD_OPTION_EXCLUDE_WILDCARDS',
        ),
        fc.constantFrom('ALL', 1),
      ),
    },
    ['resource', 'permission', 'subjectObjectType'],
  ),
);

describe('lookup body validators agree with the zod schemas', () => {
  test.prop([resourcesBody], { numRuns: 3000 })(
    'lookup resources: a body accepted is one zod accepts, with the same value',
    (body) => {
      const fast = fastLookupResourcesRequest(body, MAX_JSON_DEPTH);
      const zod = viaZod(body, LookupResourcesRequest);
      if (fast !== undefined) {
        expect(zod).toStrictEqual({ ok: true, data: fast });
        expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.ok ? zod.data : undefined));
      }
    },
  );

  test.prop([subjectsBody], { numRuns: 3000 })(
    'lookup subjects: a body accepted is one zod accepts, with the same value',
    (body) => {
      const fast = fastLookupSubjectsRequest(body, MAX_JSON_DEPTH);
      const zod = viaZod(body, LookupSubjectsRequest);
      if (fast !== undefined) {
        expect(zod).toStrictEqual({ ok: true, data: fast });
        expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.ok ? zod.data : undefined));
      }
    },
  );

  test.prop([resourcesBody, subjectsBody], { numRuns: 2000 })(
    'bodies in JSON names that zod accepts are accepted by the fast path too (no proto names)',
    (lr, ls) => {
      const camel = (b: unknown) => !JSON.stringify(b).includes('_');
      if (camel(lr) && viaZod(lr, LookupResourcesRequest).ok)
        expect(fastLookupResourcesRequest(lr, MAX_JSON_DEPTH)).toBeDefined();
      if (camel(ls) && viaZod(ls, LookupSubjectsRequest).ok)
        expect(fastLookupSubjectsRequest(ls, MAX_JSON_DEPTH)).toBeDefined();
    },
  );

  it('accepts the bodies the bench and the typed client send', () => {
    const lr = {
      consistency: { minimizeLatency: true },
      resourceObjectType: 'document',
      permission: 'view',
      subject: { object: { objectType: 'user', objectId: 'ann' } },
    };
    expect(fastLookupResourcesRequest(lr, MAX_JSON_DEPTH)).toStrictEqual(lr);
    const ls = {
      consistency: { fullyConsistent: true },
      resource: { objectType: 'document', objectId: 'readme' },
      permission: 'view',
      subjectObjectType: 'user',
      wildcardOption: 'WILDCARD_OPTION_EXCLUDE_WILDCARDS',
    };
    expect(fastLookupSubjectsRequest(ls, MAX_JSON_DEPTH)).toStrictEqual(ls);
  });
});
