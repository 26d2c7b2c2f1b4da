/**
 * Random tuples that respect a generated schema: the relation exists, the subject matches one of its
 * admitted subject types, a caveat is attached exactly when that type says `with cav` (with a random
 * part of its parameters stored as context), an expiration exactly when it says `with expiration`
 * (sometimes already in the past, so the tuple must be invisible).
 */
import { tupleKey, type Tuple, WILDCARD } from '../../../src/model/index.ts';
import { genContext } from './caveats.ts';
import type { Choices } from './choices.ts';
import type { GenSchema } from './schema.ts';
import { idPool, USER_TYPE } from './schema.ts';

/** An expiration long past: the tuple is written but must never be visible. */
export const PAST_EXPIRY = Date.parse('2020-01-01T00:00:00Z');
/** An expiration far in the future: the tuple is visible for the whole test. */
export const FUTURE_EXPIRY = Date.parse('2300-01-01T00:00:00Z');

/**
 * One tuple from a choice stream. Data is kept ACYCLIC: a tuple whose subject is a non-user object
 * points to an object with a smaller id index (`doc:c#parent@folder:a`, never `…@folder:c`), so
 * every path through subject sets and arrows is at most 3 edges long. Why: SpiceDB answers a data
 * cycle with "max depth exceeded" and, with its dispatch cache off, explores dense cyclic data
 * exponentially until its 30 s deadline (each FFI call blocks the event loop meanwhile). Clove
 * answers cycles instead, a documented deliberate difference tested outside the differential suites.
 * Resources with id `a` therefore only ever have user subjects.
 */
export function genTuple(s: GenSchema, c: Choices): Tuple {
  const slots = s.definitions.flatMap((d) => d.relations.map((r) => ({ d, r })));
  const { d, r } = c.pick(slots);
  const a = c.pick(r.allowed);
  const objectSubject = a.type !== USER_TYPE;
  const pool = idPool(d.name);
  // Resources that may point to objects need id index >= 1.
  const resourceIndex = objectSubject ? 1 + c.int(pool.length - 1) : c.int(pool.length);
  const resourceId = pool[resourceIndex] as string;
  const subjectId = a.wildcard
    ? WILDCARD
    : objectSubject
      ? (idPool(a.type)[c.int(resourceIndex)] as string)
      : c.pick(idPool(a.type));
  let caveat: Tuple['caveat'];
  if (a.caveat) {
    const cav = s.caveats.find((x) => x.name === a.caveat);
    const context = cav ? genContext(c, cav.params, 1, 3) : {};
    caveat = Object.keys(context).length > 0 ? { name: a.caveat, context } : { name: a.caveat };
  }
  let expiresAt: number | undefined;
  // SpiceDB requires an expiration on a `with expiration` subject type (and refuses one elsewhere).
  if (a.expiration) expiresAt = c.chance(1, 3) ? PAST_EXPIRY : FUTURE_EXPIRY;
  return {
    resource: { type: d.name, id: resourceId },
    relation: r.name,
    subject: { type: a.type, id: subjectId, relation: a.relation },
    ...(caveat ? { caveat } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  };
}

/** Tuples from several streams, keeping the first of any two with the same key (SpiceDB rejects
 * a write naming one relationship twice). */
export function genTuples(s: GenSchema, streams: readonly Choices[]): Tuple[] {
  const seen = new Set<string>();
  const out: Tuple[] = [];
  for (const c of streams) {
    const t = genTuple(s, c);
    const key = tupleKey(t);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(t);
  }
  return out;
}

/** True when a tuple keeps the generated data acyclic (object subjects have a smaller id index). */
export function tupleIsDescending(t: Tuple): boolean {
  if (t.subject.type === USER_TYPE) return true;
  const pool = idPool(t.resource.type);
  return idPool(t.subject.type).indexOf(t.subject.id) < pool.indexOf(t.resource.id);
}

/** True when the tuple is admitted by the schema model (the generator's own invariant). */
export function tupleMatchesSchema(s: GenSchema, t: Tuple): boolean {
  const d = s.definitions.find((x) => x.name === t.resource.type);
  const r = d?.relations.find((x) => x.name === t.relation);
  if (!r) return false;
  return r.allowed.some(
    (a) =>
      a.type === t.subject.type &&
      a.relation === t.subject.relation &&
      a.wildcard === (t.subject.id === WILDCARD) &&
      a.caveat === t.caveat?.name &&
      a.expiration === (t.expiresAt !== undefined),
  );
}
