/**
 * The generators' own invariants: every tuple round-trips through the text form, is admitted by the
 * generated schema model (and by the compiled schema), keeps the data acyclic; queries name things
 * that exist; rendered expressions respect SpiceDB's operator precedence; shrinking to an empty
 * choice stream gives the simplest valid case.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { formatTuple, parseTuple, type Tuple, WILDCARD } from '../../../src/model/index.ts';
import { compileSchema } from '../../../src/schema/index.ts';
import type { RelationIR } from '../../../src/schema/index.ts';
import {
  buildCase,
  diffCaseArb,
  type GenExpr,
  namesOfDefinition,
  renderExpr,
  tupleIsDescending,
  tupleMatchesSchema,
} from './index.ts';

/** Does the compiled relation admit the tuple with exactly its traits (as SpiceDB's write check)? */
function irAdmits(rel: RelationIR, t: Tuple): boolean {
  const wildcard = t.subject.id === WILDCARD;
  return rel.allowed.some(
    (a) =>
      a.type === t.subject.type &&
      a.wildcard === wildcard &&
      (wildcard || a.relation === t.subject.relation) &&
      a.caveat === t.caveat?.name &&
      a.expiration === (t.expiresAt !== undefined),
  );
}

const cases = diffCaseArb({ checks: 10, lookupResources: 3, lookupSubjects: 3 });

describe('differential case generators', () => {
  test.prop([cases], { numRuns: 150, seed: 1 })('tuples round-trip through parseTuple', (c) => {
    for (const t of c.tuples) expect(parseTuple(formatTuple(t))).toEqual(t);
  });

  test.prop([cases], { numRuns: 150, seed: 2 })(
    'tuples match the schema model and stay acyclic',
    (c) => {
      for (const t of c.tuples) {
        expect(tupleMatchesSchema(c.schema, t), formatTuple(t)).toBe(true);
        expect(tupleIsDescending(t), formatTuple(t)).toBe(true);
      }
    },
  );

  test.prop([cases], { numRuns: 100, seed: 3 })(
    'the schema text compiles and admits every tuple',
    (c) => {
      const ir = compileSchema(c.schemaText);
      for (const t of c.tuples) {
        const rel = ir.definitions[t.resource.type]?.relations[t.relation];
        expect(rel, formatTuple(t)).toBeDefined();
        if (rel) expect(irAdmits(rel, t), formatTuple(t)).toBe(true);
      }
    },
  );

  test.prop([cases], { numRuns: 150, seed: 4 })(
    'queries name existing relations and permissions',
    (c) => {
      for (const q of c.checks)
        expect(namesOfDefinition(c.schema, q.resource.type)).toContain(q.permission);
      for (const q of c.lookupResources)
        expect(namesOfDefinition(c.schema, q.resourceType)).toContain(q.permission);
      for (const q of c.lookupSubjects) {
        expect(namesOfDefinition(c.schema, q.resource.type)).toContain(q.permission);
        if (q.subjectRelation)
          expect(namesOfDefinition(c.schema, q.subjectType)).toContain(q.subjectRelation);
      }
      for (const q of c.checks) expect(q.subject.id).not.toBe('*');
    },
  );

  it('renders the fewest parentheses SpiceDB precedence needs (+ over & over -)', () => {
    const ref = (name: string): GenExpr => ({ kind: 'ref', name });
    const op = (
      kind: 'union' | 'intersection' | 'exclusion',
      left: GenExpr,
      right: GenExpr,
    ): GenExpr => ({
      kind,
      left,
      right,
      paren: false,
    });
    expect(
      renderExpr(op('exclusion', ref('aaa'), op('intersection', ref('bbb'), ref('ccc')))),
    ).toBe('aaa - bbb & ccc');
    expect(
      renderExpr(op('intersection', op('exclusion', ref('aaa'), ref('bbb')), ref('ccc'))),
    ).toBe('(aaa - bbb) & ccc');
    expect(renderExpr(op('exclusion', ref('aaa'), op('exclusion', ref('bbb'), ref('ccc'))))).toBe(
      'aaa - (bbb - ccc)',
    );
    expect(renderExpr(op('exclusion', op('exclusion', ref('aaa'), ref('bbb')), ref('ccc')))).toBe(
      'aaa - bbb - ccc',
    );
  });

  it('an all-zero choice stream gives the simplest case', () => {
    const c = buildCase({
      schema: [],
      tuples: [[]],
      checks: [[]],
      lookupResources: [],
      lookupSubjects: [],
    });
    expect(c.schemaText).toBe(
      'definition user {}\n\ndefinition doc {\n  relation viewer: user\n}\n',
    );
    expect(c.tuples.map(formatTuple)).toEqual(['doc:a#viewer@user:u1']);
    expect(c.checks).toEqual([
      {
        resource: { type: 'doc', id: 'a' },
        permission: 'viewer',
        subject: { type: 'user', id: 'u1', relation: '...' },
      },
    ]);
  });

  it('is deterministic for a seed', () => {
    const a = fc.sample(cases, { seed: 7, numRuns: 3 });
    const b = fc.sample(cases, { seed: 7, numRuns: 3 });
    expect(a.map((c) => c.schemaText)).toEqual(b.map((c) => c.schemaText));
  });
});
