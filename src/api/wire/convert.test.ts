import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { isAppError } from '../../errors.ts';
import { formatTuple, parseTuple } from '../../model/index.ts';
import { fromTuple, toConsistency, toTuple, toTupleFilter } from './convert.ts';

const name = fc.stringMatching(/^[a-z][a-z0-9_]{1,10}[a-z0-9]$/);
const id = fc.stringMatching(/^[a-zA-Z0-9_|=+-]{1,12}$/);

describe('wire conversion', () => {
  test.prop([
    name,
    id,
    name,
    name,
    fc.oneof(id, fc.constant('*')),
    fc.option(name, { nil: undefined }),
  ])('toTuple ∘ fromTuple is the identity', (rt, ri, rel, st, si, sr) => {
    const text = `${rt}:${ri}#${rel}@${st}:${si}${sr && si !== '*' ? `#${sr}` : ''}`;
    const t = parseTuple(text);
    expect(formatTuple(toTuple(fromTuple(t)))).toBe(formatTuple(t));
  });

  it('keeps caveats and expirations', () => {
    const t = parseTuple(
      'doc:d1#viewer@user:tom[only_weekdays:{"tz":"UTC"}][expiration:2030-01-01T00:00:00Z]',
    );
    const wire = fromTuple(t);
    expect(wire.optionalCaveat).toEqual({ caveatName: 'only_weekdays', context: { tz: 'UTC' } });
    expect(wire.optionalExpiresAt).toBe('2030-01-01T00:00:00Z');
    expect(toTuple(wire)).toEqual(t);
  });

  it('refuses a wildcard resource id', () => {
    const w = fromTuple(parseTuple('doc:d1#viewer@user:tom'));
    try {
      toTuple({ ...w, resource: { objectType: 'doc', objectId: '*' } });
      expect.unreachable();
    } catch (err) {
      expect(isAppError(err, 'invalid_tuple')).toBe(true);
    }
  });

  it('an empty subject relation filter means plain objects', () => {
    expect(
      toTupleFilter({
        resourceType: 'doc',
        optionalSubjectFilter: { subjectType: 'user', optionalRelation: { relation: '' } },
      }),
    ).toEqual({ resourceType: 'doc', subjectType: 'user', subjectRelation: '...' });
  });

  it.each([
    [undefined, { mode: 'minimize_latency' }],
    [{ fullyConsistent: true as const }, { mode: 'fully_consistent' }],
    [{ atLeastAsFresh: { token: 'z' } }, { mode: 'at_least_as_fresh', zookie: 'z' }],
    [{ atExactSnapshot: { token: 'z' } }, { mode: 'at_exact_snapshot', zookie: 'z' }],
  ])('consistency %j → %j', (wire, expected) => {
    expect(toConsistency(wire)).toEqual(expected);
  });
});
