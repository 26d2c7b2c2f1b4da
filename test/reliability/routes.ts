/**
 * Every POST route of the API with the least role it needs (as docs/api.md lists them) and one valid
 * body for it, shared by the fuzz and security suites.
 */
import type { Role } from '../../src/config.ts';
import { rel, SCHEMA, touch } from '../api/harness.ts';

/** One valid body per route: the starting point of type-confusing mutations. */
export const VALID: Record<string, unknown> = {
  '/v1/schema/write': { schema: SCHEMA, dryRun: true },
  '/v1/schema/read': {},
  '/v1/relationships/write': touch('document:d1#viewer@user:ann'),
  '/v1/relationships/delete': {
    relationshipFilter: { resourceType: 'document', optionalResourceId: 'nope' },
  },
  '/v1/relationships/read': { relationshipFilter: { resourceType: 'document' } },
  '/v1/relationships/importbulk': { relationships: [rel('document:imp#viewer@user:ann')] },
  '/v1/relationships/exportbulk': { optionalLimit: 10 },
  '/v1/permissions/check': {
    resource: { objectType: 'document', objectId: 'd1' },
    permission: 'view',
    subject: { object: { objectType: 'user', objectId: 'ann' } },
    context: { a: 1 },
  },
  '/v1/permissions/checkbulk': {
    items: [
      {
        resource: { objectType: 'document', objectId: 'd1' },
        permission: 'view',
        subject: { object: { objectType: 'user', objectId: 'ann' } },
      },
    ],
  },
  '/v1/permissions/expand': {
    resource: { objectType: 'document', objectId: 'd1' },
    permission: 'view',
  },
  '/v1/permissions/resources': {
    resourceObjectType: 'document',
    permission: 'view',
    subject: { object: { objectType: 'user', objectId: 'ann' } },
  },
  '/v1/permissions/subjects': {
    resource: { objectType: 'document', objectId: 'd1' },
    permission: 'view',
    subjectObjectType: 'user',
  },
  '/clove/v1/permissions/of': {
    resource: { objectType: 'document', objectId: 'd1' },
    subject: { object: { objectType: 'user', objectId: 'ann' } },
  },
  '/clove/v1/relationships/export': { format: 'text' },
  '/clove/v1/relationships/import': 'document:imp2#viewer@user:ann',
  '/v1/watch': {},
};

/** The least role of each route. */
export const ROUTE_ROLES: Record<string, Role> = {
  '/v1/schema/write': 'admin',
  '/v1/schema/read': 'reader',
  '/v1/relationships/write': 'writer',
  '/v1/relationships/delete': 'writer',
  '/v1/relationships/read': 'reader',
  '/v1/relationships/importbulk': 'writer',
  '/v1/relationships/exportbulk': 'reader',
  '/v1/permissions/check': 'reader',
  '/v1/permissions/checkbulk': 'reader',
  '/v1/permissions/expand': 'reader',
  '/v1/permissions/resources': 'reader',
  '/v1/permissions/subjects': 'reader',
  '/clove/v1/permissions/of': 'reader',
  '/clove/v1/relationships/export': 'reader',
  '/clove/v1/relationships/import': 'writer',
  '/v1/watch': 'reader',
};

export const ROUTES = Object.keys(VALID);
