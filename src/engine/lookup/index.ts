/**
 * @module engine/lookup
 * The reverse queries of Clove, answered at one snapshot with the same semantics as check:
 * `lookupResources` / `streamLookupResources` (which objects may this subject reach?),
 * `lookupSubjects` (who may reach this object, wildcards and exclusions included) and `permissionsOf`
 * (every relation and permission of one object for one subject, sharing sub-problems).
 * Exact answers come from walks over the schema graph; whatever a plain union path cannot prove
 * (intersections, exclusions, `.all`, caveats) is confirmed with the check engine, which makes
 * "r ∈ lookup ⇔ check allows" hold by construction. A store may serve the optional ordered reads
 * (`OrderedSnapshotReader`) so that a page of lookupResources reads about a page of tuples on its
 * last hop. See docs/lookups.md.
 */
export { lookupResources, streamLookupResources, compareIds } from './lookup-resources.ts';
export { lookupSubjects } from './lookup-subjects.ts';
export { permissionsOf } from './permissions-of.ts';
export { schemaGraph } from './schema-graph.ts';
export { hasOrderedQuery } from './types.ts';
export type { SchemaGraph } from './schema-graph.ts';
export type {
  ExcludedSubject,
  LookupContext,
  LookupEngine,
  LookupResourcesRequest,
  LookupResourcesResponse,
  LookupResult,
  LookupStreamSummary,
  LookupSubjectsRequest,
  LookupSubjectsResponse,
  OrderedPage,
  OrderedSnapshotReader,
  PermissionsOfRequest,
  RequestContext,
  SubjectResult,
  Truncation,
} from './types.ts';
