/**
 * The service's view of zookies: encode a revision for this store, decode one (checking it belongs
 * to this store and is still servable), and resolve a consistency requirement to a revision. Thin
 * adapter over the consistency module, so the service speaks one `ConsistencyRequest` type.
 */
import { createRevisionResolver, decodeZookie, encodeZookie } from '../consistency/index.ts';
import type { Revision } from '../model/index.ts';
import type { TupleStore } from '../store/index.ts';
import type { ConsistencyRequest } from './types.ts';

export interface Zookies {
  encode(revision: Revision): string;
  /** The revision of a zookie of this store; `invalid_zookie` / `revision_expired` otherwise. */
  decodeChecked(token: string): Promise<Revision>;
  resolve(c: ConsistencyRequest): Promise<Revision>;
}

export function createZookies(store: TupleStore, quantumMs: number): Zookies {
  const resolver = createRevisionResolver(store, { quantumMs });
  // Encoding signs the token (an HMAC per call); most requests share a handful of recent
  // revisions, so remember the last few tokens.
  const recent = new Map<Revision, string>();
  const encode = (revision: Revision): string => {
    let token = recent.get(revision);
    if (token === undefined) {
      token = encodeZookie({ revision, storeId: store.storeId });
      if (recent.size >= 64) recent.delete(recent.keys().next().value as Revision);
      recent.set(revision, token);
    }
    return token;
  };
  return {
    encode,
    async decodeChecked(token) {
      const revision = decodeZookie(token, store.storeId);
      await store.checkRevision(revision);
      return revision;
    },
    resolve: (c) => resolver.resolve(c),
  };
}
