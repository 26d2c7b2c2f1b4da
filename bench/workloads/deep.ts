/**
 * `deep`: the stress shapes. 30-deep chains of nested groups, very large groups (10,000 members
 * at medium and large sizes), groups fanning out to 1,000 subgroups, and documents at the bottom
 * of 20-deep folder chains whose top folder grants one of those groups. Checks are half group
 * membership (`group#member`) and half document `view`; answers come from a reference walk.
 */
import { createPrng } from '../lib/prng.ts';
import type { Prng } from '../lib/prng.ts';
import type { CheckCandidate } from './support.ts';
import {
  buildChecks,
  collectLookups,
  GroupGraph,
  idList,
  mean,
  obj,
  sampleDistinct,
  stream,
  subj,
  tuple,
} from './support.ts';
import {
  DEFAULT_CHECKS,
  DEFAULT_LOOKUPS,
  targetTuples,
  type GenerateOptions,
  type Size,
  type Workload,
  type WorkloadGenerator,
} from './types.ts';

export const DEEP_SCHEMA = `definition user {}

definition group {
  relation member: user | group#member
}

definition folder {
  relation parent: folder
  relation viewer: user | group#member
  permission view = viewer + parent->view
}

definition document {
  relation parent: folder
  relation viewer: user | group#member
  permission view = viewer + parent->view
}
`;

const NEST_DEPTH = 30;
const ARROW_DEPTH = 20;
/**
 * Arrow chains grant a nested chain at this level, not its head: 20 arrows + 20 nestings stays
 * under the dispatch depth limit of 50 that SpiceDB (and Clove) apply by default.
 */
const MID_CHAIN = 10;

/** A grant on an arrow chain: folder level (0 = the document's folder, ARROW_DEPTH-1 = top) and who. */
interface Grant {
  readonly level: number;
  readonly group: boolean;
  readonly id: number;
}

interface World {
  readonly users: number;
  readonly groups: GroupGraph;
  /** chainHeads[c] = group index of level 0 of nested chain c (levels are consecutive indices). */
  readonly chainHeads: number[];
  readonly bigGroups: number[];
  readonly fanGroups: number[];
  /** grants[a] for arrow chain a (document `a<a>`, folders `a<a>_<level>`). */
  readonly grants: Grant[][];
  readonly bigMembers: number;
  readonly fanOut: number;
}

function buildWorld(target: number, rng: Prng): World {
  const bigMembers = Math.min(10_000, Math.max(200, Math.round(target * 0.1)));
  const fanOut = Math.min(1_000, Math.max(20, Math.round(target * 0.01)));
  const bigCount = Math.max(1, Math.round((target * 0.25) / bigMembers));
  const fanCount = Math.max(1, Math.round((target * 0.2) / (fanOut * 4)));
  const chainCount = Math.max(2, Math.round((target * 0.25) / (NEST_DEPTH * 2)));
  const arrowCount = Math.max(2, Math.round((target * 0.3) / (ARROW_DEPTH + 2)));
  const users = Math.max(bigMembers * 2, Math.round(target * 0.1));
  const groupCount = chainCount * NEST_DEPTH + bigCount + fanCount * (fanOut + 1);
  const groups = new GroupGraph(groupCount);
  let next = 0;
  const chainHeads: number[] = [];
  for (let c = 0; c < chainCount; c++) {
    const head = next;
    next += NEST_DEPTH;
    chainHeads.push(head);
    for (let k = 0; k < NEST_DEPTH; k++) {
      if (k + 1 < NEST_DEPTH) groups.addSubgroup(head + k, head + k + 1);
      groups.addUser(head + k, rng.int(users));
    }
  }
  const bigGroups: number[] = [];
  for (let b = 0; b < bigCount; b++) {
    const g = next++;
    bigGroups.push(g);
    const start = rng.int(users);
    for (let i = 0; i < bigMembers; i++) groups.addUser(g, (start + i) % users);
  }
  const fanGroups: number[] = [];
  for (let f = 0; f < fanCount; f++) {
    const g = next++;
    fanGroups.push(g);
    for (let s = 0; s < fanOut; s++) {
      const sub = next++;
      groups.addSubgroup(g, sub);
      for (let k = 0; k < 3; k++) groups.addUser(sub, rng.int(users));
    }
  }
  const grants: Grant[][] = [];
  for (let a = 0; a < arrowCount; a++) {
    const r = rng.next();
    // The top folder grants a nested chain (mid-way down), a big group or a fan-out group.
    const top =
      r < 0.4
        ? rng.pick(chainHeads)! + MID_CHAIN
        : r < 0.7
          ? rng.pick(bigGroups)!
          : rng.pick(fanGroups)!;
    grants.push([
      { level: ARROW_DEPTH - 1, group: true, id: top },
      { level: rng.int(ARROW_DEPTH), group: false, id: rng.int(users) },
    ]);
  }
  return { users, groups, chainHeads, bigGroups, fanGroups, grants, bigMembers, fanOut };
}

function docAllows(w: World, a: number, u: number): boolean {
  const gs = w.groups.groupsOf(u);
  return w.grants[a]!.some((x) => (x.group ? gs.has(x.id) : x.id === u));
}

