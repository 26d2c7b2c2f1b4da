import { describe, expect, it } from 'vitest';
import { UsageError } from './args.ts';
import { progressLine } from './commands/tuples.ts';
import { parseFilter, parseSubjectArg, relationshipText } from './filter-text.ts';

describe('CLI text forms', () => {
  it.each([
    ['document', { resourceType: 'document' }],
    [
      'document:readme#viewer',
      { resourceType: 'document', optionalResourceId: 'readme', optionalRelation: 'viewer' },
    ],
    ['document@user', { resourceType: 'document', optionalSubjectFilter: { subjectType: 'user' } }],
    [
      'document#viewer@group:eng#member',
      {
        resourceType: 'document',
        optionalRelation: 'viewer',
        optionalSubjectFilter: {
          subjectType: 'group',
          optionalSubjectId: 'eng',
          optionalRelation: { relation: 'member' },
        },
      },
    ],
    [
      'document@user#...',
      {
        resourceType: 'document',
        optionalSubjectFilter: { subjectType: 'user', optionalRelation: { relation: '' } },
      },
    ],
  ])('parseFilter(%s)', (text, expected) => {
    expect(parseFilter(text)).toEqual(expected);
  });

  it.each(['', 'Document', 'doc@user@x', ':id'])('parseFilter(%j) is a usage error', (text) => {
    expect(() => parseFilter(text)).toThrow(UsageError);
  });

  it('subjects and the text form', () => {
    const s = parseSubjectArg('group:eng#member');
    expect(s).toEqual({
      object: { objectType: 'group', objectId: 'eng' },
      optionalRelation: 'member',
    });
    expect(
      relationshipText({
        resource: { objectType: 'doc', objectId: 'd' },
        relation: 'viewer',
        subject: s,
      }),
    ).toBe('doc:d#viewer@group:eng#member');
  });

  it('renders the import progress bar', () => {
    expect(progressLine(50, 100, 1234)).toBe(
      `[${'#'.repeat(15)}${'.'.repeat(15)}]  50%  1,234 lines`,
    );
    expect(progressLine(10, undefined, 7)).toBe('importing… 7 lines');
  });
});
