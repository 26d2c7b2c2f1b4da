/**
 * permissionsOf: every relation and permission of a resource's definition that a subject has, in one
 * call. Sub-problems are shared: each relation is checked once, a permission built from refs is
 * combined from its parts' answers, and an arrow asks each tupleset object once (memoised across all
 * permissions). Whenever the shared parts cannot settle a permission exactly (a conditional part, a
 * caveated tupleset tuple), that permission is delegated whole to the check engine, so each answer
 * equals `check(resource, name, subject)`.
 */
import { ELLIPSIS } from '../../model/index.ts';
import type { ExprIR } from '../../schema/ir.ts';
import { nodeKey, schemaGraph } from './schema-graph.ts';
import type { CheckResult, LookupContext, LookupEngine, PermissionsOfRequest } from './types.ts';
import { assertSubject, mustDefinition } from './validate.ts';

const ALLOWED: CheckResult = { permissionship: 'allowed' };
const DENIED: CheckResult = { permissionship: 'denied' };

/** Decided locally as a boolean, or undefined when only the engine can say. */
type Local = boolean | undefined;

/** Maps every relation and permission name of the resource's definition to the subject's result. */
export async function permissionsOf(
  engine: LookupEngine,
  ctx: LookupContext,
  req: PermissionsOfRequest,
): Promise<Record<string, CheckResult>> {
  const def = mustDefinition(ctx.schema, req.resource.type);
  assertSubject(ctx.schema, req.subject);
  const { resource, subject } = req;
  const ask = (type: string, id: string, name: string): Promise<CheckResult> =>
    engine.check(ctx, {
      resource: { type, id },
      permission: name,
      subject,
      ...(req.context ? { context: req.context } : {}),
    });
  const names = [...Object.keys(def.relations), ...Object.keys(def.permissions)];
  // A subject set on the resource itself triggers the identity rule at every level: let check decide.
  if (
    subject.relation !== ELLIPSIS &&
    subject.type === resource.type &&
    subject.id === resource.id
  ) {
    const all = await Promise.all(names.map((n) => ask(resource.type, resource.id, n)));
    return Object.fromEntries(names.map((n, i) => [n, all[i] as CheckResult]));
  }

  // Two memos on purpose: `remote` answers come from the engine alone, `own` answers may wait on
  // remote ones. Sharing one map would let an arrow back onto the resource itself (`parent` pointing
  // at itself) wait on its own pending promise.
  const graph = schemaGraph(ctx.schema);
  const remoteMemo = new Map<string, Promise<CheckResult>>();
  const ownMemo = new Map<string, Promise<CheckResult>>();
  const remote = (type: string, id: string, name: string): Promise<CheckResult> => {
    const key = `${type}:${id}#${name}`;
    let p = remoteMemo.get(key);
    if (!p) {
      p = ask(type, id, name);
      remoteMemo.set(key, p);
    }
    return p;
  };
  // The resource's own names: relations go to the engine, permissions are combined locally. A
  // recursive permission (which includes any ref cycle) goes to the engine whole: how an engine
  // answers a cycle may depend on where the walk entered it, so its parts' separate answers need not
  // combine into the whole's answer. The memo is set before evaluating, so concurrent askers share.
  const own = (name: string): Promise<CheckResult> => {
    let p = ownMemo.get(name);
    if (p) return p;
    const perm = def.permissions[name];
    if (!perm || graph.isRecursive(nodeKey(resource.type, name)))
      p = remote(resource.type, resource.id, name);
    else {
      p = evaluate(perm.expr).then((local) =>
        local === undefined ? remote(resource.type, resource.id, name) : local ? ALLOWED : DENIED,
      );
    }
    ownMemo.set(name, p);
    return p;
  };

  const evaluate = async (e: ExprIR): Promise<Local> => {
    switch (e.kind) {
      case 'nil':
        return false;
      case 'self':
        return (
          subject.relation === ELLIPSIS &&
          subject.type === resource.type &&
          subject.id === resource.id
        );
      case 'ref':
        return decided(await own(e.name));
      case 'union': {
        const parts = await Promise.all(e.children.map(evaluate));
        if (parts.includes(true)) return true;
        return parts.every((p) => p === false) ? false : undefined;
      }
      case 'intersection': {
        const parts = await Promise.all(e.children.map(evaluate));
        if (parts.includes(false)) return false;
        return parts.every((p) => p === true) ? true : undefined;
      }
      case 'exclusion': {
        const [base, sub] = await Promise.all([evaluate(e.base), evaluate(e.subtract)]);
        if (base === false || sub === true) return false;
        return base === true && sub === false ? true : undefined;
      }
      case 'arrow':
        return arrow(e.tupleset, e.computed, e.mode);
    }
  };

  // An arrow asks each distinct tupleset object once (memoised across permissions); caveated
  // tupleset tuples, or `.all` over objects lacking the computed name, leave it to the engine.
  const arrow = async (tupleset: string, computed: string, mode: 'any' | 'all'): Promise<Local> => {
    const tuples = await ctx.reader.query({
      resourceType: resource.type,
      resourceIds: [resource.id],
      relation: tupleset,
    });
    if (tuples.some((t) => t.caveat)) return undefined;
    const targets = new Map<string, { type: string; id: string }>();
    for (const t of tuples) targets.set(`${t.subject.type}:${t.subject.id}`, t.subject);
    const defined = [...targets.values()].filter(
      (o) =>
        ctx.schema.definitions[o.type] &&
        (computed in (ctx.schema.definitions[o.type]?.relations ?? {}) ||
          computed in (ctx.schema.definitions[o.type]?.permissions ?? {})),
    );
    if (mode === 'all' && defined.length !== targets.size) return undefined;
    const parts = (await Promise.all(defined.map((o) => remote(o.type, o.id, computed)))).map(
      decided,
    );
    if (mode === 'any') {
      if (parts.includes(true)) return true;
      return parts.every((p) => p === false) ? false : undefined;
    }
    if (parts.length === 0 || parts.includes(false)) return false;
    return parts.every((p) => p === true) ? true : undefined;
  };

  const results = await Promise.all(names.map(own));
  return Object.fromEntries(names.map((n, i) => [n, results[i] as CheckResult]));
}

function decided(r: CheckResult): Local {
  return r.permissionship === 'conditional' ? undefined : r.permissionship === 'allowed';
}
