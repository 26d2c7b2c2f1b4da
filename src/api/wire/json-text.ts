/**
 * Building blocks for answers written as text instead of `JSON.stringify` of a wire object (see
 * `bulk-text.ts`, `check-text.ts`): each produces exactly the bytes `JSON.stringify` would.
 */

/**
 * Characters JSON.stringify would escape (quote, backslash, controls) or treat specially (lone
 * surrogates). Validated names and ids never contain them; anything else goes to JSON.stringify.
 */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `s` as a JSON string literal (same bytes as JSON.stringify). */
export function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}
