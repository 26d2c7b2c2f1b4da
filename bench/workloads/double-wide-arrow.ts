/**
 * `double-wide-arrow`: SpiceDB's DoubleWideArrow benchmark shape, scaled: file -> 20 orgs ->
 * 10 groups each -> 20 users each, so a check fans out across two arrows
 * (`viewer = view + org->member`, `org.member = group->member`).
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

export const DOUBLE_WIDE_ARROW_SCHEMA = `definition user {}

definition group {
  relation member: user
}

definition org {
  relation group: group
  permission member = group->member
}

definition file {
  relation org: org
  relation view: user
  permission viewer = view + org->member
}
`;

const ORGS_PER_FILE = 20;
const GROUPS_PER_ORG = 10;
const USERS_PER_GROUP = 20;

interface World {
  readonly users: number;
  readonly groups: GroupGraph;
  readonly orgGroups: number[][];
  readonly fileOrgs: number[][];
  readonly fileViewers: number[];
}

function buildWorld(target: number, rng: Prng): World {
  const groupCount = Math.max(GROUPS_PER_ORG, Math.round((target * 0.55) / USERS_PER_GROUP));
  const orgs = Math.max(ORGS_PER_FILE, Math.round((target * 0.2) / GROUPS_PER_ORG));
  const files = Math.max(2, Math.round((target * 0.25) / (ORGS_PER_FILE + 1)));
  const users = Math.max(50, Math.round((groupCount * USERS_PER_GROUP) / 5));
  const groups = new GroupGraph(groupCount);
  for (let g = 0; g < groupCount; g++)
    for (const u of sampleDistinct(rng, users, USERS_PER_GROUP)) groups.addUser(g, u);
  const orgGroups = Array.from({ length: orgs }, () =>
    sampleDistinct(rng, groupCount, GROUPS_PER_ORG),
  );
  const fileOrgs: number[][] = [];
  const fileViewers: number[] = [];
  for (let f = 0; f < files; f++) {
    fileOrgs.push(sampleDistinct(rng, orgs, ORGS_PER_FILE));
    fileViewers.push(rng.int(users));
  }
  return { users, groups, orgGroups, fileOrgs, fileViewers };
}

function allows(w: World, f: number, u: number): boolean {
  if (w.fileViewers[f] === u) return true;
  const gs = w.groups.groupsOf(u);
  return w.fileOrgs[f]!.some((o) => w.orgGroups[o]!.some((g) => gs.has(g)));
}

function generate(size: Size, seed: number, options: GenerateOptions = {}): Workload {
  const rng = createPrng(seed);
  const w = buildWorld(targetTuples(size), rng.fork(1));
  const files = w.fileOrgs.length;
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
          const g = r.pick(w.orgGroups[r.pick(w.fileOrgs[f]!)!]!)!;
          return check(f, r.pick(w.groups.users[g]!)!, 'via-org-group');
        },
      },
      { weight: 1, make: (r) => check(r.int(files), w.fileViewers[r.int(files)]!, 'direct') },
      {
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
        w.fileOrgs.map((_, f) => f).filter((f) => allows(w, f, u)),
      ),
    }),
  );
  const lookupSubjects = collectLookups(sampleDistinct(lrng, files, lookups), lookups, (f) => {
    const users = new Set<number>([w.fileViewers[f]!]);
    for (const o of w.fileOrgs[f]!) for (const g of w.orgGroups[o]!) w.groups.membersOf(g, users);
    return {
      resource: obj('file', `f${f}`),
      permission: 'viewer',
      subjectType: 'user',
      expected: idList('u', users),
    };
  });
  return {
    name: 'double-wide-arrow',
    size,
    seed,
    schemaText: DOUBLE_WIDE_ARROW_SCHEMA,
    tupleCount:
      w.groups.tupleCount() + w.orgGroups.length * GROUPS_PER_ORG + files * (ORGS_PER_FILE + 1),
    tuples: stream(function* () {
      for (let g = 0; g < w.groups.count; g++)
        for (const u of w.groups.users[g]!)
          yield tuple('group', `g${g}`, 'member', 'user', `u${u}`);
      for (let o = 0; o < w.orgGroups.length; o++)
        for (const g of w.orgGroups[o]!) yield tuple('org', `o${o}`, 'group', 'group', `g${g}`);
      for (let f = 0; f < files; f++) {
        for (const o of w.fileOrgs[f]!) yield tuple('file', `f${f}`, 'org', 'org', `o${o}`);
        yield tuple('file', `f${f}`, 'view', 'user', `u${w.fileViewers[f]}`);
      }
    }),
    checks,
    lookupResources,
    lookupSubjects,
    facts: {
      users: w.users,
      groups: w.groups.count,
      orgs: w.orgGroups.length,
      files,
      meanLookupResources: mean(lookupResources.map((l) => l.expected.length)),
    },
  };
}

/** The `double-wide-arrow` workload generator (SpiceDB DoubleWideArrow shape). */
export const doubleWideArrowWorkload: WorkloadGenerator = {
  name: 'double-wide-arrow',
  description: "SpiceDB's DoubleWideArrow shape: file -> 20 orgs -> 10 groups -> 20 users",
  generate,
};
