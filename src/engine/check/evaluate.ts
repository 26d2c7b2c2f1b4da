/**
 * Evaluation of one node (`resource#name` for the run's subject): a stored relation is read from the
 * snapshot, a permission reduces its expression. Sub-nodes go back through `dispatch` (which the
 * cache wraps), so every shared sub-problem is computed once per snapshot.
 *
 * Reduction order: unions, intersections and exclusions run their operands left to right and stop at
 * the first deciding one (a grant for `+`, a denial for `&`, a denied base or granted subtract for
 * `-`). The children of one relation or arrow (the groups, the parents) are dispatched together so
 * their reads batch, and the node resolves as soon as one grants.
 */
import { EngineError } from '../../errors.ts';
import { ELLIPSIS, type ObjectRef, type Tuple } from '../../model/index.ts';
import type { ExprIR, PermissionIR, RelationIR } from '../../schema/ir.ts';
import { evaluateCaveat } from '../caveat/evaluate.ts';
import type { ProofStep } from '../proof.ts';
import { and, andNot, conditional, FALSE, or, TRUE, type Tri } from '../tri.ts';
import { exprText } from './expr-text.ts';
import type { Dispatch, DispatchRequest, Outcome, Run } from './run.ts';

/** Accumulates the cache-relevant facts of a node: earliest expiry read and cycle cut-offs. */
class Meta {
  until = Number.POSITIVE_INFINITY;
  cutoffs: Set<string> | undefined;

  tuples(ts: readonly Tuple[]): void {
    for (const t of ts)
      if (t.expiresAt !== undefined && t.expiresAt < this.until) this.until = t.expiresAt;
  }

  add(o: Outcome): void {
    if (o.until < this.until) this.until = o.until;
    if (o.cutoffs && o.cutoffs.size > 0) {
      this.cutoffs ??= new Set();
      for (const k of o.cutoffs) this.cutoffs.add(k);
    }
  }

  outcome(tri: Tri): Outcome {
    return this.cutoffs
      ? { tri, until: this.until, cutoffs: this.cutoffs }
      : { tri, until: this.until };
  }
}

/** The caveat of a tuple as a three-valued outcome (uncaveated tuples are true). */
function caveatTri(run: Run, t: Tuple): Tri {
  if (!t.caveat) return TRUE;
  const o = evaluateCaveat(run.schema, t.caveat.name, t.caveat.context, run.context);
  if (o.result === 'true') return TRUE;
  if (o.result === 'false') return FALSE;
  return conditional(o.missingParams);
}

function tupleStep(t: Tuple, cav: Tri, children: readonly ProofStep[]): ProofStep {
  const step: ProofStep = {
    kind: 'step',
    resource: t.resource,
    name: t.relation,
    via: 'tuple',
    tuple: t,
    children,
  };
  if (!t.caveat) return step;
  return {
    ...step,
    caveat: { name: t.caveat.name, result: cav.v === 'T' ? 'true' : 'conditional' },
  };
}

/** Combines a tuple's caveat with the outcome of its subject set (or `TRUE` for a direct match). */
function throughTuple(run: Run, t: Tuple, cav: Tri, child: Tri): Tri {
  const tri = and(cav, child);
  if (!run.explain || tri.v === 'F') return tri;
  const below = child.proof && child.proof.kind === 'step' ? [child.proof] : [];
  return { ...tri, proof: tupleStep(t, cav, below) };
}

/**
 * Resolves to the OR of `items` as they settle, early on the first grant. Errors reject only when no
 * item granted (a found grant is an answer). Late settlements after resolution are ignored but
 * always observed, so a losing branch never becomes an unhandled rejection.
 */
function anyGrant(items: readonly Promise<Outcome>[], meta: Meta, init: Tri): Promise<Tri> {
  if (items.length === 0 || init.v === 'T') return Promise.resolve(init);
  return new Promise((resolve, reject) => {
    let acc = init;
    let left = items.length;
    let error: unknown;
    let done = false;
    const settle = (): void => {
      if (--left > 0 || done) return;
      done = true;
      if (error !== undefined) reject(error);
      else resolve(acc);
    };
    for (const p of items) {
      p.then(
        (o) => {
          if (done) return;
          meta.add(o);
          acc = or(acc, o.tri);
          if (acc.v === 'T') {
            done = true;
            resolve(acc);
            return;
          }
          settle();
        },
        (err: unknown) => {
          if (done) return;
          error ??= err;
          settle();
        },
      );
    }
  });
}

