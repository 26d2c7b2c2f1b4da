/**
 * The catalogue of schema diagnostic codes: stable snake_case strings that tests, tools and API
 * clients match on (documented in docs/schema-language.md § Diagnostics). Never rename a code;
 * add a new one. `stage` says which step reports it: `syntax` codes make compileSchema throw
 * `schema_syntax_error`, `semantic` errors make it throw `schema_invalid`, warnings never throw.
 */
export const SCHEMA_DIAGNOSTIC_CODES = {
  // lexer and parser
  unexpected_token: { stage: 'syntax', summary: 'a token that does not fit the grammar here' },
  expected_statement_end: {
    stage: 'syntax',
    summary: 'a relation or permission not ended by a newline or `;`',
  },
  invalid_character: { stage: 'syntax', summary: 'a character that is not part of the language' },
  unterminated_comment: { stage: 'syntax', summary: 'a `/*` comment without `*/`' },
  unterminated_caveat_body: { stage: 'syntax', summary: 'a caveat body without its closing `}`' },
  expression_too_complex: {
    stage: 'syntax',
    summary: 'a permission expression with over 1000 operators or 100 nested parentheses',
  },
  // names and duplicates
  invalid_name: { stage: 'semantic', summary: 'a name that breaks SpiceDB identifier rules' },
  duplicate_definition: { stage: 'semantic', summary: 'a definition name declared twice' },
  duplicate_caveat: { stage: 'semantic', summary: 'a caveat name declared twice' },
  duplicate_relation: {
    stage: 'semantic',
    summary: 'a relation or permission declared twice in one definition',
  },
  relation_permission_conflict: {
    stage: 'semantic',
    summary: 'one name declared as a relation and a permission',
  },
  duplicate_subject_type: {
    stage: 'semantic',
    summary: 'the same subject type listed twice on a relation',
  },
  duplicate_parameter: { stage: 'semantic', summary: 'a caveat parameter declared twice' },
  duplicate_use: { stage: 'warning', summary: 'the same `use` flag given twice' },
  // references and flags
  unknown_definition: { stage: 'semantic', summary: 'a subject type naming no definition' },
  unknown_relation: {
    stage: 'semantic',
    summary: 'a name that is no relation or permission where one is needed',
  },
  unknown_caveat: { stage: 'semantic', summary: '`with` naming no caveat' },
  unknown_use_flag: {
    stage: 'semantic',
    summary: '`use` with a flag other than expiration, self, typechecking',
  },
  misplaced_use: { stage: 'semantic', summary: '`use` after a definition or caveat' },
  expiration_not_enabled: {
    stage: 'semantic',
    summary: '`with expiration` without `use expiration`',
  },
  self_not_enabled: { stage: 'semantic', summary: '`self` without `use self`' },
  // arrows and cycles
  nested_arrow: { stage: 'semantic', summary: 'an arrow whose left side is itself an arrow' },
  arrow_left_not_relation: {
    stage: 'semantic',
    summary: 'an arrow walking a permission instead of a relation',
  },
  wildcard_in_arrow: {
    stage: 'semantic',
    summary: 'an arrow walking a relation that admits a wildcard',
  },
  arrow_target_missing: {
    stage: 'warning',
    summary: 'an arrow target found on no subject type of the walked relation',
  },
  permission_cycle: {
    stage: 'semantic',
    summary: 'a permission that can only be satisfied by itself',
  },
  // caveats
  invalid_caveat_type: { stage: 'semantic', summary: 'an unsupported caveat parameter type' },
  empty_caveat: { stage: 'semantic', summary: 'a caveat with an empty expression' },
  unused_caveat_parameter: {
    stage: 'semantic',
    summary: 'a caveat parameter the expression never reads',
  },
  cel_syntax_error: { stage: 'semantic', summary: 'a caveat body that is not valid CEL' },
  cel_type_error: { stage: 'semantic', summary: 'a caveat body that does not type-check as bool' },
} as const satisfies Record<string, { stage: 'syntax' | 'semantic' | 'warning'; summary: string }>;

/** Every schema diagnostic code. */
export type SchemaDiagnosticCode = keyof typeof SCHEMA_DIAGNOSTIC_CODES;
