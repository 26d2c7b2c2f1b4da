/**
 * Random VALID schemas for differential testing, as a small model (`GenSchema`) rendered to SpiceDB
 * schema text. Every decision comes from a `Choices` stream whose 0 is the simplest option, so a
 * shrunk stream gives a smaller schema. Covered: direct subjects, wildcards, subject sets (possibly
 * recursive: `team member: user | team#member`), caveated and expiring subject types, permissions
 * with `+ & -` (rendered with SpiceDB precedence, sometimes with extra parentheses), `nil`, `self`,
 * arrows `->`, `.any()`, `.all()`. Left out on purpose (SpiceDB rejects them or they only produce
 * errors): wildcards on an arrow's left relation, permission cycles inside one definition (each
 * permission references only relations and earlier permissions), arrows to names no subject type has.
 */
import { ELLIPSIS } from '../../../src/model/index.ts';
import { type GenCaveat, genCaveats } from './caveats.ts';
import type { Choices } from './choices.ts';
import { allowedKey } from './render.ts';

export { allowedKey, renderExpr, renderSchema } from './render.ts';

/** One admitted subject type of a relation (mirrors the IR's AllowedSubjectIR). */
export interface GenAllowed {
  readonly type: string;
  /** `...` or a relation/permission name of `type` (`team#member`). */
  readonly relation: string;
  readonly wildcard: boolean;
  readonly caveat?: string;
  readonly expiration: boolean;
}

export interface GenRelation {
  readonly name: string;
  readonly allowed: readonly GenAllowed[];
}

/** A permission expression; `paren` forces parentheses the precedence rules would not need. */
export type GenExpr =
  | { readonly kind: 'ref'; readonly name: string }
  | { readonly kind: 'nil' }
  | { readonly kind: 'self' }
  | {
      readonly kind: 'union' | 'intersection' | 'exclusion';
      readonly left: GenExpr;
      readonly right: GenExpr;
      readonly paren: boolean;
    }
  | {
      readonly kind: 'arrow';
      readonly tupleset: string;
      readonly computed: string;
      readonly mode: 'any' | 'all';
      /** `->` or `.any(...)` (same meaning); `.all(...)` is always the method form. */
      readonly spelling: 'arrow' | 'method';
    };

export interface GenPermission {
  readonly name: string;
  readonly expr: GenExpr;
}

export interface GenDefinition {
  readonly name: string;
  readonly relations: readonly GenRelation[];
  readonly permissions: readonly GenPermission[];
}

export interface GenSchema {
  readonly useExpiration: boolean;
  readonly useSelf: boolean;
  readonly caveats: readonly GenCaveat[];
  /** `user` first (no relations), then 1–3 others. */
  readonly definitions: readonly GenDefinition[];
}

/** The subject type every schema has, and the usual query subject. */
export const USER_TYPE = 'user';
const OTHER_TYPES = ['doc', 'folder', 'team'] as const;
const RELATION_NAMES = ['viewer', 'parent', 'member', 'editor', 'banned'] as const;
const PERMISSION_NAMES = ['view', 'edit', 'admin', 'manage'] as const;

/** Object ids per type: small pools so that tuples collide. */
export function idPool(type: string): readonly string[] {
  return type === USER_TYPE ? ['u1', 'u2', 'u3'] : ['a', 'b', 'c', 'd'];
}

/** Builds a schema model from a choice stream. */
export function genSchema(c: Choices): GenSchema {
  const caveats = genCaveats(c);
  const useSelf = c.chance(1, 8);
  const types = OTHER_TYPES.slice(0, 1 + c.int(3));
  // Phase 1: names, so that subject sets and arrows may refer to any definition (also later ones).
  const skeleton = types.map((name) => ({
    name,
    relations: pickDistinct(c, RELATION_NAMES, 1 + c.int(3)),
    permissions: PERMISSION_NAMES.slice(0, c.int(4)),
  }));
  const namesOf = (type: string): string[] => {
    const d = skeleton.find((s) => s.name === type);
    return d ? [...d.relations, ...d.permissions] : [];
  };
  // Phase 2: relation subject types, for every definition.
  const relationsOf = new Map<string, GenRelation[]>();
  for (const sk of skeleton)
    relationsOf.set(
      sk.name,
      sk.relations.map((name) => ({ name, allowed: genAllowedList(c, types, namesOf, caveats) })),
    );
  // Phase 3: permissions over relations and earlier permissions of the same definition.
  const definitions: GenDefinition[] = [{ name: USER_TYPE, relations: [], permissions: [] }];
  for (const sk of skeleton) {
    const relations = relationsOf.get(sk.name) ?? [];
    const permissions: GenPermission[] = [];
    for (const name of sk.permissions) {
      const refs = [...sk.relations, ...permissions.map((p) => p.name)];
      permissions.push({ name, expr: genExpr(c, 0, { refs, relations, namesOf, useSelf }) });
    }
    definitions.push({ name: sk.name, relations, permissions });
  }
  const repaired = repairWildcards(definitions);
  const useExpiration = repaired.some((d) =>
    d.relations.some((r) => r.allowed.some((a) => a.expiration)),
  );
  return { useExpiration, useSelf, caveats, definitions: repaired };
}

