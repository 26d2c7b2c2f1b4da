import { describe, expect, it } from 'vitest';
import { compileSchema } from '../../schema/index.ts';
import { schemaGraph } from './schema-graph.ts';

const text = `definition user {}
definition group {
  relation member: user | group#member
}
definition folder {
  relation parent: folder
  relation viewer: user | group#member | user:*
  permission view = viewer + parent->view
}
definition document {
  relation parent: folder
  relation owner: user
  relation banned: user
  permission view = owner + parent->view
  permission read = view - banned
}`;

describe('schemaGraph', () => {
  const graph = schemaGraph(compileSchema(text));

  it('knows which nodes can reach a target (reverse-walk pruning)', () => {
    const reach = graph.reachingNodes('document#view');
    for (const n of ['user#...', 'group#member', 'folder#viewer', 'folder#view', 'document#owner'])
      expect(reach.has(n)).toBe(true);
    // The subtracted side generates nothing.
    expect(graph.reachingNodes('document#read').has('document#banned')).toBe(false);
  });

  it('knows which nodes can produce a subject type (forward-walk pruning)', () => {
    const users = graph.producingNodes('user', '...');
    expect(users.has('document#read')).toBe(true);
    expect(users.has('document#parent')).toBe(false);
    const groups = graph.producingNodes('group', 'member');
    expect(groups.has('folder#view')).toBe(true);
    expect(groups.has('document#owner')).toBe(false);
  });

  it('detects recursion through arrows and subject sets', () => {
    expect(graph.isRecursive('folder#view')).toBe(true);
    expect(graph.isRecursive('group#member')).toBe(true);
    expect(graph.isRecursive('document#view')).toBe(false);
  });

  it('is cached per schema object and per content hash', () => {
    const a = compileSchema(text);
    const b = compileSchema(text);
    expect(schemaGraph(a)).toBe(schemaGraph(a));
    expect(schemaGraph(b)).toBe(schemaGraph(a));
  });
});
