import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../route.ts';
import { scanCheckBulkRequest } from './bulk-scan.ts';
import { requestTextOf } from './bulk-text.ts';
import { toObjectRef, toSubjectRef } from './convert.ts';
import { fastCheckBulkRequest } from './fast-parse.ts';

/**
 * What the route does without the scan, in the scan's terms: the check inputs the route derives
 * and each item's echoed request text; undefined when the JSON path would validate with zod (or
 * the text is not JSON), or when an item carries a context (never scanned).
 */
function viaJson(text: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const body = fastCheckBulkRequest(json, MAX_JSON_DEPTH);
  if (!body || body.items.some((i) => i.context !== undefined)) return undefined;
  return {
    consistency: body.consistency,
    checks: body.items.map((i) => ({
      resource: toObjectRef(i.resource),
      permission: i.permission,
      subject: toSubjectRef(i.subject),
    })),
    requests: body.items.map(requestTextOf),
  };
}

const name = fc.oneof(
  fc.constantFrom('document', 'user', 'view', 'group', 'a', 'member', 'x_y', 'ns/doc', ''),
  fc.string({ maxLength: 8 }),
);
const id = fc.oneof(
  fc.constantFrom('readme', 'u1', 'doc_9', '*', 'a-b', 'a\\"b', 'tab\there', 'é', 'x'.repeat(1025)),
  fc.string({ maxLength: 10 }),
);
const object = fc.record({ objectType: name, objectId: id });
const consistency = fc.option(
  fc.oneof(
    fc.constant({ minimizeLatency: true }),
    fc.constant({ fullyConsistent: true }),
    fc.constant({ minimizeLatency: false }),
    id.map((token) => ({ atLeastAsFresh: { token } })),
    fc.constant({ atExactSnapshot: { token: '' } }),
  ),
  { nil: undefined },
);
const item = fc.record({
  resource: object,
  permission: name,
  subject: fc.record(
    { object, optionalRelation: fc.oneof(name, fc.constant('')) },
    { requiredKeys: ['object'] },
  ),
});
/** Mostly valid items (so whole bodies often scan), sometimes anything `item` generates. */
const validItem = fc.record({
  resource: fc.record({
    objectType: fc.constantFrom('document', 'folder'),
    objectId: fc.stringMatching(/^[a-zA-Z0-9/_|\-=+]{1,8}$/),
  }),
  permission: fc.constantFrom('view', 'edit'),
  subject: fc.record(
    {
      object: fc.record({
        objectType: fc.constantFrom('user', 'group'),
        objectId: fc.oneof(fc.constant('*'), fc.stringMatching(/^[a-z0-9]{1,6}$/)),
      }),
      optionalRelation: fc.constantFrom('member', ''),
    },
    { requiredKeys: ['object'] },
  ),
});
const body = fc
  .record({
    consistency,
    items: fc.array(fc.oneof({ weight: 4, arbitrary: validItem }, { weight: 1, arbitrary: item }), {
      maxLength: 6,
    }),
  })
  .map((b) => {
    if (b.consistency === undefined) return { items: b.items };
    return b;
  });

/** Small edits of a compact body: spaces, extra fields, truncation, a context, reordered keys. */
const mutated = fc
  .tuple(body, fc.nat(), fc.constantFrom('space', 'cut', 'extra', 'context', 'swap'))
  .map(([b, at, how]) => {
    const t = JSON.stringify(b);
    const k = at % (t.length + 1);
    switch (how) {
      case 'space':
        return `${t.slice(0, k)} ${t.slice(k)}`;
      case 'cut':
        return t.slice(0, k);
      case 'extra':
        return t.replace('"permission":', '"explain":true,"permission":');
      case 'context':
        return t.replace('}},', '},"context":{"a":1}},');
      case 'swap':
        return JSON.stringify({
          items: b.items,
          consistency: 'consistency' in b ? b.consistency : undefined,
        });
    }
    return t;
  });

describe('scanCheckBulkRequest', () => {
  test.prop([body])('gives what the JSON path derives, or declines', (b) => {
    const text = JSON.stringify(b);
    const scanned = scanCheckBulkRequest(text);
    const expected = viaJson(text);
    if (scanned !== undefined) expect(scanned).toStrictEqual(expected);
    // A valid compact body without escapes is always read by the scan.
    else expect(expected === undefined || text.includes('\\')).toBe(true);
  });

  test.prop([mutated])('never accepts a text the JSON path would read differently', (text) => {
    const scanned = scanCheckBulkRequest(text);
    if (scanned !== undefined) expect(scanned).toStrictEqual(viaJson(text));
  });

  it('reads the compact bodies clients send, and echoes each item as sent', () => {
    const items = [
      {
        resource: { objectType: 'document', objectId: 'readme' },
        permission: 'view',
        subject: { object: { objectType: 'user', objectId: 'ann' } },
      },
      {
        resource: { objectType: 'document', objectId: 'readme' },
        permission: 'view',
        subject: { object: { objectType: 'group', objectId: 'eng' }, optionalRelation: 'member' },
      },
    ];
    const text = JSON.stringify({ consistency: { fullyConsistent: true }, items });
    const scanned = scanCheckBulkRequest(text);
    expect(scanned).toStrictEqual(viaJson(text));
    expect(scanned?.requests).toStrictEqual(items.map((i) => JSON.stringify(i)));
    expect(scanCheckBulkRequest('{"items":[]}')).toStrictEqual({
      consistency: undefined,
      checks: [],
      requests: [],
    });
  });

  it.each([
    ['whitespace', '{"items":[ ]}'],
    [
      'a trailing comma',
      '{"items":[{"resource":{"objectType":"doc","objectId":"1"},"permission":"view","subject":{"object":{"objectType":"user","objectId":"a"}}},]}',
    ],
    [
      'a context',
      '{"items":[{"resource":{"objectType":"doc","objectId":"1"},"permission":"view","subject":{"object":{"objectType":"user","objectId":"a"}},"context":{}}]}',
    ],
    ['trailing text', '{"items":[]}x'],
    ['items before consistency', '{"items":[],"consistency":{"minimizeLatency":true}}'],
  ])('declines a body with %s', (_why, text) => {
    expect(scanCheckBulkRequest(text)).toBeUndefined();
  });
});
