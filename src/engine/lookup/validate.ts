/**
 * Request checks shared by the lookups: names must exist in the schema (so a typo is an error, not an
 * empty answer), wildcard subjects are refused as check refuses them, limits must be sane.
 */
import { AppError, EngineError } from '../../errors.ts';
import { ELLIPSIS, type SubjectRef, WILDCARD } from '../../model/index.ts';
import type { DefinitionIR, SchemaIR } from '../../schema/ir.ts';

/** The definition named `type`, or throws `unknown_definition`. */
export function mustDefinition(schema: SchemaIR, type: string): DefinitionIR {
  const def = schema.definitions[type];
  if (!def)
    throw new AppError('unknown_definition', `definition "${type}" not found`, {
      details: { type },
    });
  return def;
}

/** Throws `unknown_relation` unless `def` defines a relation or permission `name`. */
export function assertNode(def: DefinitionIR, name: string): void {
  if (!(name in def.relations) && !(name in def.permissions)) {
    throw new AppError(
      'unknown_relation',
      `"${def.name}" has no relation or permission "${name}"`,
      {
        details: { type: def.name, relation: name },
      },
    );
  }
}

/** Validates a subject: known type, known relation (or "..."), not a wildcard. */
export function assertSubject(schema: SchemaIR, subject: SubjectRef): void {
  const def = mustDefinition(schema, subject.type);
  if (subject.relation !== ELLIPSIS) assertNode(def, subject.relation);
  if (subject.id === WILDCARD) {
    throw new EngineError(
      'wildcard_subject_not_allowed',
      'a wildcard cannot be the subject of a lookup',
      {
        details: { subject: `${subject.type}:${subject.id}` },
      },
    );
  }
}

/** Normalises a limit: absent or 0 means unlimited; negative or fractional is `invalid_request`. */
export function normaliseLimit(limit: number | undefined): number {
  if (limit === undefined || limit === 0) return Number.POSITIVE_INFINITY;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new AppError('invalid_request', `limit must be a non-negative integer, got ${limit}`);
  }
  return limit;
}
