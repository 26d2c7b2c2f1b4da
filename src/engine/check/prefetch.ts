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
import type { Run } from './run.ts';

/** The reads of one relation for the run's subject (absent parts need no read). */
export interface RelationReads {
  readonly direct?: Promise<Tuple[]>;
  readonly sets?: Promise<Tuple[][]>;
}

/** Issues (or joins) the reads of relation `name` on `resource`. */
export function relationReads(
  run: Run,
  resource: ObjectRef,
  name: string,
  rel: RelationIR,
): RelationReads {
  const s = run.subject;
  const exact = rel.allowed.some(
    (a) => !a.wildcard && a.type === s.type && a.relation === s.relation,
  );
  const wild = s.relation === ELLIPSIS && rel.allowed.some((a) => a.wildcard && a.type === s.type);
  const out: { direct?: Promise<Tuple[]>; sets?: Promise<Tuple[][]> } = {};
  const directQuery =
    exact || wild
      ? {
          resourceType: resource.type,
          relation: name,
          subjectType: s.type,
          subjectIds: exact && wild ? [s.id, WILDCARD] : exact ? [s.id] : [WILDCARD],
          subjectRelation: s.relation,
        }
      : undefined;
  if (directQuery) out.direct = run.loader.load(directQuery, resource.id);
  const seen = new Set<string>();
  const reads: Promise<Tuple[]>[] = [];
  for (const a of rel.allowed) {
    if (a.wildcard || a.relation === ELLIPSIS) continue;
    const k = `${a.type}#${a.relation}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const q = {
      resourceType: resource.type,
      relation: name,
      subjectType: a.type,
      subjectRelation: a.relation,
    };
    // A self-nesting subject set (`member: ... | group#member` on group): read the nesting below
    // in one store call when reads are round trips.
    const nests = a.type === resource.type && a.relation === name && closuresFit(run);
    // The closure also reads the subject's direct tuples on every nested id (the next level's
    // direct reads), so a nesting costs one store call, not two.
    reads.push(
      nests ? run.loader.loadClosure(q, resource.id, directQuery) : run.loader.load(q, resource.id),
    );
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
  return follow === resource.type
    ? run.loader.loadClosure(q, resource.id)
    : run.loader.loadClosure(q, resource.id, undefined, follow);
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
