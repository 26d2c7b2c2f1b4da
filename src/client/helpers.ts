/**
 * Conveniences for writing requests: the SpiceDB text forms (`document:readme#viewer@user:alice`,
 * `user:alice`, `group:eng#member`) turned into wire objects. Pure functions, no I/O.
 */
import type * as T from './types.ts';

const TUPLE = /^([^:#@\s]+):([^#@\s]+)#([^@\s]+)@([^:#@\s]+):([^#@\s[]+)(?:#([^[\s]+))?$/;

/** `type:id` → ObjectReference. */
export function obj(text: string): T.ObjectReference {
  const i = text.indexOf(':');
  if (i <= 0) throw new Error(`expected type:id, got "${text}"`);
  return { objectType: text.slice(0, i), objectId: text.slice(i + 1) };
}

/** `type:id` or `type:id#relation` → SubjectReference. */
export function subject(text: string): T.SubjectReference {
  const [o, rel] = text.split('#');
  const ref: T.SubjectReference = { object: obj(o as string) };
  if (rel && rel !== '...') ref.optionalRelation = rel;
  return ref;
}

/** `resource#relation@subject` (no caveat or expiration) → Relationship. */
export function relationship(text: string): T.Relationship {
  const m = TUPLE.exec(text.trim());
  if (!m) throw new Error(`expected type:id#relation@type:id[#relation], got "${text}"`);
  const [, rt, ri, rel, st, si, sr] = m as unknown as string[];
  return {
    resource: { objectType: rt as string, objectId: ri as string },
    relation: rel as string,
    subject: subject(sr ? `${st}:${si}#${sr}` : `${st}:${si}`),
  };
}

/** A TOUCH (or other operation) update for each text-form relationship. */
export function updates(
  operation: T.RelationshipUpdate['operation'],
  ...texts: string[]
): T.RelationshipUpdate[] {
  return texts.map((t) => ({ operation, relationship: relationship(t) }));
}

/** `{atLeastAsFresh: {token}}` for a zookie. */
export function atLeastAsFresh(token: string): T.Consistency {
  return { atLeastAsFresh: { token } };
}
