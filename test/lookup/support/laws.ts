/**
 * The cross-API laws as reusable assertions over one world and one engine:
 * - r ∈ lookupResources(T, p, s) with permissionship X ⇔ check(r, p, s) = X (missing params too),
 *   and paging with any limit concatenates to the unpaged answer;
 * - lookupSubjects(r, p, T[#rel]) decides s (by its own entry, else by `*` minus exclusions) exactly
 *   as check(r, p, s) does, for every known subject and one never mentioned;
 * - permissionsOf(r, s)[name] = check(r, name, s) for every relation and permission name.
 */
import { fc } from '@fast-check/vitest';
import { expect } from 'vitest';
import { ELLIPSIS, type SubjectRef, type Tuple } from '../../../src/model/index.ts';
import {
  type LookupContext,
  type LookupEngine,
  type LookupResult,
  lookupResources,
  lookupSubjects,
  permissionsOf,
  type SubjectResult,
} from '../../../src/engine/lookup/index.ts';
import type { SchemaIR } from '../../../src/schema/ir.ts';
import type { World } from './generate.ts';

/** Random page sizes for the paging law: small ones cross many page boundaries. */
export const PAGE_SIZE = fc.integer({ min: 2, max: 7 });

function norm(
  r: { permissionship: string; missingParams?: readonly string[] } | undefined,
): string {
  if (!r || r.permissionship === 'denied') return 'denied';
  if (r.permissionship === 'allowed') return 'allowed';
  return `conditional[${[...(r.missingParams ?? [])].sort().join(',')}]`;
}

/** What the laws quantify over: resource types and ids, subjects, and lookupSubjects kinds. */
export interface LawDomain {
  readonly types: readonly string[];
  readonly ids: Readonly<Record<string, readonly string[]>>;
  readonly subjects: readonly SubjectRef[];
  /** `[subjectType, subjectRelation]` pairs for lookupSubjects; each also tried with an unseen id. */
  readonly subjectKinds: readonly (readonly [string, string])[];
}

/** The domain of a generated world: docs, folders, groups; users and `group#member`. */
export function worldDomain(world: World): LawDomain {
  return {
    types: ['doc', 'folder', 'group'],
    ids: world.ids,
    subjects: [
      ...(world.ids.user ?? []).map((id) => ({ type: 'user', id, relation: ELLIPSIS })),
      ...(world.ids.group ?? []).map((id) => ({ type: 'group', id, relation: 'member' })),
    ],
    subjectKinds: [
      ['user', ELLIPSIS],
      ['group', 'member'],
    ],
  };
}

/**
 * The domain of a tuple set: every resource type and id in the tuples, every non-wildcard subject
 * (objects and subject sets), and lookupSubjects for every subject type and relation seen.
 */
export function tupleDomain(schema: SchemaIR, tuples: readonly Tuple[]): LawDomain {
  const ids = new Map<string, Set<string>>();
  const subjects = new Map<string, SubjectRef>();
  const kinds = new Map<string, readonly [string, string]>();
  const addId = (type: string, id: string) => {
    if (!schema.definitions[type] || id === '*') return;
    let set = ids.get(type);
    if (!set) {
      set = new Set();
      ids.set(type, set);
    }
    set.add(id);
  };
  for (const t of tuples) {
    addId(t.resource.type, t.resource.id);
    addId(t.subject.type, t.subject.id);
    const s = t.subject;
    if (s.id !== '*') subjects.set(`${s.type}:${s.id}#${s.relation}`, s);
    kinds.set(`${s.type}#${s.relation}`, [s.type, s.relation]);
  }
  return {
    types: [...ids.keys()].sort(),
    ids: Object.fromEntries([...ids].map(([k, v]) => [k, [...v].sort()])),
    subjects: [...subjects.values()],
    subjectKinds: [...kinds.values()],
  };
}

