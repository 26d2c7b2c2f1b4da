/**
 * Reads a node will need, issued together. A relation needs one read for subjects matching the
 * checked subject (exactly or by wildcard) and one per admitted subject-set type; a permission needs
 * the reads of every relation and arrow tupleset it reaches on the same resource (through references
 * to other permissions). Operands already start together, so the prefetch (engine option, off by
 * default) only adds reads that nested permissions would issue a level later; the per-run read
 * cache makes the later evaluation free. `relationReads` is the one place relation reads are built.
 */
import { ELLIPSIS, type ObjectRef, type Tuple, WILDCARD } from '../../model/index.ts';
import type { DefinitionIR, ExprIR, RelationIR, SchemaIR } from '../../schema/ir.ts';
import type { TupleQuery } from '../../store/types.ts';
import type { Run } from './run.ts';

/** The reads of one relation for the run's subject (absent parts need no read). */
export interface RelationReads {
  readonly direct?: Promise<Tuple[]>;
  readonly sets?: Promise<Tuple[][]>;
}

/**
 * The reads (without resource ids) relation `name` of `type` needs for the run's subject: the
 * direct read (the subject itself or the wildcard), absent when the relation admits neither, and
 * one read per admitted subject-set type. `relationReads` issues them; closures prefetch them.
 */
export function relationQueries(
  run: Run,
  type: string,
  name: string,
  rel: RelationIR,
): { direct: TupleQuery | undefined; sets: TupleQuery[] } {
  const s = run.subject;
  const exact = rel.allowed.some(
    (a) => !a.wildcard && a.type === s.type && a.relation === s.relation,
  );
  const wild = s.relation === ELLIPSIS && rel.allowed.some((a) => a.wildcard && a.type === s.type);
  const direct =
    exact || wild
      ? {
          resourceType: type,
          relation: name,
          subjectType: s.type,
          subjectIds: exact && wild ? [s.id, WILDCARD] : exact ? [s.id] : [WILDCARD],
          subjectRelation: s.relation,
        }
      : undefined;
  const seen = new Set<string>();
  const sets: TupleQuery[] = [];
  for (const a of rel.allowed) {
    if (a.wildcard || a.relation === ELLIPSIS) continue;
    const k = `${a.type}#${a.relation}`;
    if (seen.has(k)) continue;
    seen.add(k);
    sets.push({
      resourceType: type,
      relation: name,
      subjectType: a.type,
      subjectRelation: a.relation,
    });
  }
  return { direct, sets };
}

/** Issues (or joins) the reads of relation `name` on `resource`. */
export function relationReads(
  run: Run,
  resource: ObjectRef,
  name: string,
  rel: RelationIR,
): RelationReads {
  const out: { direct?: Promise<Tuple[]>; sets?: Promise<Tuple[][]> } = {};
  const { direct: directQuery, sets } = relationQueries(run, resource.type, name, rel);
  const reads: Promise<Tuple[]>[] = [];
  let closure: Promise<Tuple[]> | undefined;
  for (const q of sets) {
    const a = { type: q.subjectType as string, relation: q.subjectRelation as string };
    // A self-nesting subject set (`member: ... | group#member` on group): read the nesting below
    // in one store call when reads are round trips.
    const nests = a.type === resource.type && a.relation === name && closuresFit(run);
    // The closure also reads the subject's direct tuples on every nested id (the next level's
    // direct reads), so a nesting costs one store call, not two.
    const read = nests
      ? run.loader.loadClosure(q, resource.id, directQuery)
      : run.loader.load(q, resource.id);
    if (nests) closure = read;
    reads.push(read);
  }
  if (directQuery) {
    // The closure answers the direct read on every id it expands, `resource` included: take it
    // from there rather than send the same read as a statement of its own.
    out.direct =
      closure && directQuery.subjectIds
        ? closure.then(() => run.loader.load(directQuery, resource.id))
        : run.loader.load(directQuery, resource.id);
  }
  if (reads.length > 0) out.sets = Promise.all(reads);
  return out;
}

