import { describe, expect, it } from 'vitest';
import { createEngine, formatProof } from '../../src/engine/index.ts';
import { parseObject, parseSubject } from '../../src/model/index.ts';
import { arrayReader, arrow, def, excl, ref, schemaOf, union } from './support.ts';

const schema = schemaOf([
  def('user'),
  def('group', { member: ['user', 'group#member'] }),
  def(
    'folder',
    { parent: ['folder'], owner: ['user'], viewer: ['user', 'user:*', 'group#member'] },
    {
      edit: union(ref('owner'), arrow('parent', 'edit')),
      view: union(ref('viewer'), ref('edit'), arrow('parent', 'view')),
    },
  ),
  def(
    'document',
    {
      parent: ['folder'],
      owner: ['user'],
      editor: ['user', 'group#member'],
      viewer: ['user', 'group#member'],
      banned: ['user'],
    },
    {
      edit: union(ref('owner'), ref('editor'), arrow('parent', 'edit')),
      view: union(ref('viewer'), ref('edit'), arrow('parent', 'view')),
      read: excl(ref('view'), ref('banned')),
    },
  ),
]);

const tuples = [
  'document:d1#parent@folder:f1',
  'folder:f1#parent@folder:f0',
  'folder:f0#owner@user:alice',
  'document:d1#viewer@group:eng#member',
  'group:eng#member@group:core#member',
  'group:core#member@user:bob',
  'group:core#member@group:eng#member',
  'document:d1#banned@user:bob',
];

describe('engine smoke', () => {
  for (const cache of [true, false]) {
    const engine = createEngine(cache ? {} : { cache: false });
    const ctx = { reader: arrayReader(tuples), schema };
    const check = (r: string, p: string, s: string) =>
      engine.check(ctx, { resource: parseObject(r), permission: p, subject: parseSubject(s) });
    it(`checks (cache ${cache})`, async () => {
      expect((await check('document:d1', 'edit', 'user:alice')).permissionship).toBe('allowed');
      expect((await check('document:d1', 'view', 'user:bob')).permissionship).toBe('allowed');
      expect((await check('document:d1', 'read', 'user:bob')).permissionship).toBe('denied');
      expect((await check('document:d1', 'view', 'user:carol')).permissionship).toBe('denied');
      expect((await check('group:eng', 'member', 'group:eng#member')).permissionship).toBe(
        'allowed',
      );
      const r = await engine.check(ctx, {
        resource: parseObject('document:d1'),
        permission: 'edit',
        subject: parseSubject('user:alice'),
        explain: true,
      });
      expect(formatProof(r.proof!)).toBe(
        'document:d1#edit <- document:d1#parent <- folder:f1#parent <- folder:f0#owner <- user:alice',
      );
    });
  }
});
