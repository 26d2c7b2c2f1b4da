/**
 * Evaluation of one node (`resource#name` for the run's subject): a stored relation is read from the
 * snapshot, a permission reduces its expression. Sub-nodes go back through `dispatch` (which the
 * cache wraps), so every shared sub-problem is computed once per snapshot.
 *
 * Reduction: unions, intersections and exclusions start their operands together and resolve at the
 * first deciding one (a grant for `+`, a denial for `&`, a denied base or granted subtract for `-`).
 * The children of one relation or arrow (the groups, the parents) are dispatched together too, so
 * their reads batch and the node resolves as soon as one grants.
 */
import { EngineError } from '../../errors.ts';
import { ELLIPSIS, type ObjectRef, type Tuple } from '../../model/index.ts';
import type { DefinitionIR, ExprIR, PermissionIR, RelationIR } from '../../schema/ir.ts';
import { evaluateCaveat } from '../caveat/evaluate.ts';
import type { ProofStep } from '../proof.ts';
import { and, andNot, conditional, FALSE, or, TRUE, type Tri } from '../tri.ts';
import { prefetchPermission, relationReads, tuplesetRead } from './prefetch.ts';
import { allGrant, anyGrant, difference, Meta } from './reduce.ts';
import { exprText } from './expr-text.ts';
import type { Dispatch, DispatchRequest, Outcome, Run } from './run.ts';

/** The caveat of a tuple as a three-valued outcome (uncaveated tuples are true). */
export function caveatTri(run: Pick<Run, 'schema' | 'context'>, t: Tuple): Tri {
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
  const meta = new Meta();
  let acc: Tri = FALSE;

  const { direct: directRead, sets: setsRead } = relationReads(run, resource, name, rel);
  // Observe the set reads now: if a direct match grants we return without awaiting them.
  setsRead?.catch(() => {});

  if (directRead) {
    const direct = await directRead;
    meta.tuples(direct);
    for (const t of direct) {
      const cav = caveatTri(run, t);
      acc = or(acc, throughTuple(run, t, cav, TRUE));
      if (acc.v === 'T') return meta.outcome(acc);
    }
  }
  if (!setsRead) return meta.outcome(acc);
  const sets = (await setsRead).flat();
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
  const tuples = await tuplesetRead(run, req.resource, expr.tupleset);
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

function operands(
  run: Run,
  req: DispatchRequest,
  children: readonly ExprIR[],
  meta: Meta,
  dispatch: Dispatch,
): Promise<Outcome>[] {
  return children.map((c) =>
    evaluateExpr(run, req, c, meta, dispatch).then((tri) => ({
      tri,
      until: Number.POSITIVE_INFINITY,
    })),
  );
}

/** Reduces a permission expression for one resource. */
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
    // Concurrent mode (networked stores): operands start together, so their reads batch into about
    // one round trip per level; each reducer returns at the deciding operand, and a node two
    // operands share is computed once (the second joins the first's flight, see flights.ts).
    // Sequential mode (in-process stores, where a read costs microseconds): left to right, stopping
    // at the deciding operand, so later operands reuse what earlier ones memoised.
    case 'union':
      if (!run.sequential)
        return anyGrant(operands(run, req, expr.children, meta, dispatch), undefined, FALSE);
      {
        // An operand's error decides only if no later operand grants (same as concurrent mode).
        let acc: Tri = FALSE;
        let error: unknown;
        for (const c of expr.children) {
          try {
            acc = or(acc, await evaluateExpr(run, req, c, meta, dispatch));
          } catch (err) {
            error ??= err;
          }
          if (acc.v === 'T') return acc;
        }
        if (error !== undefined) throw error;
        return acc;
      }
    case 'intersection': {
      const wrap = (proofs: ProofStep[]): ProofStep => ruleStep(req, exprText(expr), proofs);
      if (!run.sequential)
        return allGrant(operands(run, req, expr.children, meta, dispatch), undefined, wrap);
      let acc: Tri = TRUE;
      let error: unknown;
      const proofs: ProofStep[] = [];
      for (const c of expr.children) {
        let r: Tri;
        try {
          r = await evaluateExpr(run, req, c, meta, dispatch);
        } catch (err) {
          error ??= err;
          continue;
        }
        acc = and(acc, r);
        if (acc.v === 'F') return acc;
        if (r.proof?.kind === 'step') proofs.push(r.proof);
      }
      if (error !== undefined) throw error;
      return run.explain && proofs.length > 0 ? { ...acc, proof: wrap(proofs) } : acc;
    }
    case 'exclusion': {
      if (!run.sequential)
        return difference(
          evaluateExpr(run, req, expr.base, meta, dispatch),
          evaluateExpr(run, req, expr.subtract, meta.subtracted(), dispatch),
        );
      let base: Tri;
      try {
        base = await evaluateExpr(run, req, expr.base, meta, dispatch);
      } catch (err) {
        // A granted subtract still decides; otherwise the base's error stands.
        const sub = await evaluateExpr(run, req, expr.subtract, meta.subtracted(), dispatch).catch(
          () => FALSE,
        );
        if (sub.v === 'T') return FALSE;
        throw err;
      }
      if (base.v === 'F') return base;
      return andNot(base, await evaluateExpr(run, req, expr.subtract, meta.subtracted(), dispatch));
    }
    case 'arrow':
      return evaluateArrow(run, req, expr, meta, dispatch);
  }
}

async function evaluatePermission(
  run: Run,
  req: DispatchRequest,
  def: DefinitionIR,
  perm: PermissionIR,
  dispatch: Dispatch,
): Promise<Outcome> {
  if (run.prefetch) prefetchPermission(run, req.resource, def, req.name);
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
  if (perm) return evaluatePermission(run, req, def, perm, dispatch);
  throw new EngineError(
    'unknown_relation',
    `"${req.name}" is neither a relation nor a permission of "${req.resource.type}"`,
  );
}
