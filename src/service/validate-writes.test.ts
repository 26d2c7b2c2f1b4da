import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import { parseTuple } from '../model/index.ts';
import { compileSchema } from '../schema/index.ts';
import type { WriteOp } from '../store/index.ts';
import { checkContextValue, validateWriteOps } from './validate-writes.ts';

const COMPILED = compileSchema(`
use expiration

caveat only_on_tuesday(day string) {
  day == 'tuesday'
}

caveat typed(n int) {
  n > 0
}

definition user {}

definition group {
  relation member: user | group#member
}

definition document {
  relation viewer: user | user:* | group#member | user with only_on_tuesday
  relation editor: user with expiration
  relation auditor: user with typed
  relation temp: user with only_on_tuesday and expiration
  permission view = viewer + editor
}
`);

// Every parameter type, patched into the IR: the checker rejects unused parameters, and these are
// about stored context values, not about the caveat's expression.
const IR = {
  ...COMPILED,
  caveats: {
    ...COMPILED.caveats,
    typed: {
      ...(COMPILED.caveats.typed as NonNullable<(typeof COMPILED.caveats)['typed']>),
      params: {
        n: 'int',
        u: 'uint',
        d: 'double',
        b: 'bool',
        ts: 'timestamp',
        dur: 'duration',
        ip: 'ipaddress',
        l: 'list<int>',
        m: 'map<string>',
        a: 'any',
      },
    },
  },
};

function codeOf(ops: WriteOp[]): { code?: string; message?: string; details?: unknown } {
  try {
    validateWriteOps(IR, ops);
    return {};
  } catch (e) {
    if (!isAppError(e)) throw e;
    return { code: e.code, message: e.message, details: e.details };
  }
}
const touch = (text: string): WriteOp => ({ op: 'touch', tuple: parseTuple(text) });

describe('validateWriteOps', () => {
  it.each([
    'document:d1#viewer@user:alice',
    'document:d1#viewer@user:*',
    'document:d1#viewer@group:eng#member',
    'document:d1#viewer@user:tom[only_on_tuesday]',
    'document:d1#viewer@user:tom[only_on_tuesday:{"day":"monday"}]',
    'document:d1#editor@user:ann[expiration:2030-01-01T00:00:00Z]',
    'document:d1#temp@user:ann[only_on_tuesday][expiration:2030-01-01T00:00:00Z]',
    'group:g#member@group:h#member',
    'document:d1#auditor@user:a[typed:{"n":1,"u":"2","d":1.5,"b":true,"ts":"2030-01-01T00:00:00Z","dur":"1h30m","ip":"10.0.0.1","l":[1,2],"m":{"k":"v"},"a":{"x":[1]}}]',
    'document:d1#auditor@user:a[typed:{"ip":"2001:db8::1"}]',
  ])('accepts %s', (text) => {
    expect(codeOf([touch(text)])).toEqual({});
  });

  it.each([
    ['folder:f#viewer@user:a', 'unknown_definition'],
    ['document:d#owner@user:a', 'unknown_relation'],
    ['document:d#view@user:a', 'write_to_permission'],
    ['document:d#viewer@robot:a', 'unknown_definition'],
    ['document:d#viewer@group:eng#admin', 'unknown_relation'],
    ['document:d#viewer@group:eng', 'subject_type_not_allowed'],
    ['document:d#editor@user:*[expiration:2030-01-01T00:00:00Z]', 'subject_type_not_allowed'],
    ['document:d#viewer@user:a[no_such_caveat]', 'unknown_caveat'],
    ['document:d#viewer@user:a[typed]', 'caveat_not_allowed'],
    ['document:d#viewer@user:*[only_on_tuesday]', 'caveat_not_allowed'],
    ['document:d#auditor@user:a', 'caveat_required'],
    ['document:d#viewer@user:a[expiration:2030-01-01T00:00:00Z]', 'expiration_not_allowed'],
    ['document:d#editor@user:a', 'subject_type_not_allowed'],
    ['document:d#temp@user:a[only_on_tuesday]', 'subject_type_not_allowed'],
    ['document:d#viewer@user:a[only_on_tuesday:{"day":3}]', 'invalid_caveat_context'],
    ['document:d#viewer@user:a[only_on_tuesday:{"dya":"x"}]', 'invalid_caveat_context'],
    ['document:d#auditor@user:a[typed:{"n":1.5}]', 'invalid_caveat_context'],
    ['document:d#auditor@user:a[typed:{"u":-1}]', 'invalid_caveat_context'],
    ['document:d#auditor@user:a[typed:{"ts":"yesterday"}]', 'invalid_caveat_context'],
    ['document:d#auditor@user:a[typed:{"dur":"forever"}]', 'invalid_caveat_context'],
    ['document:d#auditor@user:a[typed:{"ip":"999.1.1.1"}]', 'invalid_caveat_context'],
    ['document:d#auditor@user:a[typed:{"l":[1,"x"]}]', 'invalid_caveat_context'],
    ['document:d#auditor@user:a[typed:{"m":{"k":1}}]', 'invalid_caveat_context'],
  ])('rejects %s with %s, naming the tuple', (text, code) => {
    const got = codeOf([touch('document:ok#viewer@user:a'), touch(text)]);
    expect(got.code).toBe(code);
    expect(got.message).toContain(text.replace(/\[.*$/, ''));
    expect(got.details).toMatchObject({ index: 1 });
  });

  it('rejects malformed tuples built without the parser', () => {
    const bad = (tuple: WriteOp['tuple']) => codeOf([{ op: 'create', tuple }]).code;
    const subject = { type: 'user', id: 'a', relation: '...' };
    expect(bad({ resource: { type: 'document', id: 'a b' }, relation: 'viewer', subject })).toBe(
      'invalid_tuple',
    );
    expect(
      bad({
        resource: { type: 'document', id: 'd' },
        relation: 'viewer',
        subject: { type: 'user', id: '*', relation: 'member' },
      }),
    ).toBe('invalid_tuple');
    expect(bad({ resource: { type: 'document', id: '*' }, relation: 'viewer', subject })).toBe(
      'invalid_tuple',
    );
  });

  it('checks deletes only for definition and relation', () => {
    const del = (text: string): WriteOp => ({ op: 'delete', tuple: parseTuple(text) });
    expect(codeOf([del('document:d#viewer@group:eng')])).toEqual({});
    expect(codeOf([del('document:d#view@user:a')]).code).toBe('write_to_permission');
    expect(codeOf([del('nothing:d#viewer@user:a')]).code).toBe('unknown_definition');
    expect(codeOf([del('document:d#nope@user:a')]).code).toBe('unknown_relation');
  });

  it.each([
    ['int', '12', true],
    ['int', 1e3, true],
    ['uint', 0, true],
    ['double', 1, true],
    ['double', '1', false],
    ['bytes', 'aGk=', true],
    ['duration', '1.5s', true],
    ['duration', '300ms', true],
    ['duration', 5, false],
    ['timestamp', '2030-01-01T00:00:00.123+02:00', true],
    ['ipaddress', '::1', true],
    ['ipaddress', '1:2:3:4:5:6:7:8', true],
    ['ipaddress', '1:2:3', false],
    ['list<list<int>>', [[1], [2, 3]], true],
    ['map<list<string>>', { a: ['x'], b: [1] }, false],
    ['any', null, true],
  ])('checkContextValue(%s, %j) ok=%s', (type, value, ok) => {
    expect(checkContextValue(type, value) === undefined).toBe(ok);
  });
});
