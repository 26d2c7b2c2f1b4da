import { describe, expect, it } from 'vitest';
import {
  intersectMembers,
  isPureUnion,
  subtractMembers,
  unionMembers,
  type Members,
} from './members.ts';

const m = (entries: Record<string, boolean>): Members => new Map(Object.entries(entries));
const obj = (x: Members) => Object.fromEntries(x);

describe('Members algebra', () => {
  it.each([
    [
      'union upgrades to exact',
      unionMembers([m({ a: false, b: true }), m({ a: true, c: false })]),
      { a: true, b: true, c: false },
    ],
    [
      'intersection keeps common ids, exact only when exact everywhere',
      intersectMembers([m({ a: true, b: true, c: false }), m({ a: true, b: false })]),
      { a: true, b: false },
    ],
    ['intersection with an empty part is empty', intersectMembers([m({ a: true }), m({})]), {}],
    [
      'exclusion drops exact, weakens candidate, keeps absent',
      subtractMembers(m({ a: true, b: true, c: false }), m({ a: true, b: false })),
      { b: false, c: false },
    ],
  ])('%s', (_name, got, want) => {
    expect(obj(got)).toEqual(want);
  });

  it.each([
    [
      {
        kind: 'union',
        children: [
          { kind: 'ref', name: 'a' },
          { kind: 'arrow', tupleset: 'p', computed: 'v', mode: 'any' },
        ],
      },
      true,
    ],
    [{ kind: 'arrow', tupleset: 'p', computed: 'v', mode: 'all' }, false],
    [{ kind: 'exclusion', base: { kind: 'ref', name: 'a' }, subtract: { kind: 'nil' } }, false],
    [
      { kind: 'union', children: [{ kind: 'self' }, { kind: 'intersection', children: [] }] },
      false,
    ],
  ] as const)('isPureUnion(%j) is %s', (expr, want) => {
    expect(isPureUnion(expr)).toBe(want);
  });
});
