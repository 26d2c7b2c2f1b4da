/**
 * Schemas on the edges of the language, each run through Clove and real SpiceDB by
 * spicedb-differential.test.ts: both must accept or both must reject. `note` says why the case is
 * interesting. Cases are small and hand-written (no copies of SpiceDB's fixtures).
 */
export interface DiffCase {
  name: string;
  schema: string;
  note?: string;
}

const U = 'definition user {}\n';

export const DIFF_CASES: DiffCase[] = [
  { name: 'empty definition', schema: U },
  {
    name: 'folded top level',
    schema: 'definition user {} definition thing {\n\trelation owner: user\n}',
  },
  { name: 'use then definition on one line', schema: 'use expiration definition user {}' },
  {
    name: 'all subject forms',
    schema: `use expiration\n${U}caveat is_ok(aaa int) {\n\taaa == 1\n}\ndefinition group {\n\trelation member: user | group#member | user:* | user with is_ok | user with expiration | user:* with is_ok and expiration\n}`,
  },
  {
    name: 'statement end before brace',
    schema: `${U}definition doc {\n\trelation viewer: user }`,
    note: 'SpiceDB needs a newline',
  },
  {
    name: 'semicolons',
    schema: `${U}definition doc {\n\trelation viewer: user; permission view = viewer;\n}`,
  },
  { name: 'two-char relation', schema: `${U}definition doc {\n\trelation vi: user\n}` },
  { name: 'three-char relation', schema: `${U}definition doc {\n\trelation vie: user\n}` },
  { name: 'two-char definition', schema: 'definition ab {}' },
  { name: 'upper-case definition', schema: 'definition User {}' },
  {
    name: 'trailing underscore relation',
    schema: `${U}definition doc {\n\trelation abc_: user\n}`,
  },
  {
    name: 'prefixed names',
    schema: 'definition org/team/user {}\ndefinition org/doc {\n\trelation owner: org/team/user\n}',
  },
  { name: 'one-char prefix segment', schema: 'definition o/user {}' },
  { name: 'unknown type', schema: `${U}definition doc {\n\trelation viewer: usr\n}` },
  {
    name: 'unknown subject relation',
    schema: `${U}definition doc {\n\trelation viewer: doc#nothing\n}`,
  },
  {
    name: 'unknown caveat',
    schema: `${U}definition doc {\n\trelation viewer: user with nope_cav\n}`,
  },
  {
    name: 'unknown expression ref',
    schema: `${U}definition doc {\n\trelation viewer: user\n\tpermission view = viewr\n}`,
  },
  { name: 'duplicate definition', schema: `${U}${U}` },
  {
    name: 'duplicate relation',
    schema: `${U}definition doc {\n\trelation viewer: user\n\trelation viewer: user\n}`,
  },
  {
    name: 'relation and permission clash',
    schema: `${U}definition doc {\n\trelation viewer: user\n\tpermission viewer = nil\n}`,
  },
  {
    name: 'duplicate subject type',
    schema: `${U}definition doc {\n\trelation viewer: user | user\n}`,
  },
  {
    name: 'duplicate caveat',
    schema: 'caveat is_ok(aaa int) {\n\taaa == 1\n}\ncaveat is_ok(aaa int) {\n\taaa == 2\n}',
  },
  {
    name: 'arrow ok',
    schema: `${U}definition doc {\n\trelation parent: doc\n\trelation viewer: user\n\tpermission view = viewer + parent->view\n}`,
  },
  {
    name: 'nested arrow',
    schema: `${U}definition doc {\n\trelation parent: doc\n\tpermission view = parent->parent->view\n}`,
  },
  {
    name: 'arrow from permission',
    schema: `${U}definition doc {\n\trelation viewer: user\n\tpermission ppp = viewer\n\tpermission view = ppp->view\n}`,
  },
  {
    name: 'arrow over wildcard',
    schema: `${U}definition doc {\n\trelation pub: user:*\n\tpermission view = pub->view\n}`,
  },
  {
    name: 'arrow target missing everywhere',
    schema: `${U}definition doc {\n\trelation owner: user\n\tpermission view = owner->nothing\n}`,
    note: 'Clove: warning only',
  },
  {
    name: 'arrow any/all',
    schema: `${U}definition doc {\n\trelation parent: doc\n\trelation viewer: user\n\tpermission view = viewer + parent.any(view) + parent.all(view)\n}`,
  },
  {
    name: 'arrow from parenthesised',
    schema: `${U}definition doc {\n\trelation parent: doc\n\tpermission view = (parent)->view\n}`,
  },
  {
    name: 'self-referencing permission',
    schema: `${U}definition doc {\n\tpermission view = view\n}`,
  },
  {
    name: 'mutual recursion',
    schema: `${U}definition doc {\n\tpermission aaa = bbb\n\tpermission bbb = aaa\n}`,
  },
  {
    name: 'recursion with base',
    schema: `${U}definition doc {\n\trelation viewer: user\n\tpermission view = viewer + view\n}`,
  },
  {
    name: 'nil and parens',
    schema: `${U}definition doc {\n\trelation viewer: user\n\tpermission view = (viewer - nil) & (nil + viewer)\n}`,
  },
  {
    name: 'self with use self',
    schema:
      'use self\ndefinition user {\n\trelation friend: user\n\tpermission me_or_friend = friend + self\n}',
  },
  {
    name: 'self without use self',
    schema:
      'definition user {\n\trelation friend: user\n\tpermission me_or_friend = friend + self\n}',
  },
  {
    name: 'expiration without use',
    schema: `${U}definition doc {\n\trelation viewer: user with expiration\n}`,
  },
  { name: 'unknown use flag', schema: `use frobnicate\n${U}` },
  { name: 'use typechecking', schema: `use typechecking\n${U}` },
  {
    name: 'caveat all types',
    schema:
      'caveat all_types(a1 int, a2 uint, a3 bool, a4 string, a5 double, a6 bytes, a7 duration, a8 timestamp, a9 list<int>, b1 map<string>, b2 ipaddress, b3 any) {\n\ta3\n}',
  },
  { name: 'caveat bad type', schema: 'caveat bad_type(aaa lst<int>) {\n\ttrue\n}' },
  { name: 'caveat map with two args', schema: 'caveat bad_map(aaa map<string, int>) {\n\ttrue\n}' },
  { name: 'caveat syntax error', schema: 'caveat bad_cel(aaa int) {\n\taaa == == 1\n}' },
  { name: 'caveat type error', schema: "caveat bad_cel(aaa int) {\n\taaa == 'x'\n}" },
  { name: 'caveat int plus double', schema: 'caveat bad_cel(aaa int) {\n\taaa + 1.0 > 2.0\n}' },
  { name: 'caveat non-bool', schema: 'caveat bad_cel(aaa int) {\n\taaa + 1\n}' },
  { name: 'caveat undeclared', schema: 'caveat bad_cel(aaa int) {\n\tbbb == 1\n}' },
  {
    name: 'caveat macros',
    schema:
      "caveat good_cel(tags list<string>, mmm map<any>, ip ipaddress) {\n\ttags.all(t, t != '') && 'x' in tags && mmm.foo == 42 && ip.in_cidr('10.0.0.0/8')\n}",
  },
  {
    name: 'caveat timestamps',
    schema:
      'caveat good_time(now timestamp, until timestamp, ttl duration) {\n\tnow < until && now + ttl > until\n}',
  },
  { name: 'empty caveat body', schema: 'caveat empty_cel(aaa int) {\n}' },
  {
    name: 'operator continuation',
    schema: `${U}definition doc {\n\trelation viewer: user\n\tpermission view = viewer +\n\t\tviewer\n}`,
  },
  {
    name: 'operator on next line',
    schema: `${U}definition doc {\n\trelation viewer: user\n\tpermission view = viewer\n\t\t+ viewer\n}`,
  },
  {
    name: 'comments everywhere',
    schema: `/** doc */\n${U}// line\ndefinition doc { // after brace\n\t/* block */ relation viewer: user // tail\n\tpermission view = viewer /* inline */ + viewer\n}`,
  },
];

