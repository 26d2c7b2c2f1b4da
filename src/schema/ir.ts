/**
 * The compiled schema: plain JSON, persisted by the store with its revision and read by the engine.
 * Produced only by the compiler from a schema that checked without errors, so consumers may rely on
 * every reference resolving. `hash` is a stable content hash of the semantic content (doc comments
 * excluded): the schema version carried in cache keys and zookies.
 */

export interface SchemaIR {
  readonly format: 1;
  /** Hex content hash of everything below except `docs`; equal schemas hash equally. */
  readonly hash: string;
  readonly definitions: Readonly<Record<string, DefinitionIR>>;
  readonly caveats: Readonly<Record<string, CaveatIR>>;
  /** `use` flags present in the source (`expiration`, `self`, `typechecking`). */
  readonly uses: readonly string[];
}

export interface DefinitionIR {
  readonly name: string;
  readonly relations: Readonly<Record<string, RelationIR>>;
  readonly permissions: Readonly<Record<string, PermissionIR>>;
  readonly doc?: string;
}

/** A stored relation and the subject types it admits. */
export interface RelationIR {
  readonly name: string;
  readonly allowed: readonly AllowedSubjectIR[];
  readonly doc?: string;
}

/**
 * One admitted subject type of a relation: `user` (relation "..."), `group#member`,
 * `user:*` (wildcard), each optionally `with caveat` and/or `with expiration`.
 */
export interface AllowedSubjectIR {
  readonly type: string;
  /** "..." for the object itself, else the subject relation (`group#member`). */
  readonly relation: string;
  readonly wildcard: boolean;
  readonly caveat?: string;
  readonly expiration: boolean;
}

export interface PermissionIR {
  readonly name: string;
  readonly expr: ExprIR;
  readonly doc?: string;
}

/**
 * A permission expression. `ref` names a relation or permission of the same definition; `arrow`
 * walks every tuple of relation `tupleset` on the resource and evaluates `computed` on each subject
 * object (ignoring the subject relation): `any` needs one, `all` needs every one (none → false).
 */
export type ExprIR =
  | { readonly kind: 'ref'; readonly name: string }
  | { readonly kind: 'nil' }
  | { readonly kind: 'self' }
  | { readonly kind: 'union'; readonly children: readonly ExprIR[] }
  | { readonly kind: 'intersection'; readonly children: readonly ExprIR[] }
  | { readonly kind: 'exclusion'; readonly base: ExprIR; readonly subtract: ExprIR }
  | {
      readonly kind: 'arrow';
      readonly tupleset: string;
      readonly computed: string;
      readonly mode: 'any' | 'all';
    };

/** A caveat: named, typed parameters and a CEL expression over them that must yield bool. */
export interface CaveatIR {
  readonly name: string;
  /** Parameter name → CEL type as written in the schema (`int`, `list<string>`, `map<int>`, …). */
  readonly params: Readonly<Record<string, string>>;
  readonly expression: string;
  readonly doc?: string;
}
