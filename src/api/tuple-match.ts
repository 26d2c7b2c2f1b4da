/** Whether a tuple matches a filter: used where the API filters a stream itself (export, watch). */
import type { Tuple } from '../model/index.ts';
import type { TupleFilter } from '../store/index.ts';

export function tupleMatches(t: Tuple, f: TupleFilter): boolean {
  return (
    t.resource.type === f.resourceType &&
    (f.resourceId === undefined || t.resource.id === f.resourceId) &&
    (f.relation === undefined || t.relation === f.relation) &&
    (f.subjectType === undefined || t.subject.type === f.subjectType) &&
    (f.subjectId === undefined || t.subject.id === f.subjectId) &&
    (f.subjectRelation === undefined || t.subject.relation === f.subjectRelation)
  );
}
