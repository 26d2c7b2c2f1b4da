/**
 * `wide-arrow`: SpiceDB's WideArrow benchmark shape, scaled: each file belongs to 30 groups
 * (`viewer = view + group->member`), each group has 20 users, so a check walks a wide arrow.
 * Expected answers come from the generator's own membership sets.
 */
import { createPrng } from '../lib/prng.ts';
import type { Prng } from '../lib/prng.ts';
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

export const WIDE_ARROW_SCHEMA = `definition user {}

definition group {
  relation member: user
}

definition file {
  relation group: group
  relation view: user
  permission viewer = view + group->member
}
`;

const GROUPS_PER_FILE = 30;
const USERS_PER_GROUP = 20;

interface World {
  readonly users: number;
  readonly groups: GroupGraph;
  readonly fileGroups: number[][];
  readonly fileViewers: number[];
}

function buildWorld(target: number, rng: Prng): World {
  const groupCount = Math.max(GROUPS_PER_FILE, Math.round((target * 0.5) / USERS_PER_GROUP));
  const files = Math.max(2, Math.round((target * 0.5) / (GROUPS_PER_FILE + 1)));
  // Each user lands in about 4 groups: enough overlap that most users see several files.
  const users = Math.max(50, Math.round((groupCount * USERS_PER_GROUP) / 4));
  const groups = new GroupGraph(groupCount);
  for (let g = 0; g < groupCount; g++)
    for (const u of sampleDistinct(rng, users, USERS_PER_GROUP)) groups.addUser(g, u);
  const fileGroups: number[][] = [];
  const fileViewers: number[] = [];
  for (let f = 0; f < files; f++) {
    fileGroups.push(sampleDistinct(rng, groupCount, GROUPS_PER_FILE));
    fileViewers.push(rng.int(users));
  }
  return { users, groups, fileGroups, fileViewers };
}

function allows(w: World, f: number, u: number): boolean {
  if (w.fileViewers[f] === u) return true;
  const gs = w.groups.groupsOf(u);
  return w.fileGroups[f]!.some((g) => gs.has(g));
}

function generate(size: Size, seed: number, options: GenerateOptions = {}): Workload {
  const rng = createPrng(seed);
  const w = buildWorld(targetTuples(size), rng.fork(1));
  const files = w.fileGroups.length;
  const check = (f: number, u: number, label: string) => ({
    resource: obj('file', `f${f}`),
    permission: 'viewer',
    subject: subj('user', `u${u}`),
    label,
  });
  const checks = buildChecks({
    count: options.checks ?? DEFAULT_CHECKS,
    rng: rng.fork(2),
    sources: [
      {
        weight: 4,
        make: (r) => {
          const f = r.int(files);
          const g = r.pick(w.fileGroups[f]!)!;
          return check(f, r.pick(w.groups.users[g]!)!, 'via-group');
        },
      },
      { weight: 1, make: (r) => check(r.int(files), w.fileViewers[r.int(files)]!, 'direct') },
      {
        // Near miss: a member of some group that is not (necessarily) on this file.
        weight: 4,
        make: (r) => {
          const g = r.int(w.groups.count);
          return check(r.int(files), r.pick(w.groups.users[g]!)!, 'near-miss:other-group');
        },
      },
    ],
    evaluate: (c) => allows(w, Number(c.resource.id.slice(1)), Number(c.subject.id.slice(1))),
  });
  const lookups = options.lookups ?? DEFAULT_LOOKUPS;
  const lrng = rng.fork(3);
  const lookupResources = collectLookups(
    sampleDistinct(lrng, w.users, lookups * 4),
    lookups,
    (u) => ({
      resourceType: 'file',
      permission: 'viewer',
      subject: subj('user', `u${u}`),
      expected: idList(
        'f',
        w.fileGroups.map((_, f) => f).filter((f) => allows(w, f, u)),
      ),
    }),
  );
  const lookupSubjects = collectLookups(sampleDistinct(lrng, files, lookups), lookups, (f) => {
    const users = new Set<number>([w.fileViewers[f]!]);
    for (const g of w.fileGroups[f]!) w.groups.membersOf(g, users);
    return {
      resource: obj('file', `f${f}`),
      permission: 'viewer',
      subjectType: 'user',
      expected: idList('u', users),
    };
  });
  return {
    name: 'wide-arrow',
    size,
    seed,
    schemaText: WIDE_ARROW_SCHEMA,
    tupleCount: w.groups.tupleCount() + files * (GROUPS_PER_FILE + 1),
    tuples: stream(function* () {
      for (let g = 0; g < w.groups.count; g++)
        for (const u of w.groups.users[g]!)
          yield tuple('group', `g${g}`, 'member', 'user', `u${u}`);
      for (let f = 0; f < files; f++) {
        for (const g of w.fileGroups[f]!) yield tuple('file', `f${f}`, 'group', 'group', `g${g}`);
        yield tuple('file', `f${f}`, 'view', 'user', `u${w.fileViewers[f]}`);
      }
    }),
    checks,
    lookupResources,
    lookupSubjects,
    facts: {
      users: w.users,
      groups: w.groups.count,
      files,
      meanLookupResources: mean(lookupResources.map((l) => l.expected.length)),
    },
  };
}

/** The `wide-arrow` workload generator (SpiceDB WideArrow shape). */
export const wideArrowWorkload: WorkloadGenerator = {
  name: 'wide-arrow',
  description:
    "SpiceDB's WideArrow shape: files in 30 groups of 20 users, viewer = view + group->member",
  generate,
};
