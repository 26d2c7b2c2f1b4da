/**
 * @module consistency
 * Zookies (opaque, versioned, tamper-evident revision tokens bound to one store) and the resolution
 * of a request's consistency mode to the revision it is evaluated at. See docs/consistency.md.
 */
export { type Consistency, createRevisionResolver, type RevisionResolver } from './resolver.ts';
export { decodeZookie, encodeZookie } from './zookie.ts';
