/**
 * Trivia handling for the parser: comment normalisation, doc-comment text and the exact span of a
 * caveat body once surrounding whitespace is trimmed.
 */
import type { Span } from '../../errors.ts';
import { advancePosition } from '../lexer.ts';

/**
 * Block comments are stored with continuation lines re-indented to one space (` * text`), the
 * form the printer emits at any nesting depth, so formatting is stable.
 */
export function normalizeComment(text: string): string {
  if (!text.includes('\n')) return text;
  return text
    .split('\n')
    .map((l, i) => (i === 0 ? l.trimEnd() : ` ${l.trim()}`))
    .join('\n');
}

/** Text of a doc comment without its delimiters and leading `*` gutters. */
export function cleanDoc(raw: string): string {
  return raw
    .replace(/^\/\*\*/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, '').trimEnd())
    .join('\n')
    .trim();
}

/** Trims the caveat body and computes the exact span of the remaining expression text. */
export function trimBody(
  source: string,
  text: string,
  span: Span,
  open: Span,
): { expression: string; expressionSpan: Span } {
  const lead = text.length - text.trimStart().length;
  const expression = text.trim();
  if (expression === '') return { expression, expressionSpan: { start: open.end, end: open.end } };
  const start = advancePosition(source, span.start, lead);
  const end = advancePosition(source, start, expression.length);
  return { expression, expressionSpan: { start, end } };
}
