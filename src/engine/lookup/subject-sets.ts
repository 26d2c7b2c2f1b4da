/**
 * Set algebra over forward walks: the candidates of lookupSubjects for a permission built with `&`,
 * `-` or `.all`, computed from its parts so that most subjects are decided without a check (the
 * mirror of resource-sets.ts). Parts yield `Members` (subject id → exact) where an exact id surely
 * has the part and an unlisted id surely lacks it. A wildcard anywhere breaks the second guarantee
 * (an unlisted id may be covered by `*`), so the algebra gives up (`undefined`) and the caller falls
 * back to confirming every subject with check.
 */
import { ELLIPSIS, type ObjectRef } from '../../model/index.ts';
import type { ExprIR } from '../../schema/ir.ts';
import type { SnapshotReader } from '../../store/types.ts';
import { assertTime, type Budget } from './budget.ts';
import { forwardCollect } from './forward-walk.ts';
import {
  addMember,
  intersectMembers,
  type Members,
  needsSetAlgebra,
  subtractMembers,
  unionMembers,
} from './members.ts';
import { EXACT, type SchemaGraph } from './schema-graph.ts';

/** Internal signal: a part found `*`, so "unlisted means denied" no longer holds. */
class HasWildcard extends Error {}

/** True when the algebra can do better than one forward walk (see `needsSetAlgebra`). */
export function worthSetAlgebra(graph: SchemaGraph, type: string, name: string): boolean {
  return needsSetAlgebra(graph, type, name);
}

/**
 * Subjects `subjectType:id[#subjectRelation]` of `resource#name` with exactness, or `undefined`
 * when a wildcard is involved. Throws `OutOfTime` when the budget runs out.
 */
export async function subjectMembers(
  reader: SnapshotReader,
  graph: SchemaGraph,
  resource: ObjectRef,
  name: string,
  subjectType: string,
  subjectRelation: string,
  budget: Budget,
): Promise<Members | undefined> {
  const memo = new Map<string, Promise<Members>>();
  const node = (t: string, id: string, n: string): Promise<Members> => {
    const key = `${t}:${id}#${n}`;
    let p = memo.get(key);
    if (!p) {
      p = evalNode(t, id, n);
      memo.set(key, p);
    }
    return p;
  };

  const evalNode = async (t: string, id: string, n: string): Promise<Members> => {
    assertTime(budget);
    let out: Members;
    if (worthSetAlgebra(graph, t, n)) {
      const perm = graph.schema.definitions[t]?.permissions[n];
      out = await evalExpr(t, id, perm?.expr ?? { kind: 'nil' });
    } else {
      const found = await forwardCollect(
        reader,
        graph,
        { type: t, id },
        n,
        { subjectType, subjectRelation, includeNegative: false },
        budget,
      );
      if (found.has('*')) throw new HasWildcard();
      out = new Map([...found].map(([sid, s]) => [sid, s === EXACT]));
    }
    // Identity rule: `t:id#n` always has itself as a subject.
    if (t === subjectType && n === subjectRelation) out.set(id, true);
    return out;
  };

  const evalExpr = async (t: string, id: string, e: ExprIR): Promise<Members> => {
    switch (e.kind) {
      case 'nil':
        return new Map();
      case 'self':
        return t === subjectType && subjectRelation === ELLIPSIS
          ? new Map([[id, true]])
          : new Map();
      case 'ref':
        return new Map(await node(t, id, e.name));
      case 'union':
        return unionMembers(await Promise.all(e.children.map((c) => evalExpr(t, id, c))));
      case 'intersection':
        return intersectMembers(await Promise.all(e.children.map((c) => evalExpr(t, id, c))));
      case 'exclusion': {
        const [base, sub] = await Promise.all([
          evalExpr(t, id, e.base),
          evalExpr(t, id, e.subtract),
        ]);
        return subtractMembers(base, sub);
      }
      case 'arrow': {
        const tuples = await reader.query({
          resourceType: t,
          resourceIds: [id],
          relation: e.tupleset,
        });
        const parts = await Promise.all(
          tuples
            .filter((tu) => graph.hasNode(tu.subject.type, e.computed))
            .map(async (tu) => ({
              tu,
              members: await node(tu.subject.type, tu.subject.id, e.computed),
            })),
        );
        // `.any`: union of the walked objects' subjects; `.all`: the same ids, all candidates.
        const out: Members = new Map();
        for (const { tu, members } of parts) {
          for (const [sid, exact] of members)
            addMember(out, sid, exact && e.mode === 'any' && !tu.caveat);
        }
        return out;
      }
    }
  };

  try {
    return await node(resource.type, resource.id, name);
  } catch (err) {
    if (err instanceof HasWildcard) return undefined;
    throw err;
  }
}
