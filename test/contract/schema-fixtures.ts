/**
 * Hand-built SchemaIRs for the store suites (the store must not depend on the schema compiler):
 * `document` with `viewer: user | user:* | group#member | user with only_on_tuesday | user with expiration`.
 */
import type { AllowedSubjectIR, SchemaIR } from '../../src/schema/ir.ts';

const allowed = (a: Partial<AllowedSubjectIR> & { type: string }): AllowedSubjectIR => ({
  relation: '...',
  wildcard: false,
  expiration: false,
  ...a,
});

/** Builds a schema whose `document#viewer` admits exactly `viewer`. */
export function docSchema(viewer: AllowedSubjectIR[], hash: string): SchemaIR {
  return {
    format: 1,
    hash,
    uses: ['expiration'],
    caveats: {
      only_on_tuesday: {
        name: 'only_on_tuesday',
        params: { day: 'string' },
        expression: "day == 'tuesday'",
      },
    },
    definitions: {
      user: { name: 'user', relations: {}, permissions: {} },
      group: {
        name: 'group',
        relations: { member: { name: 'member', allowed: [allowed({ type: 'user' })] } },
        permissions: {},
      },
      document: {
        name: 'document',
        relations: { viewer: { name: 'viewer', allowed: viewer } },
        permissions: { view: { name: 'view', expr: { kind: 'ref', name: 'viewer' } } },
      },
    },
  };
}

export const FULL_VIEWER = [
  allowed({ type: 'user' }),
  allowed({ type: 'user', wildcard: true }),
  allowed({ type: 'group', relation: 'member' }),
  allowed({ type: 'user', caveat: 'only_on_tuesday' }),
  allowed({ type: 'user', expiration: true }),
];

export const SCHEMA_FULL = docSchema(FULL_VIEWER, 'full');
/** Drops `user:*` from document#viewer. */
export const SCHEMA_NO_WILDCARD = docSchema(
  FULL_VIEWER.filter((a) => !a.wildcard),
  'no-wildcard',
);
/** Drops the `group` definition and the `group#member` subject type. */
export const SCHEMA_NO_GROUP: SchemaIR = (() => {
  const s = docSchema(
    FULL_VIEWER.filter((a) => a.type !== 'group'),
    'no-group',
  );
  const { group: _dropped, ...definitions } = s.definitions;
  return { ...s, definitions };
})();

export { allowed };
