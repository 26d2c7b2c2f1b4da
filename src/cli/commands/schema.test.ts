import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../main.ts';

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

function file(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'clove-schema-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const GOOD =
  'definition user {}\n\ndefinition doc {\n\trelation viewer: user\n\tpermission view = viewer\n}\n';

describe('clove schema', () => {
  it('check: ok file exits 0', async () => {
    const path = file('ok.zed', GOOD);
    expect(await main(['schema', 'check', path])).toBe(0);
    expect(out).toBe(`${path}: ok\n`);
  });

  it('check: prints compiler-style errors and exits 1', async () => {
    const path = file(
      'bad.zed',
      'definition user {}\ndefinition doc {\n\trelation viewer: usr\n}\n',
    );
    expect(await main(['schema', 'check', path])).toBe(1);
    expect(err).toBe(
      [
        `${path}:3:19: error[unknown_definition]: definition \`usr\` is not defined`,
        '  |',
        '3 | \trelation viewer: usr',
        '  | \t                 ^^^',
        '  = hint: did you mean `user`?',
        '',
        `${path}: 1 error, 0 warnings`,
        '',
      ].join('\n'),
    );
  });

  it('check: the example schemas pass', async () => {
    const root = join(import.meta.dirname, '..', '..', '..');
    expect(await main(['schema', 'check', join(root, 'schema/docs.zed')])).toBe(0);
    expect(await main(['schema', 'check', join(root, 'schema/agents.zed')])).toBe(0);
  });

  it('fmt: prints, --check detects, --write rewrites', async () => {
    const messy =
      'definition user {}\ndefinition doc {\n  relation viewer:user\n  permission view=viewer\n}';
    const path = file('messy.zed', messy);
    expect(await main(['schema', 'fmt', path])).toBe(0);
    expect(out).toBe(GOOD);
    expect(await main(['schema', 'fmt', '--check', path])).toBe(1);
    expect(err).toContain('not formatted');
    expect(await main(['schema', 'fmt', path, '--write'])).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(GOOD);
    expect(await main(['schema', 'fmt', '--check', path])).toBe(0);
  });

  it('fmt: syntax errors exit 1 without touching the file', async () => {
    const path = file('broken.zed', 'definition doc {\n\trelation viewer user\n}\n');
    expect(await main(['schema', 'fmt', '--write', path])).toBe(1);
    expect(err).toContain('error[unexpected_token]');
    expect(readFileSync(path, 'utf8')).toBe('definition doc {\n\trelation viewer user\n}\n');
  });

  it('compile: prints the IR as JSON', async () => {
    const path = file('ok.zed', GOOD);
    expect(await main(['schema', 'compile', path])).toBe(0);
    const ir = JSON.parse(out);
    expect(ir.format).toBe(1);
    expect(ir.definitions.doc.permissions.view.expr).toEqual({ kind: 'ref', name: 'viewer' });
  });

  it.each([
    [['schema'], 2],
    [['schema', 'check'], 2],
    [['schema', 'lint', 'x.zed'], 2],
    [['schema', 'check', 'x.zed', '--write'], 2],
    [['schema', 'fmt', 'x.zed', '--bogus'], 2],
    [['schema', 'check', '/nonexistent/file.zed'], 2],
    [['nope'], 2],
  ])('usage errors exit 2: %j', async (args, code) => {
    expect(await main(args)).toBe(code);
    expect(err).not.toBe('');
  });

  it('--help lists commands and schema usage', async () => {
    expect(await main(['--help'])).toBe(0);
    expect(out).toContain('schema');
    out = '';
    expect(await main(['schema', '--help'])).toBe(0);
    expect(out).toContain('clove schema fmt FILE [--write|--check]');
  });
});
