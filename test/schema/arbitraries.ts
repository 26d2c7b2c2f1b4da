/**
 * fast-check arbitraries for schema ASTs (spans are dummies: comparisons strip them). The ASTs are
 * consistent with what the parser produces: `doc` mirrors the last doc comment, `spaced` appears
 * only on members after the first, names avoid keywords.
 */
import { fc } from '@fast-check/vitest';
import type {
  CaveatDecl,
  CelTypeNode,
  Commented,
  DefinitionDecl,
  Expr,
  MemberDecl,
  NameNode,
  SchemaAST,
  TopItem,
  TypeRef,
} from '../../src/schema/index.ts';
import { cleanDoc } from '../../src/schema/parser.ts';

const POS = { line: 1, column: 1, offset: 0 };
const SPAN = { start: POS, end: POS };
const name = (text: string): NameNode => ({ text, span: SPAN });

const REL_NAMES = ['viewer', 'editor', 'owner', 'parent', 'member', 'can_view', 'r_2x', 'abc'];
const TYPE_NAMES = ['user', 'group', 'document', 'org/team/user', 'a_b/c_d/e_f'];
const CAVEAT_NAMES = ['is_ok', 'on_tuesday', 'org/ip_allowlist'];
const COMMENTS = ['// note', '/** Doc text. */', '/* block */', '/**\n * Multi\n * line.\n */'];

const relName = fc.constantFrom(...REL_NAMES);

const comments: fc.Arbitrary<Commented> = fc
  .record({
    comments: fc.array(fc.constantFrom(...COMMENTS), { maxLength: 2 }),
    trailing: fc.option(fc.constant('// tail'), { nil: undefined }),
  })
  .map(({ comments, trailing }) => {
    const c: Commented = { comments };
    if (trailing) c.trailing = trailing;
    const last = comments[comments.length - 1];
    if (last?.startsWith('/**')) c.doc = cleanDoc(last);
    return c;
  });

/** Permission expressions of bounded depth (arrows may have any left operand). */
export const exprArb: fc.Arbitrary<Expr> = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    relName.map((n): Expr => ({ kind: 'ref', name: n, span: SPAN })),
    fc.constant<Expr>({ kind: 'nil', span: SPAN }),
    fc.constant<Expr>({ kind: 'self', span: SPAN }),
    fc
      .record({
        kind: fc.constantFrom('union', 'intersection', 'exclusion') as fc.Arbitrary<
          'union' | 'intersection' | 'exclusion'
        >,
        left: tie('expr'),
        right: tie('expr'),
      })
      .map((r): Expr => ({ ...r, span: SPAN })),
    fc
      .record({
        mode: fc.constantFrom('arrow', 'any', 'all') as fc.Arbitrary<'arrow' | 'any' | 'all'>,
        // Only an identifier (or an arrow chain starting at one) can start an arrow.
        left: fc.oneof(
          relName.map((n): Expr => ({ kind: 'ref', name: n, span: SPAN })),
          tie('expr').filter((e) => e.kind === 'arrow'),
        ),
        target: relName,
      })
      .map(
        (r): Expr => ({
          kind: 'arrow',
          mode: r.mode,
          left: r.left,
          target: name(r.target),
          span: SPAN,
        }),
      ),
  ),
})).expr;

const typeRef: fc.Arbitrary<TypeRef> = fc
  .record({
    type: fc.constantFrom(...TYPE_NAMES),
    form: fc.constantFrom('plain', 'rel', 'wild'),
    rel: relName,
    caveat: fc.option(fc.constantFrom(...CAVEAT_NAMES), { nil: undefined }),
    expiration: fc.boolean(),
  })
  .map((r) => {
    const t: TypeRef = {
      kind: 'typeRef',
      type: name(r.type),
      wildcard: r.form === 'wild',
      span: SPAN,
    };
    if (r.form === 'rel') t.relation = name(r.rel);
    if (r.caveat) t.caveat = name(r.caveat);
    if (r.expiration) t.expiration = SPAN;
    return t;
  });

const member: fc.Arbitrary<MemberDecl> = fc.oneof(
  fc
    .record({ c: comments, n: relName, types: fc.array(typeRef, { minLength: 1, maxLength: 3 }) })
    .map(
      ({ c, n, types }): MemberDecl => ({
        kind: 'relation',
        name: name(n),
        types,
        span: SPAN,
        ...c,
      }),
    ),
  fc.record({ c: comments, n: relName, expr: exprArb }).map(
    ({ c, n, expr }): MemberDecl => ({
      kind: 'permission',
      name: name(n),
      expr,
      span: SPAN,
      ...c,
    }),
  ),
);

const definition: fc.Arbitrary<DefinitionDecl> = fc
  .record({
    c: comments,
    n: fc.constantFrom(...TYPE_NAMES),
    members: fc.array(fc.record({ m: member, spaced: fc.boolean() }), { maxLength: 4 }),
    endComments: fc.array(fc.constant('// end'), { maxLength: 1 }),
  })
  .map(({ c, n, members, endComments }) => ({
    kind: 'definition' as const,
    name: name(n),
    members: members.map(({ m, spaced }, i) => (i > 0 && spaced ? { ...m, spaced: true } : m)),
    endComments,
    span: SPAN,
    ...c,
  }));

const celType: fc.Arbitrary<CelTypeNode> = fc.constantFrom<CelTypeNode>(
  { name: 'int', args: [], span: SPAN },
  { name: 'list', args: [{ name: 'string', args: [], span: SPAN }], span: SPAN },
  {
    name: 'map',
    args: [{ name: 'list', args: [{ name: 'int', args: [], span: SPAN }], span: SPAN }],
    span: SPAN,
  },
);

const caveat: fc.Arbitrary<CaveatDecl> = fc
  .record({
    c: comments,
    n: fc.constantFrom(...CAVEAT_NAMES),
    params: fc.array(fc.record({ p: fc.constantFrom('aaa', 'bbb', 'ip'), t: celType }), {
      maxLength: 3,
    }),
    expression: fc.constantFrom(
      'aaa == 1',
      "bbb == 'x' && {'k': 1}['k'] == 1",
      'aaa &&\n\tbbb ||\n\t\tccc',
      'x in [1, 2]',
    ),
  })
  .map(({ c, n, params, expression }) => ({
    kind: 'caveat' as const,
    name: name(n),
    params: params.map(({ p, t }) => ({ name: name(p), type: t, span: SPAN })),
    expression,
    expressionSpan: SPAN,
    span: SPAN,
    ...c,
  }));

const useDecl: fc.Arbitrary<TopItem> = fc
  .record({ c: comments, n: fc.constantFrom('expiration', 'self', 'typechecking') })
  .map(({ c, n }) => ({ kind: 'use' as const, name: name(n), span: SPAN, ...c }));

/** Whole schemas: `use self`, then any mix of `use`, definitions and caveats, plus end comments. */
export const schemaArb: fc.Arbitrary<SchemaAST> = fc
  .record({
    items: fc.array(fc.oneof(definition, caveat, useDecl), { maxLength: 5 }),
    endComments: fc.array(fc.constant('// eof'), { maxLength: 1 }),
  })
  .map(({ items, endComments }) => ({
    kind: 'schema' as const,
    // `self` is a keyword only after `use self`, so every generated schema starts with it.
    items: [{ kind: 'use' as const, name: name('self'), span: SPAN, comments: [] }, ...items],
    endComments,
    span: SPAN,
  }));
