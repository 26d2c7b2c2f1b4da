/**
 * Synchronous evaluation for in-process stores (readers with `querySync`). Same semantics as the
 * async path in sequential operand mode (evaluate.ts, dispatcher.ts): identity rule, cycle cut-off,
 * per-run memo, depth budget, cross-request cache, three-valued reducers, and an operand's error
 * decides only when no other operand could.
 *
 * Why a second evaluator: with the memory store a read costs about a microsecond, and the async
 * path spent most of an uncached check allocating what asynchrony needs (a promise, closures and a
 * lineage record per node, a read loader entry per read): ~150 KB per check, which forced a
 * young-generation GC every ~100 checks, the p99 of uncached checks. A synchronous walk needs no
 * promises, no flights (nothing runs concurrently within a run, so a node is never joined half
 * done) and no lineage records (the nodes being evaluated are a `Set` of keys on the run).
 * Explain runs, `operands: 'concurrent'` and `prefetch` keep the async path.
 */
import { EngineError } from '../../errors.ts';
import { ELLIPSIS, type SubjectRef, type Tuple, WILDCARD } from '../../model/index.ts';
import type { ExprIR, RelationIR, SchemaIR } from '../../schema/ir.ts';
import type { SnapshotReader, TupleQuery } from '../../store/types.ts';
import { and, andNot, FALSE, or, TRUE, type Tri } from '../tri.ts';
import type { CheckRequest } from '../types.ts';
import { assertLive, cachePrefixOf, type DispatchCache } from './dispatcher.ts';
import { caveatTri } from './evaluate.ts';
import { Meta } from './reduce.ts';
import { fitsBudget, type Outcome } from './run.ts';

/** Per-check state of a synchronous run. Nothing here outlives the call (or the bulk batch). */
export interface SyncRun {
  readonly read: (q: TupleQuery) => Tuple[];
  readonly schema: SchemaIR;
  readonly subject: SubjectRef;
  readonly context: Readonly<Record<string, unknown>> | undefined;
  /** The reader's clock: decides whether a cached entry is still valid. */
  readonly now: number;
  readonly signal: AbortSignal | undefined;
  readonly deadline: number | undefined;
  /** Final outcomes of this subject (and context) by node key; shared by the items of a bulk call. */
  readonly memo: Map<string, Outcome>;
  /** Nodes being evaluated (the lineage): reaching one again is a data cycle. */
  readonly path: Set<string>;
  readonly cache: DispatchCache | undefined;
  /** `schemaTag|revision|subject|context|`: prepended to a node key to form its cache key. */
  readonly cachePrefix: string;
  /** Subject ids of direct reads (`[id]`, `['*']`, `[id, '*']`), built once per run. */
  readonly exactIds: readonly string[];
  readonly wildIds: readonly string[];
  readonly bothIds: readonly string[];
}

const WILDCARD_IDS: readonly string[] = Object.freeze([WILDCARD]);

const IDENTITY: Outcome = Object.freeze({ tri: TRUE, until: Number.POSITIVE_INFINITY });

/**
 * Evaluates `type:id#name` for the run's subject with `depth` dispatches of budget left. Throws
 * `max_depth_exceeded`, `deadline_exceeded`, `unknown_definition`, `unknown_relation`, caveat and
 * store errors (the caller turns them into a rejection or a bulk item error).
 */
export function dispatchSync(
  run: SyncRun,
  type: string,
  id: string,
  name: string,
  depth: number,
): Outcome {
  assertLive(run);
  const s = run.subject;
  // Identity: `T:id#r` holds `T:id#r` (SpiceDB's filterForFoundMemberResource).
  if (s.type === type && s.id === id && s.relation === name) return IDENTITY;
  const key = `${type}:${id}#${name}`;
  if (run.path.has(key))
    return { tri: FALSE, until: Number.POSITIVE_INFINITY, cutoffs: new Set([key]) };
  const memo = run.memo.get(key);
  if (memo && fitsBudget(memo, depth)) return memo;
  if (depth <= 0)
    throw new EngineError('max_depth_exceeded', `check exceeded the maximum depth at ${key}`, {
      details: { node: key },
    });
  const cache = run.cache;
  const ck = cache ? run.cachePrefix + key : '';
  if (cache) {
    const hit = cache.lru.get(ck);
    if (
      hit &&
      run.now >= hit.computedAt &&
      run.now < hit.outcome.until &&
      fitsBudget(hit.outcome, depth)
    ) {
      cache.hits++;
      return hit.outcome;
    }
    cache.misses++;
  }
  run.path.add(key);
  let o: Outcome;
  try {
    o = evaluateNodeSync(run, type, id, name, depth);
  } finally {
    run.path.delete(key);
  }
  if (o.cutoffs) {
    // A cut-off at this very node closes the cycle it started: the result is final here.
    if (!o.cutoffs.has(key)) return o;
    const rest = new Set(o.cutoffs);
    rest.delete(key);
    if (rest.size > 0) return { ...o, cutoffs: rest };
    const { cutoffs: _closed, ...closed } = o;
    o = closed;
  }
  // A cycle through an exclusion's subtracted side is right for this root only (Outcome.unstable).
  if (o.unstable) return o;
  // Only cut-off-free outcomes are final: cycle cut-offs are right relative to their lineage only.
  run.memo.set(key, o);
  cache?.lru.set(ck, { outcome: o, computedAt: run.now });
  return o;
}

