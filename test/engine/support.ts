/**
 * Test helpers for engine suites: a tiny array-backed SnapshotReader (so unit tests do not depend on
 * a store backend) and hand-written IR builders.
 */
import { parseTuple, type Tuple } from '../../src/model/index.ts';
import type { AllowedSubjectIR, DefinitionIR, ExprIR, SchemaIR } from '../../src/schema/ir.ts';
import type { SnapshotReader, TupleQuery } from '../../src/store/types.ts';

/**
 * A reader over fixed tuples; honours every TupleQuery field and hides expired tuples. With
 * `sync: true` it also offers `querySync`, so the engine takes its synchronous path.
 */
export function arrayReader(
  tuples: readonly (Tuple | string)[],
  opts: { revision?: number; now?: number; sync?: boolean } = {},
): SnapshotReader & { queries: number } {
  const all = tuples.map((t) => (typeof t === 'string' ? parseTuple(t) : t));
  const now = opts.now ?? Date.now();
  const select = (q: TupleQuery): Tuple[] => {
    reader.queries++;
    return all.filter(
      (t) =>
        t.resource.type === q.resourceType &&
        (!q.resourceIds || q.resourceIds.includes(t.resource.id)) &&
        (q.relation === undefined || t.relation === q.relation) &&
        (q.subjectType === undefined || t.subject.type === q.subjectType) &&
        (!q.subjectIds || q.subjectIds.includes(t.subject.id)) &&
        (q.subjectRelation === undefined || t.subject.relation === q.subjectRelation) &&
        (t.expiresAt === undefined || t.expiresAt > now),
    );
  };
  const reader: SnapshotReader & { queries: number } = {
    revision: opts.revision ?? 1,
    now,
    queries: 0,
    async query(q: TupleQuery): Promise<Tuple[]> {
      return select(q);
    },
    ...(opts.sync ? { querySync: select } : {}),
  };
  return reader;
}

/** `user`, `group#member`, `user:*`, `user with cav` → AllowedSubjectIR. */
export function allowed(text: string): AllowedSubjectIR {
  const [head, caveat] = text.split(' with ');
  const wildcard = head!.endsWith(':*');
  const [type, relation] = wildcard ? [head!.slice(0, -2), '...'] : head!.split('#');
  const a: { -readonly [K in keyof AllowedSubjectIR]: AllowedSubjectIR[K] } = {
    type: type!,
    relation: relation ?? '...',
    wildcard,
    expiration: caveat === 'expiration',
  };
  if (caveat && caveat !== 'expiration') a.caveat = caveat;
  return a;
}

/** A definition from `{ relations: { viewer: ['user'] }, permissions: { view: expr } }`. */
export function def(
  name: string,
  relations: Record<string, string[]> = {},
  permissions: Record<string, ExprIR> = {},
): DefinitionIR {
  return {
    name,
    relations: Object.fromEntries(
      Object.entries(relations).map(([r, a]) => [r, { name: r, allowed: a.map(allowed) }]),
    ),
    permissions: Object.fromEntries(
      Object.entries(permissions).map(([p, expr]) => [p, { name: p, expr }]),
    ),
  };
}

export function schemaOf(
  defs: DefinitionIR[],
  caveats: SchemaIR['caveats'] = {},
  hash = 'test',
): SchemaIR {
  return {
    format: 1,
    hash,
    definitions: Object.fromEntries(defs.map((d) => [d.name, d])),
    caveats,
    uses: [],
  };
}

export const ref = (name: string): ExprIR => ({ kind: 'ref', name });
export const union = (...children: ExprIR[]): ExprIR => ({ kind: 'union', children });
export const inter = (...children: ExprIR[]): ExprIR => ({ kind: 'intersection', children });
export const excl = (base: ExprIR, subtract: ExprIR): ExprIR => ({
  kind: 'exclusion',
  base,
  subtract,
});
export const arrow = (tupleset: string, computed: string, mode: 'any' | 'all' = 'any'): ExprIR => ({
  kind: 'arrow',
  tupleset,
  computed,
  mode,
});
