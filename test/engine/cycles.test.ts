/**
 * Data cycles under concurrency: random group and folder graphs full of cycles, checked one by one
 * and all at once (bulk, concurrent checks), must terminate and agree with plain graph reachability.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { createEngine } from '../../src/engine/index.ts';
import { compileSchema } from '../../src/schema/index.ts';
import { arrayReader } from './support.ts';

const SCHEMA = compileSchema(`
definition user {}
definition group {
  relation member: user | group#member
  relation other: user | group#member
  permission anyone = member + other
}
definition folder {
  relation parent: folder
  relation viewer: user | group#member
  permission view = viewer + parent->view
  permission view_both = view & parent->view
}
`);

const N = 6;
const edge = fc.tuple(fc.nat({ max: N - 1 }), fc.nat({ max: N - 1 }));
const graph = fc.record({
  groups: fc.array(fc.tuple(edge, fc.boolean()), { maxLength: 20 }),
  users: fc.array(fc.tuple(fc.nat({ max: N - 1 }), fc.nat({ max: 2 })), { maxLength: 6 }),
  parents: fc.array(edge, { maxLength: 12 }),
  viewers: fc.array(edge, { maxLength: 6 }),
});

interface Graph {
  groups: [[number, number], boolean][];
  users: [number, number][];
  parents: [number, number][];
  viewers: [number, number][];
}

/** Closure of group membership: members[g] = users reachable through member/other edges. */
function reference(g: Graph) {
  const members = Array.from({ length: N }, () => new Set<number>());
  for (const [grp, u] of g.users) members[grp]!.add(u);
  let changed = true;
  while (changed) {
    changed = false;
    for (const [[a, b]] of g.groups)
      for (const u of members[b]!)
        if (!members[a]!.has(u)) {
          members[a]!.add(u);
          changed = true;
        }
  }
  const view = Array.from({ length: N }, () => new Set<number>());
  for (const [f, grp] of g.viewers) for (const u of members[grp]!) view[f]!.add(u);
  changed = true;
  while (changed) {
    changed = false;
    for (const [f, p] of g.parents)
      for (const u of view[p]!)
        if (!view[f]!.has(u)) {
          view[f]!.add(u);
          changed = true;
        }
  }
  return { members, view };
}

function build(g: Graph): string[] {
  const out = new Set<string>();
  for (const [[a, b], useOther] of g.groups)
    out.add(`group:g${a}#${useOther ? 'other' : 'member'}@group:g${b}#member`);
  for (const [grp, u] of g.users) out.add(`group:g${grp}#member@user:u${u}`);
  for (const [f, p] of g.parents) out.add(`folder:f${f}#parent@folder:f${p}`);
  for (const [f, grp] of g.viewers) out.add(`folder:f${f}#viewer@group:g${grp}#member`);
  return [...out];
}

describe('cycles', () => {
  test.prop([graph], { numRuns: 40, seed: 99 })(
    'terminate and agree with reachability',
    async (raw) => {
      const g = raw as Graph;
      // `other` edges do not feed `member`: the reference follows only member edges.
      const memberOnly = { ...g, groups: g.groups.filter(([, other]) => !other) };
      const ref = reference(memberOnly);
      const tuples = build(g);
      const reqs = [];
      const want: string[] = [];
      for (let x = 0; x < N; x++)
        for (let u = 0; u < 3; u++) {
          const subject = { type: 'user', id: `u${u}`, relation: '...' };
          reqs.push({ resource: { type: 'group', id: `g${x}` }, permission: 'member', subject });
          want.push(ref.members[x]!.has(u) ? 'allowed' : 'denied');
          reqs.push({ resource: { type: 'folder', id: `f${x}` }, permission: 'view', subject });
          want.push(ref.view[x]!.has(u) ? 'allowed' : 'denied');
        }
      // The async path (concurrent and sequential operands) and the synchronous one (`querySync`).
      for (const [engine, sync] of [
        [createEngine({ operands: 'concurrent' }), false],
        [createEngine({ cache: false, operands: 'concurrent' }), false],
        [createEngine({ cache: false, operands: 'sequential' }), false],
        [createEngine(), true],
        [createEngine({ cache: false }), true],
      ] as const) {
        const ctx = { schema: SCHEMA, reader: arrayReader(tuples, { sync }) };
        const one = [];
        for (const r of reqs) one.push((await engine.check(ctx, r)).permissionship);
        expect(one).toEqual(want);
        const bulk = await engine.bulkCheck(ctx, reqs);
        expect(bulk.map((b) => (b.ok ? b.result.permissionship : b.error.code))).toEqual(want);
        const concurrent = await Promise.all(reqs.map((r) => engine.check(ctx, r)));
        expect(concurrent.map((c) => c.permissionship)).toEqual(want);
        // Permissions mixing the cyclic relations also terminate.
        await Promise.all(
          reqs.map((r) =>
            engine.check(ctx, {
              ...r,
              permission: r.resource.type === 'group' ? 'anyone' : 'view_both',
            }),
          ),
        );
      }
    },
  );
});

describe('a data cycle through an exclusion', () => {
  // f1 and f2 are each other's parent, and each excludes what the other grants. Uncached, a
  // check closes the cycle at its own root: edit on either folder is denied (the other one, with
  // the cycle cut below it, grants). A cache that kept the other folder's value from an earlier
  // check would answer "allowed"; such results are never memoised or cached (Outcome.unstable).
  const schema = compileSchema(`
definition user {}
definition folder {
  relation parent: folder
  relation viewer: user:*
  permission edit = viewer - parent->edit
}
`);
  const tuples = [
    'folder:f1#parent@folder:f2',
    'folder:f2#parent@folder:f1',
    'folder:f1#viewer@user:*',
    'folder:f2#viewer@user:*',
  ];
  const request = (id: string) => ({
    resource: { type: 'folder', id },
    permission: 'edit',
    subject: { type: 'user', id: 'u', relation: '...' },
  });

  test.prop([fc.constantFrom('auto', 'concurrent', 'sequential' as const), fc.boolean()], {
    numRuns: 12,
  })('gives every check its uncached answer, in any order', async (operands, f2First) => {
    const reader = arrayReader(tuples);
    const order = f2First ? ['f2', 'f1', 'f2', 'f1'] : ['f1', 'f2', 'f1', 'f2'];
    const uncached = createEngine({ cache: false, operands });
    const cached = createEngine({ operands });
    for (const id of order) {
      const want = (await uncached.check({ schema, reader }, request(id))).permissionship;
      expect(want).toBe('denied');
      expect((await cached.check({ schema, reader }, request(id))).permissionship).toBe(want);
    }
    // Bulk shares one memo across items: the same holds there.
    const bulk = await cached.bulkCheck({ schema, reader }, order.map(request));
    expect(bulk.map((b) => (b.ok ? b.result.permissionship : b.error.code))).toEqual(
      order.map(() => 'denied'),
    );
  });
});