function evaluateNodeSync(
  run: SyncRun,
  type: string,
  id: string,
  name: string,
  depth: number,
): Outcome {
  const def = run.schema.definitions[type];
  if (!def)
    throw new EngineError('unknown_definition', `definition "${type}" is not in the schema`);
  const rel = def.relations[name];
  if (rel) return relationSync(run, type, id, name, rel, depth);
  const perm = def.permissions[name];
  if (perm) {
    const meta = new Meta();
    return meta.outcome(exprSync(run, type, id, perm.expr, meta, depth));
  }
  throw new EngineError(
    'unknown_relation',
    `"${name}" is neither a relation nor a permission of "${type}"`,
  );
}

/** The subject-set kinds (`type#relation`) a relation admits, deduplicated; computed once per relation. */
const SET_KINDS = new WeakMap<RelationIR, readonly { type: string; relation: string }[]>();

function setKinds(rel: RelationIR): readonly { type: string; relation: string }[] {
  let kinds = SET_KINDS.get(rel);
  if (kinds) return kinds;
  const out: { type: string; relation: string }[] = [];
  for (const a of rel.allowed) {
    if (a.wildcard || a.relation === ELLIPSIS) continue;
    if (!out.some((k) => k.type === a.type && k.relation === a.relation))
      out.push({ type: a.type, relation: a.relation });
  }
  kinds = out;
  SET_KINDS.set(rel, kinds);
  return kinds;
}

/**
 * A stored relation: direct matches (the exact subject or a wildcard) first, then each subject set
 * through dispatch, stopping at the first grant. Same reads as `relationReads` (prefetch.ts).
 */
function relationSync(
  run: SyncRun,
  type: string,
  id: string,
  name: string,
  rel: RelationIR,
  depth: number,
): Outcome {
  const s = run.subject;
  let exact = false;
  let wild = false;
  for (const a of rel.allowed) {
    if (a.type !== s.type) continue;
    if (a.wildcard) wild ||= s.relation === ELLIPSIS;
    else exact ||= a.relation === s.relation;
  }
  const meta = new Meta();
  let acc: Tri = FALSE;
  const resourceIds = [id];
  if (exact || wild) {
    const direct = run.read({
      resourceType: type,
      resourceIds,
      relation: name,
      subjectType: s.type,
      subjectIds: exact && wild ? run.bothIds : exact ? run.exactIds : run.wildIds,
      subjectRelation: s.relation,
    });
    meta.tuples(direct);
    for (const t of direct) {
      acc = or(acc, caveatTri(run, t));
      if (acc.v === 'T') return meta.outcome(acc);
    }
  }
  const kinds = setKinds(rel);
  if (kinds.length === 0) return meta.outcome(acc);
  // Every kind is read before any is followed, so `until` covers the same tuples as the async path.
  let sets: Tuple[];
  if (kinds.length === 1) {
    const k = kinds[0] as { type: string; relation: string };
    sets = run.read({
      resourceType: type,
      resourceIds,
      relation: name,
      subjectType: k.type,
      subjectRelation: k.relation,
    });
  } else {
    sets = [];
    for (const k of kinds)
      for (const t of run.read({
        resourceType: type,
        resourceIds,
        relation: name,
        subjectType: k.type,
        subjectRelation: k.relation,
      }))
        sets.push(t);
  }
  meta.tuples(sets);
  let error: unknown;
  for (const t of sets) {
    const cav = caveatTri(run, t);
    if (cav.v === 'F') continue;
    let o: Outcome;
    try {
      o = dispatchSync(run, t.subject.type, t.subject.id, t.subject.relation, depth - 1);
    } catch (err) {
      error ??= err;
      continue;
    }
    meta.add(o);
    acc = or(acc, and(cav, o.tri));
    if (acc.v === 'T') return meta.outcome(acc);
  }
  if (error !== undefined) throw error;
  return meta.outcome(acc);
}

