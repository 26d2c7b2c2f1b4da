/**
 * @module test/support/generators
 * Seeded fast-check arbitraries that generate VALID SpiceDB-compatible cases (schema text, tuples
 * respecting it, check and lookup queries) for the differential suites. Every generated schema is
 * accepted by SpiceDB v1.54 and every tuple by its write validation; a rejection is a generator bug.
 */
export * from './case.ts';
export * from './caveats.ts';
export * from './choices.ts';
export * from './queries.ts';
export * from './schema.ts';
export * from './tuples.ts';
