import { describe, expect, it } from 'vitest';
import { plainResourceId } from './clove-http.ts';

const lineOf = (id: string) =>
  JSON.stringify({
    result: {
      lookedUpAt: { token: 'GAEiCAoGMTAwMjk=' },
      resourceObjectId: id,
      permissionship: 'LOOKUP_PERMISSIONSHIP_HAS_PERMISSION',
    },
  });

describe('plainResourceId', () => {
  it('reads the id of a plain result line as JSON.parse would', () => {
    for (const id of ['doc-1', 'a/b|c=d+e_f', '', 'ünï']) {
      const text = `${lineOf('x')}\n${lineOf(id)}\n`;
      const from = text.indexOf('\n') + 1;
      const to = text.length - 1;
      expect(plainResourceId(text, from, to)).toBe(
        JSON.parse(text.slice(from, to)).result.resourceObjectId,
      );
    }
  });

  it('declines lines of another shape (they are parsed as JSON)', () => {
    const declined = [
      '{"error":{"code":"deadline_exceeded","message":"x"}}',
      lineOf('a"b'),
      lineOf('a\\b'),
      '{"result":{"lookedUpAt":{"token":"t"}}}',
      '{"result":{"resourceObjectId":"x"',
    ];
    for (const line of declined) expect(plainResourceId(line, 0, line.length)).toBeUndefined();
  });
});