/**
 * SpiceDB rejects a subject set `T#x` whose `x` reaches a wildcard type ("wildcard relations cannot
 * be transitively included") and an arrow whose left relation reaches one. "Reaches" is computed
 * here conservatively (through subject sets, permission references and both sides of arrows);
 * offending subject sets are dropped (an emptied relation admits `user`) and offending arrows become
 * a plain reference to their left relation, which cannot create new violations.
 */
function repairWildcards(defs: readonly GenDefinition[]): GenDefinition[] {
  const w1 = wildcardReach(defs);
  const pruned = defs.map((d) => ({
    ...d,
    relations: d.relations.map((r) => {
      const allowed = r.allowed.filter(
        (a) => a.relation === ELLIPSIS || !w1.has(`${a.type}#${a.relation}`),
      );
      return {
        ...r,
        allowed:
          allowed.length > 0
            ? allowed
            : [{ type: USER_TYPE, relation: ELLIPSIS, wildcard: false, expiration: false }],
      };
    }),
  }));
  const w2 = wildcardReach(pruned);
  const fix = (d: GenDefinition, e: GenExpr): GenExpr => {
    if (e.kind === 'arrow' && w2.has(`${d.name}#${e.tupleset}`))
      return { kind: 'ref', name: e.tupleset };
    if (e.kind === 'union' || e.kind === 'intersection' || e.kind === 'exclusion')
      return { ...e, left: fix(d, e.left), right: fix(d, e.right) };
    return e;
  };
  return pruned.map((d) => ({
    ...d,
    permissions: d.permissions.map((p) => ({ ...p, expr: fix(d, p.expr) })),
  }));
}

/** `type#name` of every relation or permission that (conservatively) reaches a wildcard type. */
function wildcardReach(defs: readonly GenDefinition[]): Set<string> {
  const w = new Set<string>();
  const relationOf = (type: string, name: string) =>
    defs.find((d) => d.name === type)?.relations.find((r) => r.name === name);
  const reaches = (d: GenDefinition, e: GenExpr): boolean => {
    switch (e.kind) {
      case 'ref':
        return w.has(`${d.name}#${e.name}`);
      case 'arrow':
        return (
          w.has(`${d.name}#${e.tupleset}`) ||
          (relationOf(d.name, e.tupleset)?.allowed ?? []).some((a) =>
            w.has(`${a.type}#${e.computed}`),
          )
        );
      case 'union':
      case 'intersection':
      case 'exclusion':
        return reaches(d, e.left) || reaches(d, e.right);
      default:
        return false;
    }
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const d of defs) {
      const hits = [
        ...d.relations
          .filter((r) =>
            r.allowed.some(
              (a) => a.wildcard || (a.relation !== ELLIPSIS && w.has(`${a.type}#${a.relation}`)),
            ),
          )
          .map((r) => r.name),
        ...d.permissions.filter((p) => reaches(d, p.expr)).map((p) => p.name),
      ];
      for (const name of hits) {
        const key = `${d.name}#${name}`;
        if (!w.has(key)) {
          w.add(key);
          changed = true;
        }
      }
    }
  }
  return w;
}

function pickDistinct<T>(c: Choices, pool: readonly T[], n: number): T[] {
  const left = [...pool];
  const out: T[] = [];
  while (out.length < n && left.length > 0) out.push(left.splice(c.int(left.length), 1)[0] as T);
  return out;
}

function genAllowedList(
  c: Choices,
  types: readonly string[],
  namesOf: (type: string) => string[],
  caveats: readonly GenCaveat[],
): GenAllowed[] {
  const count = 1 + c.int(3);
  const out: GenAllowed[] = [];
  for (let i = 0; i < count; i++) {
    const base = genAllowedBase(c, types, namesOf);
    const caveat = caveats.length > 0 && c.chance(1, 3) ? c.pick(caveats).name : undefined;
    const a: GenAllowed = { ...base, ...(caveat ? { caveat } : {}), expiration: c.chance(1, 6) };
    if (!out.some((o) => allowedKey(o) === allowedKey(a))) out.push(a);
  }
  return avoidMixedTraitsBug(out);
}

