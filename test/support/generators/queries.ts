/**
 * Random queries over a generated schema: checks, lookupResources and lookupSubjects. Names always
 * exist on the queried type; subjects are mostly users (some unknown to every tuple), sometimes
 * objects or subject sets of other definitions, never wildcards (SpiceDB rejects a wildcard subject
 * in check). Request contexts carry a random subset of caveat parameters, so some answers are
 * conditional.
 */
import { ELLIPSIS, type ObjectRef, type SubjectRef } from '../../../src/model/index.ts';
import { genContext, PARAMS } from './caveats.ts';
import type { Choices } from './choices.ts';
import { type GenSchema, idPool, namesOfDefinition, USER_TYPE } from './schema.ts';

/** A check of `resource#permission@subject`; `context` absent means none was sent. */
export interface CheckQuery {
  readonly resource: ObjectRef;
  readonly permission: string;
  readonly subject: SubjectRef;
  readonly context?: Readonly<Record<string, unknown>>;
}

export interface LookupResourcesQuery {
  readonly resourceType: string;
  readonly permission: string;
  readonly subject: SubjectRef;
  readonly context?: Readonly<Record<string, unknown>>;
}

export interface LookupSubjectsQuery {
  readonly resource: ObjectRef;
  readonly permission: string;
  readonly subjectType: string;
  /** Absent or `...` for objects; else subject sets `subjectType#subjectRelation`. */
  readonly subjectRelation?: string;
  readonly context?: Readonly<Record<string, unknown>>;
}

/** Types with something to query (all but `user`). */
function queryableTypes(s: GenSchema): string[] {
  return s.definitions.filter((d) => namesOfDefinition(s, d.name).length > 0).map((d) => d.name);
}

function genResourceId(c: Choices, type: string): string {
  // `zz` is in no tuple: the answer must be denied / empty.
  return c.chance(1, 8) ? 'zz' : c.pick(idPool(type));
}

function genSubject(c: Choices, s: GenSchema): SubjectRef {
  const k = c.int(8);
  const others = queryableTypes(s);
  if (k === 6 && others.length > 0) {
    const type = c.pick(others);
    return { type, id: c.pick(idPool(type)), relation: ELLIPSIS };
  }
  if (k === 7 && others.length > 0) {
    const type = c.pick(others);
    return { type, id: c.pick(idPool(type)), relation: c.pick(namesOfDefinition(s, type)) };
  }
  // `u9` is in no tuple: only wildcards can grant it anything.
  const id = c.chance(1, 6) ? 'u9' : c.pick(idPool(USER_TYPE));
  return { type: USER_TYPE, id, relation: ELLIPSIS };
}

function genRequestContext(c: Choices, s: GenSchema): Record<string, unknown> | undefined {
  if (s.caveats.length === 0 || !c.chance(2, 3)) return undefined;
  return genContext(c, PARAMS, 1, 2);
}

export function genCheckQuery(s: GenSchema, c: Choices): CheckQuery {
  const type = c.pick(queryableTypes(s));
  const permission = c.pick(namesOfDefinition(s, type));
  const resource = { type, id: genResourceId(c, type) };
  const subject = genSubject(c, s);
  const context = genRequestContext(c, s);
  return { resource, permission, subject, ...(context ? { context } : {}) };
}

export function genLookupResourcesQuery(s: GenSchema, c: Choices): LookupResourcesQuery {
  const resourceType = c.pick(queryableTypes(s));
  const permission = c.pick(namesOfDefinition(s, resourceType));
  const subject = genSubject(c, s);
  const context = genRequestContext(c, s);
  return { resourceType, permission, subject, ...(context ? { context } : {}) };
}

export function genLookupSubjectsQuery(s: GenSchema, c: Choices): LookupSubjectsQuery {
  const type = c.pick(queryableTypes(s));
  const permission = c.pick(namesOfDefinition(s, type));
  const resource = { type, id: genResourceId(c, type) };
  const k = c.int(6);
  const others = queryableTypes(s);
  let subjectType = USER_TYPE;
  let subjectRelation: string | undefined;
  if (k >= 4 && others.length > 0) {
    subjectType = c.pick(others);
    if (k === 5) subjectRelation = c.pick(namesOfDefinition(s, subjectType));
  }
  const context = genRequestContext(c, s);
  return {
    resource,
    permission,
    subjectType,
    ...(subjectRelation ? { subjectRelation } : {}),
    ...(context ? { context } : {}),
  };
}
