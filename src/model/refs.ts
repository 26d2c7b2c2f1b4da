/**
 * The nouns every layer shares: object and subject references, tuples, revisions.
 * A subject relation is always present; `ELLIPSIS` ("...") means "the object itself".
 */

/** The subject relation meaning "the object itself" (`user:ann` is `user:ann#...`). */
export const ELLIPSIS = '...';

/** The subject id meaning "every object of the type" (`user:*`). */
export const WILDCARD = '*';

/** A resource or subject object: `document:d1`. */
export interface ObjectRef {
  readonly type: string;
  readonly id: string;
}

/** A subject: an object (`relation === ELLIPSIS`) or a subject set such as `group:eng#member`. */
export interface SubjectRef extends ObjectRef {
  readonly relation: string;
}

/** A caveat attached to a tuple: its name and the context stored with the tuple. */
export interface CaveatRef {
  readonly name: string;
  readonly context?: Readonly<Record<string, unknown>>;
}

/**
 * One relationship: `resource#relation@subject`, optionally caveated and expiring.
 * `expiresAt` is epoch milliseconds; a tuple whose `expiresAt <= now` does not exist for any read.
 */
export interface Tuple {
  readonly resource: ObjectRef;
  readonly relation: string;
  readonly subject: SubjectRef;
  readonly caveat?: CaveatRef;
  readonly expiresAt?: number;
}

/**
 * A store revision. Totally ordered in commit order; a snapshot at revision R sees exactly the writes
 * committed at revisions <= R. Layers above the store treat it as an opaque, comparable number.
 */
export type Revision = number;

/** The identity of a tuple (resource, relation, subject), ignoring caveat and expiration. */
export function tupleKey(t: Pick<Tuple, 'resource' | 'relation' | 'subject'>): string {
  const s = t.subject;
  return `${t.resource.type}:${t.resource.id}#${t.relation}@${s.type}:${s.id}#${s.relation}`;
}
