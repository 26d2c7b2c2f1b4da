import { describe, expect, it } from 'vitest';
import { camelizeKeys } from './route.ts';

describe('camelizeKeys', () => {
  it('renames proto field names but leaves Struct contents alone', () => {
    expect(
      camelizeKeys({
        relationship_filter: {
          resource_type: 'doc',
          optional_subject_filter: { subject_type: 'user' },
        },
        updates: [
          { relationship: { optional_caveat: { caveat_name: 'c', context: { max_ip: 1 } } } },
        ],
        context: { user_ip: '10.0.0.1' },
        optional_transaction_metadata: { actor_id: 'x' },
      }),
    ).toEqual({
      relationshipFilter: { resourceType: 'doc', optionalSubjectFilter: { subjectType: 'user' } },
      updates: [{ relationship: { optionalCaveat: { caveatName: 'c', context: { max_ip: 1 } } } }],
      context: { user_ip: '10.0.0.1' },
      optionalTransactionMetadata: { actor_id: 'x' },
    });
  });
});