/** How a lookupSubjects answer decides one subject id. */
export function subjectVerdict(subjects: readonly SubjectResult[], id: string): string {
  const own = subjects.find((s) => s.subjectId === id);
  if (own) return norm(own);
  const star = subjects.find((s) => s.subjectId === '*');
  if (!star) return 'denied';
  const ex = star.excludedSubjects?.find((e) => e.subjectId === id);
  if (ex?.permissionship === 'allowed') return 'denied';
  // A conditionally excluded subject is listed by id with its own parameters; never decided here.
  if (ex) return 'conditional[?]';
  return norm(star);
}

/**
 * Asserts all three laws for every type, name, subject and resource of `world` under `context`;
 * lookupResources is also paged with each of `pageSizes` and must concatenate to the full answer.
 */
export async function assertLaws(
  engine: LookupEngine,
  ctx: LookupContext,
  domain: LawDomain,
  context: Readonly<Record<string, unknown>>,
  pageSizes: readonly number[] = [1],
): Promise<void> {
  const world = { schema: ctx.schema, ids: domain.ids };
  const check = (type: string, id: string, name: string, subject: SubjectRef) =>
    engine.check(ctx, { resource: { type, id }, permission: name, subject, context });
  const subjects = domain.subjects;
  for (const type of domain.types) {
    const def = world.schema.definitions[type];
    if (!def) continue;
    const names = [...Object.keys(def.relations), ...Object.keys(def.permissions)];
    const ids = world.ids[type] ?? [];
    for (const name of names) {
      for (const subject of subjects) {
        const where = `${type}#${name} for ${subject.type}:${subject.id}#${subject.relation}`;
        const full = await lookupResources(engine, ctx, {
          resourceType: type,
          permission: name,
          subject,
          context,
        });
        expect(full.truncated, where).toBeUndefined();
        const got = new Map(full.results.map((r: LookupResult) => [r.resourceId, norm(r)]));
        for (const id of ids) {
          expect(`${id}: ${got.get(id) ?? 'denied'}`, where).toBe(
            `${id}: ${norm(await check(type, id, name, subject))}`,
          );
        }
        // Paging with any page size yields the same sequence: each page is the next slice.
        for (const size of pageSizes) {
          const paged: LookupResult[] = [];
          let cursor: string | undefined;
          for (let guard = 0; guard <= ids.length + 1; guard++) {
            const page = await lookupResources(engine, ctx, {
              resourceType: type,
              permission: name,
              subject,
              context,
              limit: size,
              ...(cursor ? { cursor } : {}),
            });
            expect(page.results.length, `${where} page size ${size}`).toBeLessThanOrEqual(size);
            paged.push(...page.results);
            cursor = page.cursor;
            if (!page.truncated) break;
            expect(page.truncated.reason).toBe('limit');
            expect(page.results.length, `${where} page size ${size}`).toBe(size);
          }
          expect(paged, `${where} page size ${size}`).toEqual(full.results);
        }
      }
      for (const id of ids) {
        for (const [subjectType, subjectRelation] of domain.subjectKinds) {
          const where = `${type}:${id}#${name} subjects ${subjectType}#${subjectRelation}`;
          const ls = await lookupSubjects(engine, ctx, {
            resource: { type, id },
            permission: name,
            subjectType,
            subjectRelation,
            context,
          });
          expect(ls.truncated, where).toBeUndefined();
          const known = world.ids[subjectType] ?? [];
          for (const sid of [...known, 'never-seen']) {
            const want = norm(
              await check(type, id, name, {
                type: subjectType,
                id: sid,
                relation: subjectRelation,
              }),
            );
            const got = subjectVerdict(ls.subjects, sid);
            if (got === 'conditional[?]')
              expect(want.startsWith('conditional'), `${where} ${sid}`).toBe(true);
            else expect(`${sid}: ${got}`, where).toBe(`${sid}: ${want}`);
          }
        }
      }
    }
    for (const id of ids) {
      for (const subject of subjects) {
        const all = await permissionsOf(engine, ctx, { resource: { type, id }, subject, context });
        expect(Object.keys(all).sort()).toEqual([...names].sort());
        for (const name of names) {
          expect(`${name}: ${norm(all[name])}`, `${type}:${id} permissionsOf`).toBe(
            `${name}: ${norm(await check(type, id, name, subject))}`,
          );
        }
      }
    }
  }
}
