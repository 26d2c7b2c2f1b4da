/**
 * The pieces shared by the compact-body scanners (`check-scan.ts`, `bulk-scan.ts`): a cursor over
 * the text and readers of the fields both bodies have. Each reader accepts only the exact compact
 * form `JSON.stringify` writes (no whitespace, no escapes, known keys in the schema's order) and
 * validates values as the zod schema does; anything else makes it fail, and the caller then
 * declines the whole body (the route parses and validates it as usual).
 */
import { ID, OPTIONAL_RELATION, RELATION, TYPE, type WireConsistency } from './common.ts';

/**
 * The index of the quote closing a JSON string whose content starts at `from`, when the content
 * has no backslash and no control character; -1 otherwise.
 */
function stringEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i;
    if (c === 0x5c || c < 0x20) return -1;
  }
  return -1;
}

/** Where the scan is and what it last read (one object per call, no closures). */
export class Scan {
  pos = 0;
  value = '';
  constructor(readonly text: string) {}

  /** Consumes `lit` if the text continues with it. */
  lit(lit: string): boolean {
    if (!this.text.startsWith(lit, this.pos)) return false;
    this.pos += lit.length;
    return true;
  }

  /** Reads a plain string's content up to its closing quote (consumed) into `value`. */
  str(): boolean {
    const end = stringEnd(this.text, this.pos);
    if (end < 0) return false;
    this.value = this.text.slice(this.pos, end);
    this.pos = end + 1;
    return true;
  }

  /**
   * Reads a string whose content is exactly `known` (then `value` is `known` itself: no copy, and
   * a string whose hash V8 already has); false, consuming nothing, for any other content. Bodies
   * repeat a few type and relation names, so trying the last one read first usually succeeds.
   */
  same(known: string): boolean {
    const end = this.pos + known.length;
    if (this.text.charCodeAt(end) !== 0x22 || !this.text.startsWith(known, this.pos)) return false;
    this.value = known;
    this.pos = end + 1;
    return true;
  }

  /**
   * Reads an object id (`ObjectId`) into `value`: checked character by character as it is read;
   * an id with any other character is read as a string and tested against the pattern.
   */
  id(): boolean {
    const text = this.text;
    const from = this.pos;
    for (let i = from; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        if (i === from || i - from > 1024) return false;
        this.value = text.slice(from, i);
        this.pos = i + 1;
        return true;
      }
      if (c >= 0x80 || ID_CHAR[c] === 0) break;
    }
    return this.str() && objectId(this.value);
  }
}

/** The characters of an object id other than the lone wildcard `*` (the `ID` pattern's class). */
const ID_CHAR = new Uint8Array(0x80);
for (const ch of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_|-=+')
  ID_CHAR[ch.charCodeAt(0)] = 1;

/**
 * A set of names that passed a pattern, so a body repeating a name (a bulk body names a few types
 * and permissions a hundred times) tests it once. Bounded: cleared when full.
 */
class Passed {
  readonly #names = new Set<string>();
  constructor(
    private readonly maxLength: number,
    private readonly pattern: RegExp,
  ) {}

  test(v: string): boolean {
    if (this.#names.has(v)) return true;
    if (v.length > this.maxLength || !this.pattern.test(v)) return false;
    if (this.#names.size >= 1024) this.#names.clear();
    this.#names.add(v);
    return true;
  }
}

const TYPES = new Passed(128, TYPE);
const RELATIONS = new Passed(64, RELATION);
const OPTIONAL_RELATIONS = new Passed(64, OPTIONAL_RELATION);

/** Whether `v` is a definition name (the schema's `TypeName`). */
export const typeName = (v: string): boolean => TYPES.test(v);
/** Whether `v` is a relation or permission name (`RelationName`). */
export const relationName = (v: string): boolean => RELATIONS.test(v);
/** Whether `v` is a subject relation or empty (`OptionalRelationName`). */
export const optionalRelationName = (v: string): boolean => OPTIONAL_RELATIONS.test(v);
/** Whether `v` is an object id (`ObjectId`). */
export const objectId = (v: string): boolean => v.length <= 1024 && ID.test(v);

/**
 * The type and relation names of the last item or body read: the next one most often repeats them
 * (see `Scan.same`). Only names that passed validation are kept.
 */
export class Previous {
  resourceType = '';
  permission = '';
  subjectType = '';
}

function token(s: Scan): { token: string } | undefined {
  if (!s.lit('{"token":"') || !s.str() || !s.lit('}}')) return undefined;
  const t = s.value;
  return t.length >= 1 && t.length <= 1024 ? { token: t } : undefined;
}

/**
 * `"consistency":{...},` right after the body's opening brace: undefined when absent, null when
 * present but not scannable (or not followed by a comma).
 */
export function scanConsistency(s: Scan): WireConsistency | null | undefined {
  if (!s.lit('"consistency":{')) return undefined;
  let c: WireConsistency | undefined;
  if (s.lit('"minimizeLatency":true}')) c = { minimizeLatency: true };
  else if (s.lit('"fullyConsistent":true}')) c = { fullyConsistent: true };
  else if (s.lit('"atLeastAsFresh":')) {
    const t = token(s);
    if (t) c = { atLeastAsFresh: t };
  } else if (s.lit('"atExactSnapshot":')) {
    const t = token(s);
    if (t) c = { atExactSnapshot: t };
  }
  return c && s.lit(',') ? c : null;
}

/**
 * Reads `{"objectType":"...","objectId":"..."}`, validated: returns the type and leaves the id in
 * `s.value` (callers build the object shape they need), or undefined. `lastType`, a type name read
 * (and validated) before, is tried first.
 */
export function scanObjectRef(s: Scan, lastType = ''): string | undefined {
  if (!s.lit('{"objectType":"')) return undefined;
  if (!(lastType !== '' && s.same(lastType)) && !(s.str() && typeName(s.value))) return undefined;
  const type = s.value;
  if (!s.lit(',"objectId":"') || !s.id() || !s.lit('}')) return undefined;
  return type;
}
