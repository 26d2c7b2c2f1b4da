/**
 * A compact seeded generator of schemas (as IR) and tuples for the cross-API law: users, nested
 * groups (`member: user | group#member`, sometimes `user:*`), folders with `parent: folder` and docs
 * with `parent: folder`, random relations (plain, wildcard, subject sets, caveated) and random
 * permissions over `+ & -`, refs, `->` / `.all`, nil and self-recursive arrows. Data may contain
 * cycles (group in group, folder in folder), caveated and expired tuples.
 */
import { ELLIPSIS, type SubjectRef, type Tuple } from '../../../src/model/index.ts';
import type {
  AllowedSubjectIR,
  DefinitionIR,
  ExprIR,
  PermissionIR,
  RelationIR,
  SchemaIR,
} from '../../../src/schema/ir.ts';

/** Small deterministic PRNG (mulberry32). */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    chance: (p: number) => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T,
  };
}
type Rng = ReturnType<typeof prng>;

/** A generated world: schema, tuples, the clock they were generated for, and the object ids per type. */
export interface World {
  readonly schema: SchemaIR;
  readonly tuples: Tuple[];
  readonly now: number;
  readonly ids: Readonly<Record<string, string[]>>;
}

const NOW = Date.UTC(2026, 0, 1);
const CAVEATS = { flag: 'on', gate: 'open' } as const;

function allowed(type: string, extra: Partial<AllowedSubjectIR> = {}): AllowedSubjectIR {
  return { type, relation: ELLIPSIS, wildcard: false, expiration: true, ...extra };
}

const SUBJECT_POOL: AllowedSubjectIR[] = [
  allowed('user'),
  allowed('user', { wildcard: true }),
  allowed('group', { relation: 'member' }),
  allowed('user', { caveat: 'flag' }),
  allowed('user', { wildcard: true, caveat: 'gate' }),
  allowed('group', { relation: 'member', caveat: 'gate' }),
];

function relation(name: string, allow: AllowedSubjectIR[]): RelationIR {
  return { name, allowed: allow };
}

function dedupe(xs: AllowedSubjectIR[]): AllowedSubjectIR[] {
  return [...new Map(xs.map((a) => [JSON.stringify(a), a])).values()];
}

function randomAllowed(rng: Rng): AllowedSubjectIR[] {
  const out = new Map<string, AllowedSubjectIR>();
  const n = 1 + rng.int(3);
  for (let i = 0; i < n; i++) {
    const a = rng.pick(SUBJECT_POOL);
    out.set(JSON.stringify(a), a);
  }
  return [...out.values()];
}

/** A random expression over `names` (refs), arrows into `arrowTargets`, depth-bounded. */
function randomExpr(rng: Rng, names: string[], arrowTargets: string[], depth: number): ExprIR {
  const r = rng.next();
  if (depth <= 0 || r < 0.35) {
    const leaf = rng.next();
    if (leaf < 0.05) return { kind: 'nil' };
    if (leaf < 0.35 && arrowTargets.length > 0) {
      return {
        kind: 'arrow',
        tupleset: 'parent',
        computed: rng.pick(arrowTargets),
        mode: rng.chance(0.25) ? 'all' : 'any',
      };
    }
    return { kind: 'ref', name: rng.pick(names) };
  }
  const a = randomExpr(rng, names, arrowTargets, depth - 1);
  const b = randomExpr(rng, names, arrowTargets, depth - 1);
  if (r < 0.6) return { kind: 'union', children: [a, b] };
  if (r < 0.8) return { kind: 'intersection', children: [a, b] };
  return { kind: 'exclusion', base: a, subtract: b };
}

function definition(
  name: string,
  relations: RelationIR[],
  permissions: PermissionIR[],
): DefinitionIR {
  return {
    name,
    relations: Object.fromEntries(relations.map((r) => [r.name, r])),
    permissions: Object.fromEntries(permissions.map((p) => [p.name, p])),
  };
}