/**
 * Works around a SpiceDB v1.54 bug (memdb) found by check.diff (seed 1, twice): when one relation
 * admits the same type both as objects `T` and as a subject set `T#r`, SpiceDB mixes up the
 * caveat/expiration traits of the two. Minimal cases (Clove answers per the semantics, SpiceDB not):
 * - `relation banned: doc#banned with expiration | doc`, tuple
 *   `doc:d#banned@doc:b#banned[expiration:2020-01-01T00:00:00Z]` (expired): check
 *   `doc:d#banned@doc:b#banned` → SpiceDB allowed (also ignoring a false caveat on that tuple),
 *   Clove denied.
 * - `relation viewer: doc#viewer | doc with cav_a` (`num > 0`), tuple `doc:c#viewer@doc:a[cav_a]`:
 *   check `doc:c#viewer@doc:a` → SpiceDB denied even with `{"num":5}` or a stored `{"num":1}`,
 *   Clove conditional / allowed.
 * Such relations keep both shapes but without traits on type T (documented in docs/testing.md).
 */
function avoidMixedTraitsBug(list: readonly GenAllowed[]): GenAllowed[] {
  const mixed = (type: string) =>
    list.some((a) => a.type === type && a.relation === ELLIPSIS && !a.wildcard) &&
    list.some((a) => a.type === type && a.relation !== ELLIPSIS);
  const out: GenAllowed[] = [];
  for (const a of list) {
    const fixed: GenAllowed = mixed(a.type)
      ? { type: a.type, relation: a.relation, wildcard: a.wildcard, expiration: false }
      : a;
    if (!out.some((o) => allowedKey(o) === allowedKey(fixed))) out.push(fixed);
  }
  return out;
}

function genAllowedBase(
  c: Choices,
  types: readonly string[],
  namesOf: (type: string) => string[],
): Omit<GenAllowed, 'caveat' | 'expiration'> {
  switch (c.int(7)) {
    case 1:
    case 2:
      return { type: c.pick(types), relation: ELLIPSIS, wildcard: false };
    case 3:
    case 4: {
      const type = c.pick(types);
      return { type, relation: c.pick(namesOf(type)), wildcard: false };
    }
    case 5:
    case 6:
      return { type: USER_TYPE, relation: ELLIPSIS, wildcard: true };
    default:
      return { type: USER_TYPE, relation: ELLIPSIS, wildcard: false };
  }
}

interface ExprScope {
  readonly refs: readonly string[];
  readonly relations: readonly GenRelation[];
  readonly namesOf: (type: string) => string[];
  readonly useSelf: boolean;
}

function genExpr(c: Choices, depth: number, scope: ExprScope): GenExpr {
  const k = c.int(10);
  if (depth >= 2 || k < 4) return genLeaf(c, scope);
  // Exclusions get the largest share: with wildcards they produce `* - {…}` lookup results.
  const kind = k < 6 ? 'union' : k < 7 ? 'intersection' : 'exclusion';
  const left = genExpr(c, depth + 1, scope);
  const right = genExpr(c, depth + 1, scope);
  return { kind, left, right, paren: c.chance(1, 5) };
}

function genLeaf(c: Choices, scope: ExprScope): GenExpr {
  const k = c.int(12);
  if (k >= 7 && k <= 9) {
    // Arrow: the left relation must not admit wildcards; the right name must exist on some
    // subject type of it.
    const candidates = scope.relations
      .filter((r) => r.allowed.every((a) => !a.wildcard))
      .map((r) => ({
        tupleset: r.name,
        targets: [...new Set(r.allowed.flatMap((a) => scope.namesOf(a.type)))],
      }))
      .filter((x) => x.targets.length > 0);
    if (candidates.length > 0) {
      const cand = c.pick(candidates);
      const all = c.chance(1, 4);
      return {
        kind: 'arrow',
        tupleset: cand.tupleset,
        computed: c.pick(cand.targets),
        mode: all ? 'all' : 'any',
        spelling: all || c.chance(1, 4) ? 'method' : 'arrow',
      };
    }
  }
  if (k === 10) return { kind: 'nil' };
  if (k === 11 && scope.useSelf) return { kind: 'self' };
  return { kind: 'ref', name: c.pick(scope.refs) };
}

// ---- rendering ----
/** Relation and permission names of a definition (relations first). */
export function namesOfDefinition(s: GenSchema, type: string): string[] {
  const d = s.definitions.find((x) => x.name === type);
  return d ? [...d.relations.map((r) => r.name), ...d.permissions.map((p) => p.name)] : [];
}
