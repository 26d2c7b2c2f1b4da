/**
 * The fast-check arbitrary for a whole differential case: a schema, ≤ 60 tuples and a batch of
 * queries, each part drawn from its own choice stream so that fast-check's shrinking removes
 * tuples and queries independently and simplifies the schema towards "choice 0".
 */
import fc from 'fast-check';
import { formatTuple, type Tuple } from '../../../src/model/index.ts';
import { Choices } from './choices.ts';
import {
  type CheckQuery,
  genCheckQuery,
  genLookupResourcesQuery,
  genLookupSubjectsQuery,
  type LookupResourcesQuery,
  type LookupSubjectsQuery,
} from './queries.ts';
import { type GenSchema, genSchema, renderSchema } from './schema.ts';
import { genTuples } from './tuples.ts';

/** A generated case: the model, its SpiceDB text, tuples and queries. */
export interface DiffCase {
  readonly schema: GenSchema;
  readonly schemaText: string;
  readonly tuples: readonly Tuple[];
  readonly checks: readonly CheckQuery[];
  readonly lookupResources: readonly LookupResourcesQuery[];
  readonly lookupSubjects: readonly LookupSubjectsQuery[];
}

export interface DiffCaseOptions {
  /** Upper bound on tuples (default 60: SpiceDB's memory datastore scans). */
  readonly maxTuples?: number;
  /** Queries of each kind (default 30 checks, 0 lookups). */
  readonly checks?: number;
  readonly lookupResources?: number;
  readonly lookupSubjects?: number;
}

/**
 * A choice stream. Why the minimum length: fast-check's default "small" size would make most streams
 * a handful of numbers long, and an exhausted stream answers 0, so cases would be trivially simple.
 */
const stream = (minLength: number, maxLength: number) =>
  fc.array(fc.nat({ max: 1 << 16 }), { minLength, maxLength });

/** Builds a case from raw choice streams (exported so a failure can be replayed from its streams). */
export function buildCase(raw: {
  schema: readonly number[];
  tuples: readonly (readonly number[])[];
  checks: readonly (readonly number[])[];
  lookupResources: readonly (readonly number[])[];
  lookupSubjects: readonly (readonly number[])[];
}): DiffCase {
  const schema = genSchema(new Choices(raw.schema));
  return {
    schema,
    schemaText: renderSchema(schema),
    tuples: genTuples(
      schema,
      raw.tuples.map((t) => new Choices(t)),
    ),
    checks: raw.checks.map((q) => genCheckQuery(schema, new Choices(q))),
    lookupResources: raw.lookupResources.map((q) =>
      genLookupResourcesQuery(schema, new Choices(q)),
    ),
    lookupSubjects: raw.lookupSubjects.map((q) => genLookupSubjectsQuery(schema, new Choices(q))),
  };
}

/** Random valid cases. */
export function diffCaseArb(opts: DiffCaseOptions = {}): fc.Arbitrary<DiffCase> {
  const queries = (n: number) =>
    n > 0 ? fc.array(stream(10, 10), { minLength: 1, maxLength: n, size: 'max' }) : fc.constant([]);
  return fc
    .record({
      schema: stream(60, 160),
      tuples: fc.array(stream(10, 12), {
        minLength: 1,
        maxLength: opts.maxTuples ?? 60,
        size: 'max',
      }),
      checks: queries(opts.checks ?? 30),
      lookupResources: queries(opts.lookupResources ?? 0),
      lookupSubjects: queries(opts.lookupSubjects ?? 0),
    })
    .map(buildCase);
}

/** The case as readable text: schema, then tuples in the text form (for failure reports). */
export function formatCase(c: Pick<DiffCase, 'schemaText' | 'tuples'>): string {
  return `schema:\n${c.schemaText}\ntuples (${c.tuples.length}):\n${c.tuples.map((t) => `  ${formatTuple(t)}`).join('\n')}`;
}