/** An arrow: `computed` on each subject object of the tupleset (any of them, or all for `.all`). */
function arrowSync(
  run: SyncRun,
  type: string,
  id: string,
  expr: Extract<ExprIR, { kind: 'arrow' }>,
  meta: Meta,
  depth: number,
): Tri {
  const tuples = run.read({ resourceType: type, resourceIds: [id], relation: expr.tupleset });
  meta.tuples(tuples);
  const all = expr.mode === 'all';
  if (all && tuples.length === 0) return FALSE;
  let acc: Tri = all ? TRUE : FALSE;
  let error: unknown;
  for (const t of tuples) {
    const def = run.schema.definitions[t.subject.type];
    const known = def && (def.relations[expr.computed] || def.permissions[expr.computed]);
    const cav = caveatTri(run, t);
    // A subject type without `computed` contributes nothing (SpiceDB skips it); for `.all` it denies.
    if (!known || cav.v === 'F') {
      if (all) return FALSE;
      continue;
    }
    let o: Outcome;
    try {
      o = dispatchSync(run, t.subject.type, t.subject.id, expr.computed, depth - 1);
    } catch (err) {
      error ??= err;
      continue;
    }
    meta.add(o);
    const tri = and(cav, o.tri);
    acc = all ? and(acc, tri) : or(acc, tri);
    if (acc.v === (all ? 'F' : 'T')) return acc;
  }
  if (error !== undefined) throw error;
  return acc;
}

/** Reduces a permission expression for `type:id`, left to right with short-circuit. */
function exprSync(
  run: SyncRun,
  type: string,
  id: string,
  expr: ExprIR,
  meta: Meta,
  depth: number,
): Tri {
  switch (expr.kind) {
    case 'ref': {
      const o = dispatchSync(run, type, id, expr.name, depth - 1);
      meta.add(o);
      return o.tri;
    }
    case 'nil':
      return FALSE;
    case 'self': {
      const s = run.subject;
      return s.type === type && s.id === id && s.relation === ELLIPSIS ? TRUE : FALSE;
    }
    case 'union': {
      // An operand's error decides only if no later operand grants (as in the async reducers).
      let acc: Tri = FALSE;
      let error: unknown;
      for (const c of expr.children) {
        try {
          acc = or(acc, exprSync(run, type, id, c, meta, depth));
        } catch (err) {
          error ??= err;
        }
        if (acc.v === 'T') return acc;
      }
      if (error !== undefined) throw error;
      return acc;
    }
    case 'intersection': {
      let acc: Tri = TRUE;
      let error: unknown;
      for (const c of expr.children) {
        try {
          acc = and(acc, exprSync(run, type, id, c, meta, depth));
        } catch (err) {
          error ??= err;
          continue;
        }
        if (acc.v === 'F') return acc;
      }
      if (error !== undefined) throw error;
      return acc;
    }
    case 'exclusion': {
      let base: Tri;
      try {
        base = exprSync(run, type, id, expr.base, meta, depth);
      } catch (err) {
        // A granted subtract still decides; otherwise the base's error stands.
        let sub: Tri = FALSE;
        try {
          sub = exprSync(run, type, id, expr.subtract, meta.subtracted(), depth);
        } catch {
          // the base's error is the one reported
        }
        if (sub.v === 'T') return FALSE;
        throw err;
      }
      if (base.v === 'F') return base;
      return andNot(base, exprSync(run, type, id, expr.subtract, meta.subtracted(), depth));
    }
    case 'arrow':
      return arrowSync(run, type, id, expr, meta, depth);
  }
}

/**
 * The per-check state of a synchronous run, or undefined when the reader has no `querySync`.
 * `keyPrefix` is `keyPrefixOf(req)`; `memo` is the subject's shared memo in a bulk call.
 */
export function createSyncRun(
  ctx: {
    readonly reader: SnapshotReader;
    readonly schema: SchemaIR;
    readonly signal?: AbortSignal | undefined;
    readonly deadline?: number | undefined;
  },
  req: CheckRequest,
  keyPrefix: string,
  cache: DispatchCache | undefined,
  memo: Map<string, Outcome> = new Map(),
): SyncRun | undefined {
  const { reader } = ctx;
  if (!reader.querySync) return undefined;
  const context = req.context && Object.keys(req.context).length > 0 ? req.context : undefined;
  return {
    read: reader.querySync.bind(reader),
    schema: ctx.schema,
    subject: req.subject,
    context,
    now: reader.now,
    signal: ctx.signal,
    deadline: ctx.deadline,
    memo,
    path: new Set(),
    cache,
    cachePrefix: cache ? cachePrefixOf(ctx.schema.hash, reader.revision, keyPrefix) : '',
    exactIds: [req.subject.id],
    wildIds: WILDCARD_IDS,
    bothIds: [req.subject.id, WILDCARD],
  };
}