/** Like `anyGrant` for AND: resolves early on the first denial; no items means false. */
function allGrant(
  items: readonly Promise<Outcome>[],
  meta: Meta,
  wrap: (proofs: ProofStep[]) => ProofStep,
): Promise<Tri> {
  if (items.length === 0) return Promise.resolve(FALSE);
  return new Promise((resolve, reject) => {
    let acc: Tri = TRUE;
    const proofs: ProofStep[] = [];
    let left = items.length;
    let error: unknown;
    let done = false;
    for (const p of items) {
      p.then(
        (o) => {
          if (done) return;
          meta.add(o);
          acc = and(acc, o.tri);
          if (o.tri.proof?.kind === 'step') proofs.push(o.tri.proof);
          if (acc.v === 'F') {
            done = true;
            resolve(acc);
            return;
          }
          if (--left === 0) {
            done = true;
            if (error !== undefined) reject(error);
            else resolve(proofs.length > 0 ? { ...acc, proof: wrap(proofs) } : acc);
          }
        },
        (err: unknown) => {
          if (done) return;
          error ??= err;
          if (--left === 0) {
            done = true;
            reject(error);
          }
        },
      );
    }
  });
}

/** A `rule` proof step at the current node (several children for `&` and `.all`). */
function ruleStep(req: DispatchRequest, rule: string, children: ProofStep[]): ProofStep {
  return { kind: 'step', resource: req.resource, name: req.name, via: 'rule', rule, children };
}

function child(req: DispatchRequest, resource: ObjectRef, name: string): DispatchRequest {
  return { resource, name, lineage: req.lineage, depth: req.depth - 1 };
}

/** A stored relation: direct matches (exact subject or wildcard), then subject sets via dispatch. */
async function evaluateRelation(
  run: Run,
  req: DispatchRequest,
  rel: RelationIR,
  dispatch: Dispatch,
): Promise<Outcome> {
  const { resource, name } = req;
  const s = run.subject;
  const meta = new Meta();
  let acc: Tri = FALSE;

  const exact = rel.allowed.some(
    (a) => !a.wildcard && a.type === s.type && a.relation === s.relation,
  );
  const wild = s.relation === ELLIPSIS && rel.allowed.some((a) => a.wildcard && a.type === s.type);
  if (exact || wild) {
    const subjectIds = exact && wild ? [s.id, '*'] : exact ? [s.id] : ['*'];
    const direct = await run.loader.load(
      {
        resourceType: resource.type,
        relation: name,
        subjectType: s.type,
        subjectIds,
        subjectRelation: s.relation,
      },
      resource.id,
    );
    meta.tuples(direct);
    for (const t of direct) {
      const cav = caveatTri(run, t);
      acc = or(acc, throughTuple(run, t, cav, TRUE));
      if (acc.v === 'T') return meta.outcome(acc);
    }
  }

  // Subject sets: one read per admitted `type#relation`, then every found set dispatched at once.
  const seen = new Set<string>();
  const reads: Promise<Tuple[]>[] = [];
  for (const a of rel.allowed) {
    if (a.wildcard || a.relation === ELLIPSIS) continue;
    const k = `${a.type}#${a.relation}`;
    if (seen.has(k)) continue;
    seen.add(k);
    reads.push(
      run.loader.load(
        {
          resourceType: resource.type,
          relation: name,
          subjectType: a.type,
          subjectRelation: a.relation,
        },
        resource.id,
      ),
    );
  }
  if (reads.length === 0) return meta.outcome(acc);
  const sets = (await Promise.all(reads)).flat();
  meta.tuples(sets);
  const items: Promise<Outcome>[] = [];
  for (const t of sets) {
    const cav = caveatTri(run, t);
    if (cav.v === 'F') continue;
    const sub = dispatch(
      run,
      child(req, { type: t.subject.type, id: t.subject.id }, t.subject.relation),
    );
    items.push(sub.then((o) => ({ ...o, tri: throughTuple(run, t, cav, o.tri) })));
  }
  return meta.outcome(await anyGrant(items, meta, acc));
}