/** The schema for `seed`. Folder permissions may recurse through `parent->` (allowed in SpiceDB). */
export function generateSchema(seed: number): SchemaIR {
  const rng = prng(seed);
  const group = definition(
    'group',
    [
      relation(
        'member',
        rng.chance(0.3)
          ? [
              allowed('user'),
              allowed('group', { relation: 'member' }),
              allowed('user', { wildcard: true }),
            ]
          : [allowed('user'), allowed('group', { relation: 'member' })],
      ),
    ],
    [],
  );
  const make = (name: string, folderNames: string[]): DefinitionIR => {
    // Viewers are often public and bans often plain or caveated users: the `* - {…}` answers.
    const viewer = randomAllowed(rng);
    if (rng.chance(0.5)) viewer.push(allowed('user', { wildcard: true }));
    const banned = rng.chance(0.5)
      ? [allowed('user'), allowed('user', { caveat: 'flag' })]
      : randomAllowed(rng);
    const rels = [
      relation('viewer', dedupe(viewer)),
      relation('editor', randomAllowed(rng)),
      relation('banned', banned),
    ];
    const relNames = rels.map((r) => r.name);
    const perms: PermissionIR[] = [];
    for (const p of ['view', 'edit', 'read']) {
      const names = [...relNames, ...perms.map((x) => x.name)];
      // Folders may arrow into their own earlier names and the current one (recursion up the tree).
      const targets = name === 'folder' ? [...names, p] : folderNames;
      const expr: ExprIR =
        p === 'read' && rng.chance(0.4)
          ? {
              kind: 'exclusion',
              base: { kind: 'ref', name: rng.pick(['viewer', 'view', 'edit']) },
              subtract: { kind: 'ref', name: 'banned' },
            }
          : randomExpr(rng, names, targets, 3);
      perms.push({ name: p, expr });
    }
    return definition(name, [relation('parent', [allowed('folder')]), ...rels], perms);
  };
  const folder = make('folder', []);
  const doc = make('doc', [
    ...Object.keys(folder.relations).filter((r) => r !== 'parent'),
    ...Object.keys(folder.permissions),
  ]);
  return {
    format: 1,
    hash: `lookup-gen-${seed}`,
    definitions: { user: definition('user', [], []), group, folder, doc },
    caveats: Object.fromEntries(
      Object.entries(CAVEATS).map(([name, param]) => [
        name,
        { name, params: { [param]: 'bool' }, expression: param },
      ]),
    ),
    uses: ['expiration'],
  };
}

/** Schema plus random tuples admitted by it (at most one tuple per key). */
export function generateWorld(seed: number): World {
  const schema = generateSchema(seed);
  const rng = prng(seed ^ 0x5bd1e995);
  const ids: Record<string, string[]> = {
    user: ['u0', 'u1', 'u2', 'u3', 'u4'],
    group: ['g0', 'g1', 'g2'],
    folder: ['f0', 'f1', 'f2'],
    doc: ['d0', 'd1', 'd2', 'd3'],
  };
  const tuples = new Map<string, Tuple>();
  const add = (t: Tuple): void => {
    const k = `${t.resource.type}:${t.resource.id}#${t.relation}@${t.subject.type}:${t.subject.id}#${t.subject.relation}`;
    if (!tuples.has(k)) tuples.set(k, t);
  };
  for (const def of Object.values(schema.definitions)) {
    for (const rel of Object.values(def.relations)) {
      for (const id of ids[def.name] ?? []) {
        const n =
          rel.name === 'parent' ? rng.int(2) : rel.name === 'editor' ? rng.int(3) : 1 + rng.int(2);
        for (let i = 0; i < n; i++) {
          const a = rng.pick(rel.allowed);
          const subject: SubjectRef = {
            type: a.type,
            id: a.wildcard ? '*' : rng.pick(ids[a.type] ?? ['x0']),
            relation: a.relation,
          };
          const t: { -readonly [K in keyof Tuple]: Tuple[K] } = {
            resource: { type: def.name, id },
            relation: rel.name,
            subject,
          };
          if (a.caveat) {
            const param = CAVEATS[a.caveat as keyof typeof CAVEATS];
            const c = rng.next();
            t.caveat =
              c < 0.4 ? { name: a.caveat } : { name: a.caveat, context: { [param]: c < 0.7 } };
          }
          if (rng.chance(0.1)) t.expiresAt = rng.chance(0.5) ? NOW - 1000 : NOW + 1000;
          add(t);
        }
      }
    }
  }
  return { schema, tuples: [...tuples.values()], now: NOW, ids };
}

/** Request contexts the law is tested under: none, and values for every toy caveat parameter. */
export const CONTEXTS: readonly Readonly<Record<string, unknown>>[] = [
  {},
  { on: true },
  { open: false, on: false },
];
