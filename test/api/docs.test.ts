/** docs/errors.md documents every error code with the status and exit code the tables give it. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HTTP_STATUS } from '../../src/api/http-errors.ts';
import { EXIT_CODE } from '../../src/cli/exit-codes.ts';
import { ERROR_CODES } from '../../src/errors.ts';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

describe('docs/errors.md', () => {
  it.each(ERROR_CODES.map((c) => [c]))('documents %s', (code) => {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
    expect(row, `no row for ${code}`).toBeDefined();
    const [, , status, exit] = (row as string).split('|').map((s) => s.trim());
    expect(Number(status)).toBe(HTTP_STATUS[code]);
    expect(Number(exit)).toBe(EXIT_CODE[code]);
  });
});
