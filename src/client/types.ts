/**
 * The JSON shapes of Clove's HTTP API (SpiceDB's v1 gateway shapes plus Clove's extensions), written
 * out by hand so the client has no dependency on the server's code or on zod.
 */

export interface ObjectReference {
  objectType: string;
  objectId: string;
}
export interface SubjectReference {
  object: ObjectReference;
  optionalRelation?: string;
}
export interface ZedToken {
  /** A zookie. */
  token: string;
}
export interface Cursor {
  token: string;
}
export type Consistency =
  | { minimizeLatency: true }
  | { atLeastAsFresh: ZedToken }
  | { atExactSnapshot: ZedToken }
  | { fullyConsistent: true };

export type Struct = Record<string, unknown>;

export interface Relationship {
  resource: ObjectReference;
  relation: string;
  subject: SubjectReference;
  optionalCaveat?: { caveatName: string; context?: Struct };
  /** RFC 3339. */
  optionalExpiresAt?: string;
}
export interface RelationshipFilter {
  resourceType: string;
  optionalResourceId?: string;
  optionalRelation?: string;
  optionalSubjectFilter?: {
    subjectType: string;
    optionalSubjectId?: string;
    optionalRelation?: { relation: string };
  };
}
export interface Precondition {
  operation: 'OPERATION_MUST_MATCH' | 'OPERATION_MUST_NOT_MATCH';
  filter: RelationshipFilter;
}
export type Permissionship =
  | 'PERMISSIONSHIP_NO_PERMISSION'
  | 'PERMISSIONSHIP_HAS_PERMISSION'
  | 'PERMISSIONSHIP_CONDITIONAL_PERMISSION';
export type LookupPermissionship =
  | 'LOOKUP_PERMISSIONSHIP_HAS_PERMISSION'
  | 'LOOKUP_PERMISSIONSHIP_CONDITIONAL_PERMISSION';
export interface PartialCaveatInfo {
  missingRequiredContext: string[];
}