/**
 * True when nested reads should go through `loadClosure`: the reader serves closures and the run
 * evaluates concurrently (reads are round trips). In sequential mode reads are in-process and
 * cheap, and reading a whole nesting would only add work that short-circuiting skips.
 */
export function closuresFit(run: Run): boolean {
  return !run.sequential && typeof run.reader.queryClosure === 'function';
}

/**
 * The read of arrow tupleset `tupleset` on `resource`: through `loadClosure` when the tupleset
 * admits the resource's own type (a folder's `parent`), so a chain of parents is one store call.
 */
export function tuplesetRead(run: Run, resource: ObjectRef, tupleset: string): Promise<Tuple[]> {
  const q = { resourceType: resource.type, relation: tupleset };
  if (!closuresFit(run)) return run.loader.load(q, resource.id);
  const follow = nestingTypeOf(run.schema, resource.type, tupleset);
  if (follow === undefined) return run.loader.load(q, resource.id);
  // The arrows over this tupleset check their permissions on every object the closure reaches:
  // those permissions' relation reads come along in the same store call (a folder's viewer, editor,
  // owner), one wave earlier. Why every arrow of the type, not only `computed`: the first arrow to
  // fire makes the closure read and the others join it (a document's `view` reaches
  // `parent->edit` through `edit` and `parent->view` itself), so its extra reads must serve them all.
  const targets = arrowTargetsOf(run.schema, resource.type, tupleset);
  const also = targets.length > 0 ? alsoReads(run, follow, targets) : [];
  return run.loader.loadClosure(
    q,
    resource.id,
    undefined,
    follow === resource.type ? undefined : follow,
    also.length > 0 ? { key: targets.join(','), reads: also } : undefined,
  );
}

/** The union, without repeats, of the reads `type#target` makes for each of `targets`. */
function alsoReads(run: Run, type: string, targets: readonly string[]): TupleQuery[] {
  const out = new Map<string, TupleQuery>();
  for (const target of targets)
    for (const q of computedReads(run, type, target))
      out.set(
        `${q.relation}|${q.subjectType}|${q.subjectRelation}|${q.subjectIds?.join(',') ?? ''}`,
        q,
      );
  return [...out.values()];
}

// Per schema object: `type#tupleset` → the permissions or relations its arrows check, sorted.
const ARROW_TARGETS = new WeakMap<SchemaIR, Map<string, readonly string[]>>();

/** Every `computed` of an arrow `tupleset->computed` (any form) in `type`'s permissions. */
function arrowTargetsOf(schema: SchemaIR, type: string, tupleset: string): readonly string[] {
  let byKey = ARROW_TARGETS.get(schema);
  if (!byKey) {
    byKey = new Map();
    ARROW_TARGETS.set(schema, byKey);
  }
  const key = `${type}#${tupleset}`;
  const hit = byKey.get(key);
  if (hit) return hit;
  const found = new Set<string>();
  const walk = (e: ExprIR): void => {
    if (e.kind === 'arrow') {
      if (e.tupleset === tupleset) found.add(e.computed);
    } else if (e.kind === 'union' || e.kind === 'intersection') for (const c of e.children) walk(c);
    else if (e.kind === 'exclusion') {
      walk(e.base);
      walk(e.subtract);
    }
  };
  for (const p of Object.values(schema.definitions[type]?.permissions ?? {})) walk(p.expr);
  const targets = [...found].sort();
  byKey.set(key, targets);
  return targets;
}

/** The reads `type#computed` makes on its own object for the run's subject (see `planOf`). */
function computedReads(run: Run, type: string, computed: string): TupleQuery[] {
  const def = run.schema.definitions[type];
  if (!def) return [];
  const names = def.relations[computed] ? [computed] : planOf(run.schema, def, computed).relations;
  const out: TupleQuery[] = [];
  for (const name of names) {
    const rel = def.relations[name];
    if (!rel) continue;
    const { direct, sets } = relationQueries(run, type, name, rel);
    if (direct) out.push(direct);
    for (const set of sets)
      if (!(set.subjectType === type && set.relation === set.subjectRelation)) out.push(set);
  }
  return out;
}

