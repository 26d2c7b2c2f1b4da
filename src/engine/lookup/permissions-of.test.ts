import { describe, expect, it } from 'vitest';
import { arrayReader } from '../../../test/lookup/support/array-reader.ts';
import { parseTuple } from '../../model/index.ts';
import { compileSchema } from '../../schema/index.ts';
import { createEngine } from '../engine.ts';
import { permissionsOf } from './permissions-of.ts';
import type { LookupEngine } from './types.ts';

const schema = compileSchema(`definition user {}
definition folder {
  relation parent: folder
  relation viewer: user
  permission view = viewer + parent->view
}
definition document {
  relation parent: folder
  relation owner: user
  relation viewer: user
  relation banned: user
  permission edit = owner
  permission view = viewer + edit + parent->view
  permission read = view - banned
  permission delete = owner & parent->view
}`);
const tuples = [
  'folder:f#viewer@user:ann',
  'document:d#parent@folder:f',
  'document:d#owner@user:ann',
  'document:d#banned@user:bob',
  'document:d#viewer@user:bob',
].map(parseTuple);
const ctx = { reader: arrayReader(tuples), schema };

describe('permissionsOf', () => {
  it('answers every relation and permission of the definition', async () => {
    const all = await permissionsOf(createEngine(), ctx, {
      resource: { type: 'document', id: 'd' },
      subject: { type: 'user', id: 'ann', relation: '...' },
    });
    const granted = Object.entries(all)
      .filter(([, r]) => r.permissionship === 'allowed')
      .map(([n]) => n)
      .sort();
    expect(granted).toEqual(['delete', 'edit', 'owner', 'read', 'view']);
    expect(all.banned?.permissionship).toBe('denied');
  });

  it('shares sub-problems: each relation and arrow target is checked once', async () => {
    const inner = createEngine({ cache: false });
    const asked: string[] = [];
    const engine: LookupEngine = {
      check: (c, r) => {
        asked.push(`${r.resource.type}:${r.resource.id}#${r.permission}`);
        return inner.check(c, r);
      },
    };
    const all = await permissionsOf(engine, ctx, {
      resource: { type: 'document', id: 'd' },
      subject: { type: 'user', id: 'bob', relation: '...' },
    });
    expect(all.read?.permissionship).toBe('denied');
    expect(all.view?.permissionship).toBe('allowed');
    expect(asked.sort()).toEqual([
      'document:d#banned',
      'document:d#owner',
      'document:d#parent',
      'document:d#viewer',
      'folder:f#view',
    ]);
  });
});
