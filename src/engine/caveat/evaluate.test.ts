import { describe, expect, it } from 'vitest';
import { isAppError } from '../../errors.ts';
import type { SchemaIR } from '../../schema/ir.ts';
import { evaluateCaveat } from './evaluate.ts';
import { ipInCidr, parseIp } from './ip.ts';

const caveat = (name: string, params: Record<string, string>, expression: string) => ({
  name,
  params,
  expression,
});

const SCHEMA: SchemaIR = {
  format: 1,
  hash: 'caveat-test',
  definitions: {},
  uses: [],
  caveats: {
    eq: caveat('eq', { n: 'int' }, 'n == 42'),
    two: caveat('two', { a: 'int', b: 'int' }, 'a == 1 && b < 3'),
    either: caveat('either', { a: 'int', b: 'int' }, 'a == 1 || b == 2'),
    typed: caveat(
      'typed',
      { u: 'uint', d: 'double', s: 'string', f: 'bool', t: 'timestamp', dur: 'duration' },
      "u == 3u && d > 1.5 && s.startsWith('x') && f && t < timestamp('2030-01-01T00:00:00Z') && dur > duration('1m')",
    ),
    lists: caveat('lists', { xs: 'list<int>', m: 'map<string>' }, "xs.all(x, x > 0) && m.k == 'v'"),
    net: caveat('net', { ip: 'ipaddress' }, "ip.in_cidr('10.0.0.0/8')"),
    bad: caveat('bad', { n: 'int' }, 'n / 0 == 1'),
    mixed: caveat(
      'mixed',
      { label: 'string', flag: 'bool', level: 'int' },
      "label != 'z' && flag || level == 1",
    ),
    pick: caveat('pick', { c: 'bool', x: 'int', y: 'int' }, 'c ? x == 1 : !(y == 2)'),
  },
};

describe('evaluateCaveat', () => {
  it.each([
    ['eq', { n: 42 }, undefined, 'true', []],
    ['eq', { n: 41 }, { n: 42 }, 'false', []],
    ['eq', undefined, { n: 42 }, 'true', []],
    ['eq', undefined, undefined, 'conditional', ['n']],
    ['two', { a: 2 }, undefined, 'false', []],
    ['two', { a: 1 }, undefined, 'conditional', ['b']],
    ['two', undefined, undefined, 'conditional', ['a', 'b']],
    ['two', { a: 1 }, { b: 2 }, 'true', []],
    ['either', { a: 1 }, undefined, 'true', []],
    ['either', { a: 0 }, undefined, 'conditional', ['b']],
    ['lists', undefined, { xs: [1, 2], m: { k: 'v' } }, 'true', []],
    ['lists', undefined, { xs: [1, -2], m: { k: 'v' } }, 'false', []],
    ['net', undefined, { ip: '10.2.3.4' }, 'true', []],
    ['net', undefined, { ip: '11.2.3.4' }, 'false', []],
  ] as const)('%s stored %j request %j → %s %j', (name, stored, request, result, missing) => {
    expect(evaluateCaveat(SCHEMA, name, stored, request)).toEqual({
      result,
      missingParams: missing,
    });
  });

  it('converts every scalar parameter type from JSON', () => {
    const ctx = { u: 3, d: 2.5, s: 'xy', f: true, t: '2029-01-01T00:00:00Z', dur: '90s' };
    expect(evaluateCaveat(SCHEMA, 'typed', ctx, undefined).result).toBe('true');
  });

  it.each([
    ['a string for an int', 'eq', { n: 'forty' }, 'invalid_caveat_context'],
    ['a negative uint', 'typed', { u: -1 }, 'invalid_caveat_context'],
    ['a bad timestamp', 'typed', { t: 'yesterday' }, 'invalid_caveat_context'],
    ['a bad address', 'net', { ip: '999.1.1.1' }, 'invalid_caveat_context'],
    ['a runtime error', 'bad', { n: 1 }, 'caveat_evaluation_error'],
    ['an unknown caveat', 'nope', {}, 'unknown_caveat'],
  ])('rejects %s', (_what, name, ctx, code) => {
    let err: unknown;
    try {
      evaluateCaveat(SCHEMA, name, ctx, undefined);
    } catch (e) {
      err = e;
    }
    expect(isAppError(err, code as never)).toBe(true);
  });
});

describe('missing parameters of a conditional result (the residual, as SpiceDB reports it)', () => {
  it.each([
    // `label != 'z' && false` is false whatever label is: only level can still decide.
    ['mixed', { flag: false }, ['level']],
    ['mixed', { flag: true }, ['label', 'level']],
    ['mixed', {}, ['flag', 'label', 'level']],
    ['two', {}, ['a', 'b']],
    // A decided condition selects one branch; an unknown one keeps both.
    ['pick', { c: true }, ['x']],
    ['pick', { c: false }, ['y']],
    ['pick', { x: 1 }, ['c', 'y']],
  ] as const)('%s with %j needs %j', (name, stored, missing) => {
    const out = evaluateCaveat(SCHEMA, name, stored, undefined);
    expect(out).toEqual({ result: 'conditional', missingParams: missing });
  });
});

describe('ip addresses', () => {
  it.each([
    ['10.1.2.3', '10.0.0.0/8', true],
    ['10.1.2.3', '10.1.2.3/32', true],
    ['10.1.2.3', '10.1.2.4/32', false],
    ['192.168.1.7', '192.168.0.0/16', true],
    ['2001:db8::1', '2001:db8::/32', true],
    ['2001:db9::1', '2001:db8::/32', false],
    ['10.0.0.1', '2001:db8::/32', false],
    ['10.0.0.1', '10.0.0.0/40', false],
  ])('%s in %s is %s', (ip, cidr, want) => {
    expect(ipInCidr(ip, cidr)).toBe(want);
  });

  it('rejects malformed addresses', () => {
    expect(parseIp('1.2.3')).toBeUndefined();
    expect(parseIp('1::2::3')).toBeUndefined();
    expect(parseIp('256.0.0.1')).toBeUndefined();
  });
});