// Per schema object: `type#tupleset` → the type whose own tupleset nests (or null for none).
const NESTING = new WeakMap<SchemaIR, Map<string, string | null>>();

/**
 * The type a closure over tupleset `tupleset` of `type` follows: `type` itself when the tupleset
 * admits it (a folder's `parent`), else the one admitted type whose same-named relation admits
 * itself (a document's `parent` → folder), else none.
 */
function nestingTypeOf(schema: SchemaIR, type: string, tupleset: string): string | undefined {
  let byKey = NESTING.get(schema);
  if (!byKey) {
    byKey = new Map();
    NESTING.set(schema, byKey);
  }
  const key = `${type}#${tupleset}`;
  const hit = byKey.get(key);
  if (hit !== undefined) return hit ?? undefined;
  const admitted = new Set(
    schema.definitions[type]?.relations[tupleset]?.allowed.map((a) => a.type),
  );
  let found: string | null = null;
  if (admitted.has(type)) found = type;
  else {
    const nesting = [...admitted].filter((x) =>
      schema.definitions[x]?.relations[tupleset]?.allowed.some((a) => a.type === x),
    );
    if (nesting.length === 1) found = nesting[0] as string;
  }
  byKey.set(key, found);
  return found ?? undefined;
}

/** What a permission reads on its own resource: relations (full reads) and arrow tuplesets. */
interface ReadPlan {
  readonly relations: readonly string[];
  readonly tuplesets: readonly string[];
}

// Plans depend only on the schema: computed once per schema object and permission.
const PLANS = new WeakMap<SchemaIR, Map<string, ReadPlan>>();

function planOf(schema: SchemaIR, def: DefinitionIR, permission: string): ReadPlan {
  let byPerm = PLANS.get(schema);
  if (!byPerm) {
    byPerm = new Map();
    PLANS.set(schema, byPerm);
  }
  const key = `${def.name}#${permission}`;
  const hit = byPerm.get(key);
  if (hit) return hit;
  const relations = new Set<string>();
  const tuplesets = new Set<string>();
  const visited = new Set<string>();
  const walk = (e: ExprIR): void => {
    switch (e.kind) {
      case 'ref':
        if (def.relations[e.name]) relations.add(e.name);
        else if (!visited.has(e.name)) {
          visited.add(e.name);
          const p = def.permissions[e.name];
          if (p) walk(p.expr);
        }
        return;
      case 'union':
      case 'intersection':
        for (const c of e.children) walk(c);
        return;
      case 'exclusion':
        walk(e.base);
        walk(e.subtract);
        return;
      case 'arrow':
        tuplesets.add(e.tupleset);
        return;
      case 'nil':
      case 'self':
        return;
    }
  };
  visited.add(permission);
  const perm = def.permissions[permission];
  if (perm) walk(perm.expr);
  const plan = { relations: [...relations], tuplesets: [...tuplesets] };
  byPerm.set(key, plan);
  return plan;
}

const ignore = (): void => {};

/** Puts every read of permission `name` on `resource` in flight (results land in the run's read cache). */
export function prefetchPermission(
  run: Run,
  resource: ObjectRef,
  def: DefinitionIR,
  name: string,
): void {
  const plan = planOf(run.schema, def, name);
  for (const r of plan.relations) {
    const rel = def.relations[r];
    if (!rel) continue;
    const reads = relationReads(run, resource, r, rel);
    reads.direct?.catch(ignore);
    reads.sets?.catch(ignore);
  }
  for (const t of plan.tuplesets) tuplesetRead(run, resource, t).catch(ignore);
}
