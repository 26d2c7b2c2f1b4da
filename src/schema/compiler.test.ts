import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SchemaError } from '../errors.ts';
import { compileSchema, computeSchemaHash, formatSchema } from './index.ts';

const BASE = `use expiration

/** People. */
definition user {}

definition doc {
	relation owner: user
	relation viewer: user | user:* with is_ok and expiration
	permission view = owner + viewer + (owner + viewer)
	permission edit = owner - viewer & owner
	permission walk = owner->view + owner.all(view)
}

caveat is_ok(aaa int) {
	aaa == 1
}
`;

describe('compiler', () => {
  it('flattens associative chains and maps arrows', () => {
    const ir = compileSchema(
      BASE.replace('permission walk = owner->view + owner.all(view)', 'permission walk = nil'),
    );
    const doc = ir.definitions.doc;
    expect(doc?.permissions.view?.expr).toEqual({
      kind: 'union',
      children: [
        { kind: 'ref', name: 'owner' },
        { kind: 'ref', name: 'viewer' },
        { kind: 'ref', name: 'owner' },
        { kind: 'ref', name: 'viewer' },
      ],
    });
    expect(doc?.permissions.edit?.expr).toEqual({
      kind: 'exclusion',
      base: { kind: 'ref', name: 'owner' },
      subtract: {
        kind: 'intersection',
        children: [
          { kind: 'ref', name: 'viewer' },
          { kind: 'ref', name: 'owner' },
        ],
      },
    });
    expect(doc?.relations.viewer?.allowed).toEqual([
      { type: 'user', relation: '...', wildcard: false, expiration: false },
      { type: 'user', relation: '...', wildcard: true, caveat: 'is_ok', expiration: true },
    ]);
    expect(ir.caveats.is_ok).toEqual({
      name: 'is_ok',
      params: { aaa: 'int' },
      expression: 'aaa == 1',
    });
    expect(ir.definitions.user?.doc).toBe('People.');
  });

  it('emits arrow modes any/all', () => {
    const src =
      'definition user {\n\trelation friend: user\n\tpermission walk = friend->walk + friend.all(walk) + friend.any(walk)\n}';
    expect(compileSchema(src).definitions.user?.permissions.walk?.expr).toEqual({
      kind: 'union',
      children: [
        { kind: 'arrow', tupleset: 'friend', computed: 'walk', mode: 'any' },
        { kind: 'arrow', tupleset: 'friend', computed: 'walk', mode: 'all' },
        { kind: 'arrow', tupleset: 'friend', computed: 'walk', mode: 'any' },
      ],
    });
  });

  it('produces plain JSON (survives a JSON round trip unchanged)', () => {
    const ir = compileSchema(BASE);
    expect(JSON.parse(JSON.stringify(ir))).toEqual(ir);
  });

  describe('content hash', () => {
    const hash = (src: string) => compileSchema(src).hash;

    it('is the sha256 of the IR without hash and docs', () => {
      const { hash: h, ...rest } = compileSchema(BASE);
      expect(h).toMatch(/^[0-9a-f]{64}$/);
      expect(computeSchemaHash(rest)).toBe(h);
    });

    it('ignores formatting, comments, doc comments and declaration order', () => {
      const h = hash(BASE);
      expect(hash(formatSchema(BASE))).toBe(h);
      expect(hash(BASE.replace('/** People. */', '/** Humans, really. */\n// and a note'))).toBe(h);
      expect(hash(BASE.replace('aaa == 1', '  aaa   ==   1  '))).not.toBe(h); // CEL text is kept verbatim
      const reordered = BASE.replace('/** People. */\ndefinition user {}\n', '').replace(
        'caveat is_ok',
        'definition user {}\n\ncaveat is_ok',
      );
      expect(hash(reordered)).toBe(h);
    });

    it('changes with any semantic change', () => {
      const h = hash(BASE);
      expect(hash(BASE.replace('permission view = owner +', 'permission view = owner -'))).not.toBe(
        h,
      );
      expect(
        hash(BASE.replace('relation owner: user', 'relation owner: user | doc#owner')),
      ).not.toBe(h);
      expect(hash(BASE.replace('use expiration\n', 'use expiration\nuse typechecking\n'))).not.toBe(
        h,
      );
    });
  });
});

describe('compileSchema errors', () => {
  it('throws schema_syntax_error naming the first error with line:col', () => {
    try {
      compileSchema('definition doc {\n\trelation viewer user\n}', { file: 'x.zed' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SchemaError);
      const err = e as SchemaError;
      expect(err.code).toBe('schema_syntax_error');
      expect(err.message).toBe(
        'schema syntax error: x.zed:2:18: [unexpected_token] expected `:` after the relation name, found `user`',
      );
      expect(err.diagnostics).toHaveLength(1);
    }
  });

  it('throws schema_invalid with every diagnostic', () => {
    try {
      compileSchema('definition doc {\n\trelation viewer: usr\n\tpermission view = vewer\n}');
      expect.unreachable();
    } catch (e) {
      const err = e as SchemaError;
      expect(err.code).toBe('schema_invalid');
      expect(err.message).toContain('<schema>:2:19: [unknown_definition]');
      expect(err.message).toContain('(and 1 more)');
      expect(err.diagnostics.map((d) => d.code)).toEqual([
        'unknown_definition',
        'unknown_relation',
      ]);
      expect(err.details).toEqual({ diagnostics: err.diagnostics });
    }
  });

  it('does not throw for warnings', () => {
    const ir = compileSchema(
      'definition user {}\ndefinition doc {\n\trelation parent: user\n\tpermission view = parent->nothing_here\n}',
    );
    expect(ir.definitions.doc?.permissions.view).toBeDefined();
  });
});

describe('example schemas', () => {
  it.each(['docs.zed', 'agents.zed'])('schema/%s compiles and is canonically formatted', (file) => {
    const src = readFileSync(join(import.meta.dirname, '..', '..', 'schema', file), 'utf8');
    expect(() => compileSchema(src)).not.toThrow();
    expect(formatSchema(src)).toBe(src);
  });

  it('docs.zed has the benchmark document shape', () => {
    const src = readFileSync(join(import.meta.dirname, '..', '..', 'schema', 'docs.zed'), 'utf8');
    const doc = compileSchema(src).definitions.document;
    expect(Object.keys(doc?.relations ?? {})).toEqual([
      'parent',
      'owner',
      'editor',
      'viewer',
      'banned',
    ]);
    expect(doc?.permissions.read?.expr).toEqual({
      kind: 'exclusion',
      base: { kind: 'ref', name: 'view' },
      subtract: { kind: 'ref', name: 'banned' },
    });
  });
});