DIFF_CASES.push(
  { name: 'arrow from nil', schema: `${U}definition doc {\n\tpermission view = nil->view\n}` },
  {
    name: 'unused caveat parameter',
    schema: 'caveat one_unused(aaa int, bbb int) {\n\taaa == 1\n}',
  },
  {
    name: 'parameter used only in a macro',
    schema: 'caveat in_macro(tags list<string>, want string) {\n\ttags.exists(t, t == want)\n}',
  },
  {
    name: 'arrow to permission on subject',
    schema: `${U}definition team {\n\trelation member: user\n\tpermission everyone = member\n}\ndefinition doc {\n\trelation team: team\n\tpermission view = team->everyone\n}`,
  },
  {
    name: 'relation with subject permission',
    schema: `${U}definition team {\n\trelation member: user\n\tpermission everyone = member\n}\ndefinition doc {\n\trelation viewer: team#everyone\n}`,
  },
  {
    name: 'definition named like keyword',
    schema: 'definition relation {}\ndefinition permission {}',
  },
  { name: 'relation named nil', schema: `${U}definition doc {\n\trelation nil: user\n}` },
  {
    name: 'wildcard with relation',
    schema: `${U}definition doc {\n\trelation viewer: user:*#member\n}`,
  },
  {
    name: 'comment before closing brace',
    schema: `${U}definition doc {\n\trelation viewer: user\n\t// nothing else\n}`,
  },
  {
    name: 'caveat on wildcard and subject set',
    schema: `${U}definition team {\n\trelation member: user\n}\ncaveat is_ok(flag bool) {\n\tflag\n}\ndefinition doc {\n\trelation viewer: user:* with is_ok | team#member with is_ok\n}`,
  },
  {
    name: 'intersection arrow all over nested',
    schema: `${U}definition team {\n\trelation member: user\n}\ndefinition doc {\n\trelation team: team\n\tpermission view = team.all(member) & team.any(member) - team->member\n}`,
  },
  {
    name: 'block comment newline ends statement',
    schema: `${U}definition doc {\n\trelation viewer: user /* multi\n line */ permission view = viewer\n}`,
  },
);
