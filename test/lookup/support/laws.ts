/**
 * The cross-API laws as reusable assertions over one world and one engine:
 * - r ∈ lookupResources(T, p, s) with permissionship X ⇔ check(r, p, s) = X (missing params too),
 *   and paging with any limit concatenates to the unpaged answer;
 * - lookupSubjects(r, p, T[#rel]) decides s (by its own entry, else by `*` minus exclusions) exactly
 *   as check(r, p, s) does, for every known subject and one never mentioned;
 * - permissionsOf(r, s)[name] = check(r, name, s) for every relation and permission name.
 */
import { expect } from 'vitest';
import { ELLIPSIS, type SubjectRef } from '../../../src/model/index.ts';
import {
  type LookupContext,
  type LookupEngine,
  type LookupResult,
  lookupResources,
  lookupSubjects,
  permissionsOf,
  type SubjectResult,
} from '../../../src/engine/lookup/index.ts';
import type { World } from './generate.ts';

function norm(
  r: { permissionship: string; missingParams?: readonly string[] } | undefined,
): string {
  if (!r || r.permissionship === 'denied') return 'denied';
  if (r.permissionship === 'allowed') return 'allowed';
  return `conditional[${[...(r.missingParams ?? [])].sort().join(',')}]`;
}

/** The subjects the laws quantify over: every user, every group as `group#member`. */
export function lawSubjects(world: World): SubjectRef[] {
  return [
    ...(world.ids.user ?? []).map((id) => ({ type: 'user', id, relation: ELLIPSIS })),
    ...(world.ids.group ?? []).map((id) => ({ type: 'group', id, relation: 'member' })),
  ];
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

/** Asserts all three laws for every type, name, subject and resource of `world` under `context`. */
export async function assertLaws(
  engine: LookupEngine,
  ctx: LookupContext,
  world: World,
  context: Readonly<Record<string, unknown>>,
): Promise<void> {
  const check = (type: string, id: string, name: string, subject: SubjectRef) =>
    engine.check(ctx, { resource: { type, id }, permission: name, subject, context });
  const subjects = lawSubjects(world);
  for (const type of ['doc', 'folder', 'group']) {
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
        // Paging with limit 1 yields the same sequence, one result per page.
        const paged: LookupResult[] = [];
        let cursor: string | undefined;
        for (let guard = 0; guard < 100; guard++) {
          const page = await lookupResources(engine, ctx, {
            resourceType: type,
            permission: name,
            subject,
            context,
            limit: 1,
            ...(cursor ? { cursor } : {}),
          });
          paged.push(...page.results);
          cursor = page.cursor;
          if (!page.truncated) break;
          expect(page.truncated.reason).toBe('limit');
        }
        expect(paged, where).toEqual(full.results);
      }
      for (const id of ids) {
        for (const [subjectType, subjectRelation] of [
          ['user', ELLIPSIS],
          ['group', 'member'],
        ] as const) {
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
