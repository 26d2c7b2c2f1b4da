/**
 * A deliberately naive check for lookup tests: direct recursion over the IR with Kleene three-valued
 * logic, no caching, cycles cut by "a goal already on the stack is false" (the least fixpoint for the
 * monotone parts). Caveats are toys: a caveat's expression must be one bool parameter name, read from
 * the tuple's context first, then the request's; absent → conditional on that parameter.
 * Used as the check engine until (and besides) the real one, to test lookups in isolation.
 */
import {
  ELLIPSIS,
  type ObjectRef,
  type SubjectRef,
  type Tuple,
  WILDCARD,
} from '../../../src/model/index.ts';
import type { ExprIR, SchemaIR } from '../../../src/schema/ir.ts';
import type { SnapshotReader } from '../../../src/store/types.ts';
import type { CheckRequest, CheckResult } from '../../../src/engine/index.ts';
import type { LookupContext, LookupEngine } from '../../../src/engine/lookup/index.ts';

type Tri = { v: 'T' | 'F' | 'C'; missing: string[] };
const T: Tri = { v: 'T', missing: [] };
const F: Tri = { v: 'F', missing: [] };

function or(a: Tri, b: Tri): Tri {
  if (a.v === 'T' || b.v === 'F') return a;
  if (b.v === 'T' || a.v === 'F') return b;
  return { v: 'C', missing: [...a.missing, ...b.missing] };
}
function and(a: Tri, b: Tri): Tri {
  if (a.v === 'F' || b.v === 'T') return a;
  if (b.v === 'F' || a.v === 'T') return b;
  return { v: 'C', missing: [...a.missing, ...b.missing] };
}
function not(a: Tri): Tri {
  return a.v === 'T' ? F : a.v === 'F' ? T : a;
}

/** The reference engine: `check` only, answering from `ctx.reader` and `ctx.schema`. */
export function referenceEngine(): LookupEngine & { checks: number } {
  const engine = {
    checks: 0,
    async check(ctx: LookupContext, req: CheckRequest): Promise<CheckResult> {
      engine.checks++;
      const r = await evaluate(
        ctx.schema,
        ctx.reader,
        req.resource,
        req.permission,
        req.subject,
        req.context ?? {},
        [],
      );
      if (r.v === 'T') return { permissionship: 'allowed' };
      if (r.v === 'F') return { permissionship: 'denied' };
      return { permissionship: 'conditional', missingParams: [...new Set(r.missing)].sort() };
    },
  };
  return engine;
}

async function evaluate(
  schema: SchemaIR,
  reader: SnapshotReader,
  res: ObjectRef,
  rel: string,
  subject: SubjectRef,
  context: Readonly<Record<string, unknown>>,
  stack: string[],
): Promise<Tri> {
  if (subject.type === res.type && subject.id === res.id && subject.relation === rel) return T;
  const goal = `${res.type}:${res.id}#${rel}`;
  if (stack.includes(goal)) return F;
  const inner = [...stack, goal];
  const def = schema.definitions[res.type];
  if (!def) return F;
  const caveat = (t: Tuple): Tri => {
    if (!t.caveat) return T;
    const param = schema.caveats[t.caveat.name]?.expression.trim() ?? '';
    const v = t.caveat.context?.[param] ?? context[param];
    if (v === undefined) return { v: 'C', missing: [param] };
    return v === true ? T : F;
  };
  if (def.relations[rel]) {
    let acc = F;
    for (const t of await reader.query({
      resourceType: res.type,
      resourceIds: [res.id],
      relation: rel,
    })) {
      const s = t.subject;
      let hit: Tri = F;
      if (s.type === subject.type && s.id === subject.id && s.relation === subject.relation)
        hit = T;
      else if (s.id === WILDCARD && s.type === subject.type && subject.relation === ELLIPSIS)
        hit = T;
      else if (s.relation !== ELLIPSIS)
        hit = await evaluate(schema, reader, s, s.relation, subject, context, inner);
      acc = or(acc, and(caveat(t), hit));
    }
    return acc;
  }
  const perm = def.permissions[rel];
  if (!perm) return F;
  const expr = async (e: ExprIR): Promise<Tri> => {
    switch (e.kind) {
      case 'nil':
        return F;
      case 'self':
        return subject.type === res.type && subject.id === res.id && subject.relation === ELLIPSIS
          ? T
          : F;
      case 'ref':
        return evaluate(schema, reader, res, e.name, subject, context, inner);
      case 'union': {
        let acc = F;
        for (const c of e.children) acc = or(acc, await expr(c));
        return acc;
      }
      case 'intersection': {
        let acc = T;
        for (const c of e.children) acc = and(acc, await expr(c));
        return acc;
      }
      case 'exclusion':
        return and(await expr(e.base), not(await expr(e.subtract)));
      case 'arrow': {
        const tuples = await reader.query({
          resourceType: res.type,
          resourceIds: [res.id],
          relation: e.tupleset,
        });
        let acc = e.mode === 'all' ? (tuples.length > 0 ? T : F) : F;
        for (const t of tuples) {
          const sdef = schema.definitions[t.subject.type];
          if (!sdef || !(e.computed in sdef.relations || e.computed in sdef.permissions)) continue;
          const hit = and(
            caveat(t),
            await evaluate(schema, reader, t.subject, e.computed, subject, context, inner),
          );
          acc = e.mode === 'all' ? and(acc, hit) : or(acc, hit);
        }
        return acc;
      }
    }
  };
  return expr(perm.expr);
}
