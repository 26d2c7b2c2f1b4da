/**
 * Lookup cursors: opaque base64url of `{v, after, q}` where `after` is the last resource id returned
 * and `q` a short hash of the query it belongs to. Results come in ascending id order, so "resume
 * after this id" is deterministic at one snapshot; the service layer binds the cursor to the revision
 * (its zookie), so a resumed page reads the same snapshot.
 */
import { ConsistencyError } from '../../errors.ts';

const VERSION = 1;

/** Encodes a cursor that resumes `query` after `after`. */
export function encodeCursor(query: string, after: string): string {
  return Buffer.from(JSON.stringify({ v: VERSION, after, q: shortHash(query) })).toString(
    'base64url',
  );
}

/**
 * Decodes a cursor and returns the id to resume after. Throws `invalid_cursor` when the text is not a
 * cursor of this version or belongs to a different query.
 */
export function mustDecodeCursor(query: string, cursor: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new ConsistencyError('invalid_cursor', 'cursor is not a lookup cursor', { cause });
  }
  const c = parsed as { v?: unknown; after?: unknown; q?: unknown } | null;
  if (c === null || typeof c !== 'object' || c.v !== VERSION || typeof c.after !== 'string') {
    throw new ConsistencyError('invalid_cursor', 'cursor is not a lookup cursor');
  }
  if (c.q !== shortHash(query)) {
    throw new ConsistencyError('invalid_cursor', 'cursor belongs to a different lookup request');
  }
  return c.after;
}

/** FNV-1a 32-bit as 8 hex chars: enough to catch a cursor replayed against another query. */
function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