export interface CheckPermissionRequest {
  consistency?: Consistency;
  resource: ObjectReference;
  permission: string;
  subject: SubjectReference;
  context?: Struct;
  withTracing?: boolean;
  /** Clove: return the proof. */
  explain?: boolean;
}
export interface CheckPermissionResponse {
  checkedAt: ZedToken;
  permissionship: Permissionship;
  partialCaveatInfo?: PartialCaveatInfo;
  explanation?: { text: string; proof: unknown };
}
export interface CheckBulkPermissionsRequestItem {
  resource: ObjectReference;
  permission: string;
  subject: SubjectReference;
  context?: Struct;
}
export interface CheckBulkPermissionsRequest {
  consistency?: Consistency;
  items: CheckBulkPermissionsRequestItem[];
}
export interface CheckBulkPermissionsResponse {
  checkedAt: ZedToken;
  pairs: {
    request: CheckBulkPermissionsRequestItem;
    item?: { permissionship: Permissionship; partialCaveatInfo?: PartialCaveatInfo };
    error?: { code: string; message: string; details?: unknown };
  }[];
}
export interface ExpandPermissionTreeRequest {
  consistency?: Consistency;
  resource: ObjectReference;
  permission: string;
}
export interface PermissionRelationshipTree {
  intermediate?: {
    operation: 'OPERATION_UNION' | 'OPERATION_INTERSECTION' | 'OPERATION_EXCLUSION';
    children: PermissionRelationshipTree[];
  };
  leaf?: { subjects: SubjectReference[] };
  expandedObject: ObjectReference;
  expandedRelation: string;
}
export interface ExpandPermissionTreeResponse {
  expandedAt: ZedToken;
  treeRoot: PermissionRelationshipTree;
}
export interface LookupResourcesRequest {
  consistency?: Consistency;
  resourceObjectType: string;
  permission: string;
  subject: SubjectReference;
  context?: Struct;
  optionalLimit?: number;
  optionalCursor?: Cursor;
}
export interface LookupResourcesResponse {
  lookedUpAt: ZedToken;
  resourceObjectId: string;
  permissionship: LookupPermissionship;
  partialCaveatInfo?: PartialCaveatInfo;
  afterResultCursor?: Cursor;
}
export interface LookupSubjectsRequest {
  consistency?: Consistency;
  resource: ObjectReference;
  permission: string;
  subjectObjectType: string;
  optionalSubjectRelation?: string;
  context?: Struct;
  optionalConcreteLimit?: number;
  wildcardOption?:
    | 'WILDCARD_OPTION_UNSPECIFIED'
    | 'WILDCARD_OPTION_INCLUDE_WILDCARDS'
    | 'WILDCARD_OPTION_EXCLUDE_WILDCARDS';
}
export interface ResolvedSubject {
  subjectObjectId: string;
  permissionship: LookupPermissionship;
  partialCaveatInfo?: PartialCaveatInfo;
}
export interface LookupSubjectsResponse {
  lookedUpAt: ZedToken;
  subjectObjectId: string;
  excludedSubjectIds: string[];
  permissionship: LookupPermissionship;
  partialCaveatInfo?: PartialCaveatInfo;
  subject: ResolvedSubject;
  excludedSubjects: ResolvedSubject[];
}
export interface PermissionsOfRequest {
  consistency?: Consistency;
  resource: ObjectReference;
  subject: SubjectReference;
  context?: Struct;
}
export interface PermissionsOfResponse {
  checkedAt: ZedToken;
  permissions: {
    name: string;
    kind: 'relation' | 'permission';
    permissionship: Permissionship;
    partialCaveatInfo?: PartialCaveatInfo;
  }[];
}
export interface ReadRelationshipsRequest {
  consistency?: Consistency;
  relationshipFilter: RelationshipFilter;
  optionalLimit?: number;
  optionalCursor?: Cursor;
}
export interface ReadRelationshipsResponse {
  readAt: ZedToken;
  relationship: Relationship;
  afterResultCursor?: Cursor;
  /** Metadata of the write that created this relationship (Clove extension); absent when it had none. */
  optionalTransactionMetadata?: Struct;
}
export interface RelationshipUpdate {
  operation: 'OPERATION_CREATE' | 'OPERATION_TOUCH' | 'OPERATION_DELETE';
  relationship: Relationship;
}
export interface WriteRelationshipsRequest {
  updates: RelationshipUpdate[];
  optionalPreconditions?: Precondition[];
  optionalTransactionMetadata?: Struct;
}
export interface WriteRelationshipsResponse {
  writtenAt: ZedToken;
}
export interface DeleteRelationshipsRequest {
  relationshipFilter: RelationshipFilter;
  optionalPreconditions?: Precondition[];
  optionalLimit?: number;
  optionalAllowPartialDeletions?: boolean;
  optionalTransactionMetadata?: Struct;
}
export interface DeleteRelationshipsResponse {
  deletedAt: ZedToken;
  deletionProgress: 'DELETION_PROGRESS_COMPLETE' | 'DELETION_PROGRESS_PARTIAL';
  relationshipsDeletedCount: string;
}
export interface ReadSchemaResponse {
  schemaText: string;
  readAt: ZedToken;
}
export interface WriteSchemaResponse {
  writtenAt: ZedToken;
  dryRun?: boolean;
}
export interface WatchRequest {
  optionalObjectTypes?: string[];
  optionalStartCursor?: ZedToken;
  optionalRelationshipFilters?: RelationshipFilter[];
}
export interface WatchResponse {
  updates: { operation: 'OPERATION_TOUCH' | 'OPERATION_DELETE'; relationship: Relationship }[];
  changesThrough: ZedToken;
  optionalTransactionMetadata?: Struct;
  isCheckpoint?: boolean;
}
export interface ImportResponse {
  numLoaded: string;
  writtenAt: ZedToken;
}
/** The body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}
