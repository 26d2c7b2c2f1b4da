/**
 * lookupSubjects: every subject of a type that has a permission on one resource, including a
 * wildcard result (`*` minus the excluded subjects) and conditional results. Subjects proven by a pure
 * union path are allowed outright; every other one is confirmed with the check engine. The wildcard's
 * own answer is the check of an id the walk never met (all such ids behave alike), and its exclusions
 * are the met ids that fare worse than it.
 */
import { ELLIPSIS } from '../../model/index.ts';
import { Budget, isOutOfTime } from './budget.ts';
import { walkReader } from './cached-reads.ts';
import { confirmAll } from './confirm.ts';
import { forwardCollect, type FoundSubjects } from './forward-walk.ts';
import { EXACT, POSITIVE, schemaGraph } from './schema-graph.ts';
import { subjectMembers, worthSetAlgebra } from './subject-sets.ts';
import type {
  CheckResult,
  ExcludedSubject,
  LookupContext,
  LookupEngine,
  LookupSubjectsRequest,
  LookupSubjectsResponse,
  SubjectResult,
} from './types.ts';
import { assertNode, mustDefinition, normaliseLimit } from './validate.ts';

const RANK = { denied: 0, conditional: 1, allowed: 2 } as const;
const ALLOWED: CheckResult = { permissionship: 'allowed' };

/** Collects the subjects, sorted by id ("*" first), cut to `limit` with `truncated: limit` when cut. */
export async function lookupSubjects(
  engine: LookupEngine,
  ctx: LookupContext,
  req: LookupSubjectsRequest,
): Promise<LookupSubjectsResponse> {
  assertNode(mustDefinition(ctx.schema, req.resource.type), req.permission);
  const subjectDef = mustDefinition(ctx.schema, req.subjectType);
  const subjectRelation = req.subjectRelation ?? ELLIPSIS;
  if (subjectRelation !== ELLIPSIS) assertNode(subjectDef, subjectRelation);
  const limit = normaliseLimit(req.limit);
  const budget = new Budget(ctx);
  const graph = schemaGraph(ctx.schema);
  const reader = walkReader(engine.reads, ctx);
  const walk = (includeNegative: boolean): Promise<FoundSubjects> =>
    forwardCollect(
      reader,
      graph,
      req.resource,
      req.permission,
      {
        subjectType: req.subjectType,
        subjectRelation,
        includeNegative,
      },
      budget,
    );

  let found: FoundSubjects;
  try {
    // `&`, `-`, `.all` without wildcards: decide most subjects by set algebra over the parts.
    const members = worthSetAlgebra(graph, req.resource.type, req.permission)
      ? await subjectMembers(
          reader,
          graph,
          req.resource,
          req.permission,
          req.subjectType,
          subjectRelation,
          budget,
        )
      : undefined;
    found = members
      ? new Map([...members].map(([id, exact]) => [id, exact ? EXACT : POSITIVE]))
      : await walk(false);
    // A wildcard that is not surely allowed needs its exclusions: walk the subtracted sides too.
    if (found.has('*') && found.get('*') !== EXACT) found = await walk(true);
  } catch (err) {
    if (isOutOfTime(err)) return { subjects: [], truncated: { reason: 'deadline' } };
    throw err;
  }

  const wildcard = found.get('*');
  // Native sort: UTF-16 code-unit order, as compareIds. "*" sorts before every id character.
  const concrete = [...found.keys()].filter((id) => id !== '*').sort();
  const subjects: SubjectResult[] = [];
  let timedOut = false;

  if (wildcard === EXACT) {
    // A pure union path admits every subject: nothing can exclude anyone, no check is needed.
    subjects.push({ subjectId: '*', permissionship: 'allowed' });
    for (const id of concrete) subjects.push({ subjectId: id, permissionship: 'allowed' });
  } else {
    const request = (id: string) => ({
      resource: req.resource,
      permission: req.permission,
      subject: { type: req.subjectType, id, relation: subjectRelation },
      ...(req.context ? { context: req.context } : {}),
    });
    const results = new Map<string, CheckResult | undefined>();
    // Exact subjects are proven by a union path; everything else is decided by check, the arbiter
    // of the cross-API law. Concrete ids met only on subtracted sides are checked too: they are the
    // wildcard's possible exclusions.
    const toCheck = concrete.filter((id) => found.get(id) !== EXACT);
    // The wildcard's own answer rides in the same batch: an id the walk never met.
    const unmet = wildcard === undefined ? undefined : unmetId(found);
    const asked = unmet === undefined ? toCheck : [...toCheck, unmet];
    const checked = budget.expired() ? [] : await confirmAll(engine, ctx, asked.map(request));
    for (const [i, id] of toCheck.entries()) results.set(id, checked[i]);
    for (const id of concrete) {
      if (found.get(id) === EXACT) {
        subjects.push({ subjectId: id, permissionship: 'allowed' });
        continue;
      }
      const r = results.get(id);
      if (r === undefined) timedOut = true;
      else if (r.permissionship !== 'denied') subjects.push(toSubject(id, r));
    }
    if (unmet !== undefined) {
      const w = checked[toCheck.length];
      // Without every exclusion decided, a wildcard would over-grant: leave it out and say so.
      if (w === undefined || timedOut) timedOut = true;
      else if (w.permissionship !== 'denied') {
        const excluded: ExcludedSubject[] = [];
        for (const id of concrete) {
          const r: CheckResult =
            found.get(id) === EXACT ? ALLOWED : (results.get(id) as CheckResult);
          if (RANK[r.permissionship] >= RANK[w.permissionship]) continue;
          excluded.push({
            subjectId: id,
            permissionship: r.permissionship === 'denied' ? 'allowed' : 'conditional',
          });
        }
        subjects.unshift({
          ...toSubject('*', w),
          ...(excluded.length > 0 ? { excludedSubjects: excluded } : {}),
        });
      }
    }
  }

  if (subjects.length > limit)
    return { subjects: subjects.slice(0, limit), truncated: { reason: 'limit' } };
  return timedOut ? { subjects, truncated: { reason: 'deadline' } } : { subjects };
}

function toSubject(id: string, r: CheckResult): SubjectResult {
  return r.permissionship === 'conditional'
    ? { subjectId: id, permissionship: 'conditional', missingParams: [...(r.missingParams ?? [])] }
    : { subjectId: id, permissionship: 'allowed' };
}

/** An id the walk never met: it stands for every subject that only a wildcard can reach. */
function unmetId(found: FoundSubjects): string {
  let n = 0;
  while (found.has(`clove-unmet-${n}`)) n++;
  return `clove-unmet-${n}`;
}