/** An arrow: walk the tupleset's subject objects (ignoring their relation) and check `computed`. */
async function evaluateArrow(
  run: Run,
  req: DispatchRequest,
  expr: Extract<ExprIR, { kind: 'arrow' }>,
  meta: Meta,
  dispatch: Dispatch,
): Promise<Tri> {
  const tuples = await run.loader.load(
    { resourceType: req.resource.type, relation: expr.tupleset },
    req.resource.id,
  );
  meta.tuples(tuples);
  const items: Promise<Outcome>[] = [];
  for (const t of tuples) {
    const def = run.schema.definitions[t.subject.type];
    const known = def && (def.relations[expr.computed] || def.permissions[expr.computed]);
    const cav = caveatTri(run, t);
    if (!known || (cav.v === 'F' && expr.mode === 'any')) {
      // A subject type without `computed` contributes nothing (SpiceDB skips it); for `.all` it denies.
      if (expr.mode === 'all')
        items.push(Promise.resolve({ tri: FALSE, until: Number.POSITIVE_INFINITY }));
      continue;
    }
    const sub = dispatch(
      run,
      child(req, { type: t.subject.type, id: t.subject.id }, expr.computed),
    );
    items.push(sub.then((o) => ({ ...o, tri: throughTuple(run, t, cav, o.tri) })));
  }
  if (expr.mode === 'any') return anyGrant(items, meta, FALSE);
  return allGrant(items, meta, (proofs) => ruleStep(req, exprText(expr), proofs));
}

/** Reduces a permission expression for one resource, short-circuiting left to right. */
async function evaluateExpr(
  run: Run,
  req: DispatchRequest,
  expr: ExprIR,
  meta: Meta,
  dispatch: Dispatch,
): Promise<Tri> {
  switch (expr.kind) {
    case 'ref': {
      const o = await dispatch(run, child(req, req.resource, expr.name));
      meta.add(o);
      return o.tri;
    }
    case 'nil':
      return FALSE;
    case 'self': {
      const s = run.subject;
      const hit =
        s.type === req.resource.type && s.id === req.resource.id && s.relation === ELLIPSIS;
      if (!hit) return FALSE;
      return run.explain
        ? {
            v: 'T',
            proof: {
              kind: 'step',
              resource: req.resource,
              name: 'self',
              via: 'self',
              children: [],
            },
          }
        : TRUE;
    }
    case 'union': {
      let acc: Tri = FALSE;
      for (const c of expr.children) {
        acc = or(acc, await evaluateExpr(run, req, c, meta, dispatch));
        if (acc.v === 'T') break;
      }
      return acc;
    }
    case 'intersection': {
      let acc: Tri = TRUE;
      const proofs: ProofStep[] = [];
      for (const c of expr.children) {
        const r = await evaluateExpr(run, req, c, meta, dispatch);
        acc = and(acc, r);
        if (acc.v === 'F') return acc;
        if (r.proof?.kind === 'step') proofs.push(r.proof);
      }
      return run.explain && proofs.length > 0
        ? { ...acc, proof: ruleStep(req, exprText(expr), proofs) }
        : acc;
    }
    case 'exclusion': {
      const base = await evaluateExpr(run, req, expr.base, meta, dispatch);
      if (base.v === 'F') return base;
      return andNot(base, await evaluateExpr(run, req, expr.subtract, meta, dispatch));
    }
    case 'arrow':
      return evaluateArrow(run, req, expr, meta, dispatch);
  }
}

async function evaluatePermission(
  run: Run,
  req: DispatchRequest,
  perm: PermissionIR,
  dispatch: Dispatch,
): Promise<Outcome> {
  const meta = new Meta();
  const tri = await evaluateExpr(run, req, perm.expr, meta, dispatch);
  if (!run.explain || tri.v === 'F') return meta.outcome(tri);
  const below = tri.proof?.kind === 'step' ? [tri.proof] : [];
  return meta.outcome({ ...tri, proof: ruleStep(req, exprText(perm.expr), below) });
}

/**
 * Evaluates `req.resource#req.name` for the run's subject. The caller (the dispatcher) has already
 * applied the identity rule, the cycle check and the depth budget, and pushed this node on the lineage.
 * Throws `unknown_definition` / `unknown_relation` for names the schema does not have.
 */
export function evaluateNode(run: Run, req: DispatchRequest, dispatch: Dispatch): Promise<Outcome> {
  const def = run.schema.definitions[req.resource.type];
  if (!def)
    throw new EngineError(
      'unknown_definition',
      `definition "${req.resource.type}" is not in the schema`,
    );
  const rel = def.relations[req.name];
  if (rel) return evaluateRelation(run, req, rel, dispatch);
  const perm = def.permissions[req.name];
  if (perm) return evaluatePermission(run, req, perm, dispatch);
  throw new EngineError(
    'unknown_relation',
    `"${req.name}" is neither a relation nor a permission of "${req.resource.type}"`,
  );
}
