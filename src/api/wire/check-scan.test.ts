import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../route.ts';
import { scanCheckRequest } from './check-scan.ts';
import { fastCheckRequest } from './fast-parse.ts';

/** What the route does without the scan, or 'error' when the body is not JSON. */
function viaJson(text: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'error';
  }
  return fastCheckRequest(json, MAX_JSON_DEPTH);
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
    fc.constant({ minimizeLatency: true, fullyConsistent: true }),
    id.map((token) => ({ atLeastAsFresh: { token } })),
    id.map((token) => ({ atExactSnapshot: { token } })),
    fc.constant({ atExactSnapshot: { token: '' } }),
  ),
  { nil: undefined },
);
const body = fc
  .record({
    consistency,
    resource: object,
    permission: name,
    subject: fc.record(
      { object, optionalRelation: fc.oneof(name, fc.constant('')) },
      { requiredKeys: ['object'] },
    ),
  })
  .map((b) => {
    if (b.consistency === undefined) {
      const { consistency: _c, ...rest } = b;
      return rest;
    }
    return b;
  });

/** Small edits of a compact body: spaces, reordering by re-serialising, extra fields, truncation. */
const mutated = fc
  .tuple(body, fc.nat(), fc.constantFrom('space', 'cut', 'extra', 'dup', 'nest'))
  .map(([b, at, how]) => {
    const t = JSON.stringify(b);
    const k = at % (t.length + 1);
    switch (how) {
      case 'space':
        return `${t.slice(0, k)} ${t.slice(k)}`;
      case 'cut':
        return t.slice(0, k);
      case 'extra':
        return `${t.slice(0, -1)},"explain":true}`;
      case 'dup':
        return `${t.slice(0, -1)},"permission":"view"}`;
      case 'nest':
        return `${t.slice(0, -1)},"context":{"a":{"b":1}}}`;
    }
    return t;
  });

describe('scanCheckRequest', () => {
  test.prop([body])('is what JSON.parse + fastCheckRequest give, or declines', (b) => {
    const text = JSON.stringify(b);
    const scanned = scanCheckRequest(text);
    const expected = viaJson(text);
    if (scanned !== undefined) expect(scanned).toStrictEqual(expected);
    // A valid compact body without escapes is always read by the scan.
    else expect(expected === undefined || expected === 'error' || text.includes('\\')).toBe(true);
  });

  test.prop([mutated])('never accepts a text the JSON path would read differently', (text) => {
    const scanned = scanCheckRequest(text);
    if (scanned !== undefined) expect(scanned).toStrictEqual(viaJson(text));
  });

  it('reads the compact bodies clients send', () => {
    const text = JSON.stringify({
      consistency: { atLeastAsFresh: { token: 'GgYKBENJRUQ=' } },
      resource: { objectType: 'document', objectId: 'readme' },
      permission: 'view',
      subject: { object: { objectType: 'group', objectId: 'eng' }, optionalRelation: 'member' },
    });
    expect(scanCheckRequest(text)).toStrictEqual(viaJson(text));
    const plain = JSON.stringify({
      resource: { objectType: 'document', objectId: 'readme' },
      permission: 'view',
      subject: { object: { objectType: 'user', objectId: 'ann' } },
    });
    expect(scanCheckRequest(plain)).toStrictEqual(viaJson(plain));
  });

  it.each([
    [
      'whitespace',
      '{ "resource":{"objectType":"d","objectId":"1"},"permission":"view","subject":{"object":{"objectType":"user","objectId":"a"}}}',
    ],
    [
      'escape',
      '{"resource":{"objectType":"doc","objectId":"a\\u0041"},"permission":"view","subject":{"object":{"objectType":"user","objectId":"a"}}}',
    ],
    [
      'trailing',
      '{"resource":{"objectType":"doc","objectId":"1"},"permission":"view","subject":{"object":{"objectType":"user","objectId":"a"}}}x',
    ],
    [
      'extra field',
      '{"resource":{"objectType":"doc","objectId":"1"},"permission":"view","subject":{"object":{"objectType":"user","objectId":"a"}},"explain":true}',
    ],
  ])('declines a body with %s', (_why, text) => {
    expect(scanCheckRequest(text)).toBeUndefined();
  });
});
