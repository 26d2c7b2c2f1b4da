import { describe, expect, it } from 'vitest';
import { checkCelExpression } from './cel.ts';
import { type CelT, paramType } from './cel-types.ts';

const P = (spec: Record<string, CelT>) => new Map(Object.entries(spec));
const t = (name: string, ...args: string[]): CelT => {
  const r = paramType({
    name,
    args: args.map((a) => ({ name: a, args: [], span: undefined as never })),
    span: undefined as never,
  });
  if ('error' in r) throw new Error(r.error);
  return r;
};

const params = P({
  num: t('int'),
  cnt: t('uint'),
  ratio: t('double'),
  name: t('string'),
  flag: t('bool'),
  raw: t('bytes'),
  ttl: t('duration'),
  at: t('timestamp'),
  ip: t('ipaddress'),
  tags: t('list', 'string'),
  limits: t('map', 'int'),
  blob: t('any'),
  anymap: t('map', 'any'),
});

describe('caveat CEL type checking', () => {
  it.each([
    'num == 42',
    'num > 1 && name == "x" || !flag',
    "name in tags && tags.all(x, x.startsWith('a'))",
    'tags.exists(x, x == name) && size(tags) > 0 && tags.size() < 10',
    'limits.foo < 3 && limits["bar"] == 1 && "foo" in limits && has(limits.foo)',
    'anymap.foo == 42 && anymap.bar < 56',
    'blob == 1 || blob.x.y == "z"',
    'ip.in_cidr("10.0.0.0/8") && !ipaddress("1.2.3.4").in_cidr("10.0.0.0/8")',
    'at < timestamp("2024-01-01T00:00:00Z") && at + ttl > at && at - at > duration("1s")',
    'ratio * 2.0 > 1.5 && cnt > 1 && int(ratio) == num',
    'size(raw) > 0 && raw == b"x"',
    'tags.map(x, x + "!").filter(x, x.contains("a")).size() == 1',
    'flag ? num > 1 : num < 1',
    '[1, 2, 3][0] == num && {"a": 1}["a"] == num',
    'at.getFullYear() == 2024',
  ])('accepts %s', (expr) => {
    expect(checkCelExpression(expr, params)).toEqual([]);
  });

  it.each([
    ['num == "x"', 'no matching overload for `==` applied to (int, string)'],
    ['num + ratio > 1.0', 'no matching overload for `+` applied to (int, double)'],
    ['missing == 1', 'undeclared reference to `missing`'],
    ['name.foo == 1', 'type string has no field `foo`'],
    ['num + 1', 'caveat expression must be bool, found int'],
    ['flag && num', 'no matching overload for `&&` applied to (bool, int)'],
    ['num in tags', 'no matching overload for `in` applied to (int, list(string))'],
    ['name.in_cidr("x")', 'no matching overload for `in_cidr` applied to (string, string)'],
    ['frobnicate(num)', 'unknown function `frobnicate`'],
    ['tags.all(x, x > 1)', 'no matching overload for `>` applied to (string, int)'],
  ])('rejects %s', (expr, message) => {
    const issues = checkCelExpression(expr, params);
    expect(issues.map((i) => [i.code, i.message])).toEqual([['cel_type_error', message]]);
  });

  it('reports syntax errors with an offset inside the expression', () => {
    const [issue] = checkCelExpression('num == == 1', params);
    expect(issue?.code).toBe('cel_syntax_error');
    expect(issue?.offset).toBeGreaterThanOrEqual(0);
    expect(issue?.offset).toBeLessThan(11);
  });

  it('points operator errors at the operator itself', () => {
    const [issue] = checkCelExpression('name   +   1 == "x"', params);
    expect(issue && 'name   +   1 == "x"'.slice(issue.offset, issue.offset + issue.length)).toBe(
      '+',
    );
  });
});
