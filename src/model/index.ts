/**
 * @module model
 * Shared nouns of Clove (object and subject references, tuples, revisions) and the SpiceDB-compatible
 * text form of tuples. Depends only on `errors`.
 */
export * from './refs.ts';
export * from './tuple-text.ts';
