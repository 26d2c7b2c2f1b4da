/**
 * Expand: the userset tree of `resource#permission` at one snapshot. Operator nodes mirror the
 * schema expression; relation leaves list their stored subjects and expand the subject sets among
 * them (recursively, within the depth budget). A data cycle stops at the repeated node: its leaf
 * keeps its subjects but is not expanded again.
 */
import { EngineError } from '../errors.ts';
import { ELLIPSIS, type ObjectRef } from '../model/index.ts';
import type { ExprIR } from '../schema/ir.ts';
import type { SnapshotReader } from '../store/types.ts';
import { assertLive } from './check/dispatcher.ts';
import { type Lineage, nodeKey, onLineage, type Run } from './check/run.ts';
import type { EvalContext, ExpandNode, ExpandRequest, ExpandSubject } from './types.ts';

interface ExpandRun {
  readonly ctx: EvalContext;
  readonly reader: SnapshotReader;
  /** Only `signal` and `deadline` are read (by assertLive). */
  readonly live: Pick<Run, 'signal' | 'deadline'>;
}

async function expandNode(
  run: ExpandRun,
  resource: ObjectRef,
  name: string,
  lineage: Lineage | undefined,
  depth: number,
): Promise<ExpandNode> {
  assertLive(run.live);
  const key = nodeKey(resource, name);
  if (depth <= 0)
    throw new EngineError('max_depth_exceeded', `expand exceeded the maximum depth at ${key}`, {
      details: { node: key },
    });
  const def = run.ctx.schema.definitions[resource.type];
  if (!def)
    throw new EngineError(
      'unknown_definition',
      `definition "${resource.type}" is not in the schema`,
    );
  const here: Lineage = { key, parent: lineage };
  if (def.relations[name]) {
    const tuples = await run.reader.query({
      resourceType: resource.type,
      resourceIds: [resource.id],
      relation: name,
    });
    const subjects: ExpandSubject[] = tuples.map((t) => {
      const s: { -readonly [K in keyof ExpandSubject]: ExpandSubject[K] } = { subject: t.subject };
      if (t.caveat) s.caveat = t.caveat;
      if (t.expiresAt !== undefined) s.expiresAt = t.expiresAt;
      return s;
    });
    const children: ExpandNode[] = [];
    for (const t of tuples) {
      if (t.subject.relation === ELLIPSIS) continue;
      const sub = { type: t.subject.type, id: t.subject.id };
      const subKey = nodeKey(sub, t.subject.relation);
      const subDef = run.ctx.schema.definitions[sub.type];
      const known =
        subDef && (subDef.relations[t.subject.relation] || subDef.permissions[t.subject.relation]);
      if (!known || onLineage(here, subKey)) continue;
      children.push(await expandNode(run, sub, t.subject.relation, here, depth - 1));
    }
    return { kind: 'leaf', resource, name, subjects, children };
  }
  const perm = def.permissions[name];
  if (!perm)
    throw new EngineError(
      'unknown_relation',
      `"${name}" is neither a relation nor a permission of "${resource.type}"`,
    );
  const tree = await expandExpr(run, resource, name, perm.expr, here, depth);
  // A permission that is a bare reference (`view = viewer`) still gets a node of its own name, so
  // every subject set in the tree can be found by `resource#name`.
  return tree.name === name ? tree : { kind: 'union', resource, name, children: [tree] };
}

async function expandExpr(
  run: ExpandRun,
  resource: ObjectRef,
  name: string,
  expr: ExprIR,
  lineage: Lineage,
  depth: number,
): Promise<ExpandNode> {
  switch (expr.kind) {
    case 'ref': {
      const key = nodeKey(resource, expr.name);
      if (onLineage(lineage, key)) return { kind: 'nil', resource, name: expr.name };
      return expandNode(run, resource, expr.name, lineage, depth - 1);
    }
    case 'nil':
    case 'self':
      return { kind: expr.kind, resource, name };
    case 'union':
    case 'intersection': {
      const children: ExpandNode[] = [];
      for (const c of expr.children)
        children.push(await expandExpr(run, resource, name, c, lineage, depth));
      return { kind: expr.kind, resource, name, children };
    }
    case 'exclusion':
      return {
        kind: 'exclusion',
        resource,
        name,
        base: await expandExpr(run, resource, name, expr.base, lineage, depth),
        subtract: await expandExpr(run, resource, name, expr.subtract, lineage, depth),
      };
    case 'arrow': {
      const tuples = await run.reader.query({
        resourceType: resource.type,
        resourceIds: [resource.id],
        relation: expr.tupleset,
      });
      const children: { tuple: (typeof tuples)[number]; tree: ExpandNode | null }[] = [];
      for (const t of tuples) {
        const sub = { type: t.subject.type, id: t.subject.id };
        const subDef = run.ctx.schema.definitions[sub.type];
        const known =
          subDef && (subDef.relations[expr.computed] || subDef.permissions[expr.computed]);
        const subKey = nodeKey(sub, expr.computed);
        const tree =
          known && !onLineage(lineage, subKey)
            ? await expandNode(run, sub, expr.computed, lineage, depth - 1)
            : null;
        children.push({ tuple: t, tree });
      }
      return {
        kind: 'arrow',
        resource,
        name,
        mode: expr.mode,
        tupleset: expr.tupleset,
        computed: expr.computed,
        children,
      };
    }
  }
}

/** Expands `req.resource#req.permission`; throws `unknown_*`, `max_depth_exceeded`, `deadline_exceeded`. */
export function expand(
  ctx: EvalContext,
  req: ExpandRequest,
  maxDepth: number,
): Promise<ExpandNode> {
  const run: ExpandRun = {
    ctx,
    reader: ctx.reader,
    live: { signal: ctx.signal, deadline: ctx.deadline },
  };
  return expandNode(run, req.resource, req.permission, undefined, req.maxDepth ?? maxDepth);
}