function generate(size: Size, seed: number, options: GenerateOptions = {}): Workload {
  const rng = createPrng(seed);
  const w = buildWorld(targetTuples(size), rng.fork(1));
  const arrows = w.grants.length;
  const member = (g: number, u: number, label: string): CheckCandidate => ({
    resource: obj('group', `g${g}`),
    permission: 'member',
    subject: subj('user', `u${u}`),
    label,
  });
  const view = (a: number, u: number, label: string): CheckCandidate => ({
    resource: obj('document', `a${a}`),
    permission: 'view',
    subject: subj('user', `u${u}`),
    label,
  });
  const bottomUser = (head: number) => w.groups.users[head + NEST_DEPTH - 1]![0]!;
  const checks = buildChecks({
    count: options.checks ?? DEFAULT_CHECKS,
    rng: rng.fork(2),
    sources: [
      {
        weight: 2,
        make: (r) => {
          const head = r.pick(w.chainHeads)!;
          return member(head, bottomUser(head), 'nested-30');
        },
      },
      {
        // Near miss: the user one level above group k is not in group k.
        weight: 2,
        make: (r) => {
          const head = r.pick(w.chainHeads)!;
          const k = r.range(1, NEST_DEPTH - 1);
          return member(head + k, w.groups.users[head + k - 1]![0]!, 'near-miss:nested-above');
        },
      },
      {
        weight: 1,
        make: (r) => {
          const g = r.pick(w.bigGroups)!;
          return member(g, r.pick(w.groups.users[g]!)!, 'big-group');
        },
      },
      { weight: 1, make: (r) => member(r.pick(w.bigGroups)!, r.int(w.users), 'big-group-random') },
      {
        weight: 1,
        make: (r) => {
          const g = r.pick(w.fanGroups)!;
          return member(g, w.groups.randomMember(g, r)!, 'fan-out');
        },
      },
      {
        weight: 1,
        make: (r) => {
          const g = r.pick(w.fanGroups)!;
          const other = r.pick(w.fanGroups)!;
          return member(g, w.groups.randomMember(other, r)!, 'near-miss:other-fan-out');
        },
      },
      {
        weight: 4,
        make: (r) => {
          const a = r.int(arrows);
          const x = r.pick(w.grants[a]!)!;
          const u = x.group ? w.groups.randomMember(x.id, r) : x.id;
          return u === undefined ? undefined : view(a, u, `arrow-${ARROW_DEPTH}+group`);
        },
      },
      {
        weight: 3,
        make: (r) => {
          const a = r.int(arrows);
          const x = r.pick(w.grants[r.int(arrows)]!)!;
          const u = x.group ? w.groups.randomMember(x.id, r) : x.id;
          return u === undefined ? undefined : view(a, u, 'near-miss:other-chain');
        },
      },
    ],
    evaluate: (c) => {
      const id = Number(c.resource.id.slice(1));
      const u = Number(c.subject.id.slice(1));
      return c.resource.type === 'group' ? w.groups.groupsOf(u).has(id) : docAllows(w, id, u);
    },
  });
  const lookups = options.lookups ?? DEFAULT_LOOKUPS;
  const lrng = rng.fork(3);
  const lookupResources = collectLookups(
    sampleDistinct(lrng, w.users, lookups * 4),
    lookups,
    (u) => ({
      resourceType: 'document',
      permission: 'view',
      subject: subj('user', `u${u}`),
      expected: idList(
        'a',
        w.grants.map((_, a) => a).filter((a) => docAllows(w, a, u)),
      ),
    }),
  );
  const lookupSubjects = collectLookups(sampleDistinct(lrng, arrows, lookups), lookups, (a) => {
    const users = new Set<number>();
    for (const x of w.grants[a]!) {
      if (x.group) w.groups.membersOf(x.id, users);
      else users.add(x.id);
    }
    return {
      resource: obj('document', `a${a}`),
      permission: 'view',
      subjectType: 'user',
      expected: idList('u', users),
    };
  });
  return {
    name: 'deep',
    size,
    seed,
    schemaText: DEEP_SCHEMA,
    tupleCount: w.groups.tupleCount() + arrows * (ARROW_DEPTH + 2),
    tuples: stream(function* () {
      for (let g = 0; g < w.groups.count; g++) {
        for (const u of w.groups.users[g]!)
          yield tuple('group', `g${g}`, 'member', 'user', `u${u}`);
        for (const c of w.groups.subgroups[g]!)
          yield tuple('group', `g${g}`, 'member', 'group', `g${c}`, 'member');
      }
      for (let a = 0; a < arrows; a++) {
        yield tuple('document', `a${a}`, 'parent', 'folder', `a${a}_0`);
        for (let level = 0; level + 1 < ARROW_DEPTH; level++)
          yield tuple('folder', `a${a}_${level}`, 'parent', 'folder', `a${a}_${level + 1}`);
        for (const x of w.grants[a]!)
          yield x.group
            ? tuple('folder', `a${a}_${x.level}`, 'viewer', 'group', `g${x.id}`, 'member')
            : tuple('folder', `a${a}_${x.level}`, 'viewer', 'user', `u${x.id}`);
      }
    }),
    checks,
    lookupResources,
    lookupSubjects,
    facts: {
      users: w.users,
      groups: w.groups.count,
      nestedChains: w.chainHeads.length,
      nestDepth: NEST_DEPTH,
      bigGroups: w.bigGroups.length,
      bigGroupMembers: w.bigMembers,
      fanOutGroups: w.fanGroups.length,
      fanOut: w.fanOut,
      arrowChains: arrows,
      arrowDepth: ARROW_DEPTH,
      meanLookupResources: mean(lookupResources.map((l) => l.expected.length)),
    },
  };
}

/** The `deep` workload generator. */
export const deepWorkload: WorkloadGenerator = {
  name: 'deep',
  description:
    '30-deep nested group chains, 10,000-member groups, 1,000-subgroup fan-out, 20-deep arrow chains',
  generate,
};
