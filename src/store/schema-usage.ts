/**
 * Which tuple shapes a schema change stops admitting. The store counts live tuples per shape before
 * committing a schema, and refuses (`schema_in_use`) while any remain, so a schema never orphans data.
 *
 * A tuple's shape is (resource type, relation, subject type, subject relation or wildcard, caveat name,
 * has expiration). As in SpiceDB, an allowed subject admits exactly its own traits: `T with c and
 * expiration` admits caveated, expiring tuples only; a relation that should also take plain tuples
 * lists `T` as well (`user | user with expiration`).
 */
import type { AllowedSubjectIR, RelationIR, SchemaIR } from '../schema/ir.ts';
import type { SchemaUsage } from './types.ts';

type SubjectShape = NonNullable<SchemaUsage['subject']>;

/** True when `rel` admits tuples of the given subject shape. */
export function relationAdmits(rel: RelationIR, s: SubjectShape): boolean {
  return rel.allowed.some(
    (b) =>
      b.type === s.type &&
      b.wildcard === s.wildcard &&
      (s.wildcard || b.relation === s.relation) &&
      (b.caveat ?? null) === s.caveat &&
      b.expiration === s.expiration,
  );
}

/** The tuple shape an allowed subject admits. */
export function shapeOf(a: AllowedSubjectIR): SubjectShape {
  return {
    type: a.type,
    relation: a.wildcard ? '...' : a.relation,
    wildcard: a.wildcard,
    caveat: a.caveat ?? null,
    expiration: a.expiration,
  };
}

/**
 * Every usage admitted by `before` but not by `after`: whole relations that disappear (including all
 * relations of a removed definition, or a relation turned into a permission), and subject shapes a kept
 * relation no longer allows. With no previous schema nothing can be orphaned by the diff.
 */
export function findRemovedUsages(before: SchemaIR | undefined, after: SchemaIR): SchemaUsage[] {
  if (!before) return [];
  const out: SchemaUsage[] = [];
  for (const [defName, def] of Object.entries(before.definitions)) {
    for (const [relName, rel] of Object.entries(def.relations)) {
      const kept = after.definitions[defName]?.relations[relName];
      if (!kept) {
        out.push({ resourceType: defName, relation: relName });
        continue;
      }
      const seen = new Set<string>();
      for (const a of rel.allowed) {
        const shape = shapeOf(a);
        const key = JSON.stringify(shape);
        if (seen.has(key) || relationAdmits(kept, shape)) continue;
        seen.add(key);
        out.push({ resourceType: defName, relation: relName, subject: shape });
      }
    }
  }
  return out;
}
