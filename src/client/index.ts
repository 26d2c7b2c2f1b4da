/**
 * @module client
 * A typed TypeScript client for Clove's HTTP API: fetch-based, no dependencies. The same shapes work
 * against SpiceDB's HTTP gateway for the `/v1` routes.
 *
 * ```ts
 * const clove = createClient({ endpoint: 'http://127.0.0.1:8080', key: process.env.CLOVE_KEY });
 * const { writtenAt } = await clove.writeRelationships({ updates: updates('OPERATION_TOUCH', 'document:readme#viewer@user:alice') });
 * const r = await clove.checkPermission({ consistency: atLeastAsFresh(writtenAt.token), resource: obj('document:readme'), permission: 'view', subject: subject('user:alice') });
 * ```
 */
export {
  createClient,
  CloveApiError,
  type ClientOptions,
  type CloveClient,
  type StreamOptions,
} from './client.ts';
export { atLeastAsFresh, obj, relationship, subject, updates } from './helpers.ts';
export type * from './types.ts';
