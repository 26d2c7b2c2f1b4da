/**
 * `docs`: users, groups nested up to 4 levels, a folder forest up to 6 deep and documents with
 * owner/editor/viewer/banned. The schema is the document/folder/group shape of `schema/docs.zed`:
 * `edit = owner + editor + parent->edit`, `view = viewer + edit + parent->view`, `read = view - banned`.
 * Expected answers come from a reference evaluation over the generator's own arrays.
 */
import { createPrng } from '../lib/prng.ts';
import type { Prng } from '../lib/prng.ts';
import {
  buildChecks,
  GroupGraph,
  idList,
  mean,
  obj,
  sampleDistinct,
  stream,
  subj,
  tuple,
} from './support.ts';
import type { CheckCandidate } from './support.ts';
import {
  DEFAULT_CHECKS,
  DEFAULT_LOOKUPS,
  targetTuples,
  type GenerateOptions,
  type LookupResourcesCase,
  type LookupSubjectsCase,
  type Size,
  type Workload,
  type WorkloadGenerator,
} from './types.ts';

export const DOCS_SCHEMA = `definition user {}

definition group {
  relation member: user | group#member
}

definition folder {
  relation parent: folder
  relation owner: user | group#member
  relation editor: user | group#member
  relation viewer: user | group#member

  permission edit = owner + editor + parent->edit
  permission view = viewer + edit + parent->view
}

definition document {
  relation parent: folder
  relation owner: user | group#member
  relation editor: user | group#member
  relation viewer: user | group#member
  relation banned: user

  permission edit = owner + editor + parent->edit
  permission view = viewer + edit + parent->view
  permission read = view - banned
}
`;

type GrantRel = 'owner' | 'editor' | 'viewer';
/** A grant on a folder or document: `rel@user:u<id>` or `rel@group:g<id>#member`. */
interface Grant {
  readonly rel: GrantRel;
  readonly group: boolean;
  readonly id: number;
}

const GROUP_LEVELS = 4;
const FOLDER_MAX_DEPTH = 6;
const RELS: Record<string, ReadonlySet<GrantRel>> = {
  edit: new Set(['owner', 'editor']),
  view: new Set(['owner', 'editor', 'viewer']),
  read: new Set(['owner', 'editor', 'viewer']),
};

/** The generated graph, in dense integer ids. Folder and document parents are -1 when absent. */
export interface DocsWorld {
  readonly users: number;
  readonly groups: GroupGraph;
  readonly folderParent: Int32Array;
  readonly folderDepth: Int8Array;
  readonly folderGrants: Grant[][];
  readonly folderDocs: number[][];
  readonly docParent: Int32Array;
  readonly docGrants: Grant[][];
  readonly docBanned: number[][];
}

/** Adds a grant unless the identical tuple is already there (bulk imports reject duplicates). */
function addGrant(list: Grant[], x: Grant): void {
  if (!list.some((y) => y.rel === x.rel && y.group === x.group && y.id === x.id)) list.push(x);
}

function buildWorld(target: number, rng: Prng): DocsWorld {
  const users = Math.max(40, Math.round(target * 0.05));
  const groupCount = Math.max(8, Math.round(target * 0.005));
  const folders = Math.max(8, Math.round(target * 0.01));
  const groups = new GroupGraph(groupCount);

  // Groups: levels 0..3; a group at level L > 0 is nested into one or two groups at level L-1,
  // so the longest membership chain is exactly GROUP_LEVELS groups.
  const levelOf = (g: number) =>
    Math.min(GROUP_LEVELS - 1, Math.floor((g * GROUP_LEVELS) / groupCount));
  const byLevel: number[][] = Array.from({ length: GROUP_LEVELS }, () => []);
  for (let g = 0; g < groupCount; g++) byLevel[levelOf(g)]!.push(g);
  for (let g = 0; g < groupCount; g++) {
    for (let k = rng.range(3, 12); k > 0; k--) groups.addUser(g, rng.int(users));
    const level = levelOf(g);
    if (level > 0) {
      const above = byLevel[level - 1]!;
      groups.addSubgroup(rng.pick(above)!, g);
      if (rng.chance(0.2)) groups.addSubgroup(rng.pick(above)!, g);
    }
  }

  const grant = (rel: GrantRel): Grant =>
    rng.chance(0.5)
      ? { rel, group: true, id: rng.int(groupCount) }
      : { rel, group: false, id: rng.int(users) };
  const pickRel = (): GrantRel => {
    const r = rng.next();
    return r < 0.6 ? 'viewer' : r < 0.85 ? 'editor' : 'owner';
  };

  // Folders: a forest; roots first, each later folder hangs under an earlier one of depth < 5.
  const folderParent = new Int32Array(folders).fill(-1);
  const folderDepth = new Int8Array(folders);
  const folderGrants: Grant[][] = [];
  const roots = Math.max(2, Math.round(folders / 10));
  for (let f = 0; f < folders; f++) {
    if (f >= roots) {
      let p = rng.int(f);
      while (folderDepth[p]! >= FOLDER_MAX_DEPTH - 1) p = folderParent[p]!;
      folderParent[f] = p;
      folderDepth[f] = folderDepth[p]! + 1;
    }
    const gs: Grant[] = [];
    if (f < roots) gs.push({ rel: 'viewer', group: true, id: rng.int(groupCount) });
    else if (rng.chance(0.6)) gs.push(grant(pickRel()));
    folderGrants.push(gs);
  }

  const groupTuples = groups.tupleCount();
  const folderTuples = folders - roots + folderGrants.reduce((s, g) => s + g.length, 0);
  const docs = Math.max(20, Math.round((target - groupTuples - folderTuples) / 3.5));
  const docParent = new Int32Array(docs).fill(-1);
  const docGrants: Grant[][] = [];
  const docBanned: number[][] = [];
  const folderDocs: number[][] = Array.from({ length: folders }, () => []);
  for (let d = 0; d < docs; d++) {
    if (rng.chance(0.9)) {
      const f = rng.int(folders);
      docParent[d] = f;
      folderDocs[f]!.push(d);
    }
    const gs: Grant[] = [{ rel: 'owner', group: false, id: rng.int(users) }];
    for (let k = rng.int(3); k > 0; k--) addGrant(gs, grant('viewer'));
    if (rng.chance(0.5)) addGrant(gs, grant('editor'));
    docGrants.push(gs);
    const banned: number[] = [];
    if (rng.chance(0.1)) {
      // Ban someone who would otherwise see the document: the near miss `read` must catch.
      const g = rng.pick(gs.filter((x) => x.group));
      const u = g ? groups.randomMember(g.id, rng) : undefined;
      banned.push(u ?? rng.int(users));
    }
    docBanned.push(banned);
  }
  return {
    users,
    groups,
    folderParent,
    folderDepth,
    folderGrants,
    folderDocs,
    docParent,
    docGrants,
    docBanned,
  };
}

function* tuplesOf(w: DocsWorld): Generator<ReturnType<typeof tuple>> {
  for (let g = 0; g < w.groups.count; g++) {
    for (const u of w.groups.users[g]!) yield tuple('group', `g${g}`, 'member', 'user', `u${u}`);
    for (const c of w.groups.subgroups[g]!)
      yield tuple('group', `g${g}`, 'member', 'group', `g${c}`, 'member');
  }
  const grantTuple = (type: string, id: string, x: Grant) =>
    x.group
      ? tuple(type, id, x.rel, 'group', `g${x.id}`, 'member')
      : tuple(type, id, x.rel, 'user', `u${x.id}`);
  for (let f = 0; f < w.folderParent.length; f++) {
    const p = w.folderParent[f]!;
    if (p >= 0) yield tuple('folder', `f${f}`, 'parent', 'folder', `f${p}`);
    for (const x of w.folderGrants[f]!) yield grantTuple('folder', `f${f}`, x);
  }
  for (let d = 0; d < w.docParent.length; d++) {
    const p = w.docParent[d]!;
    if (p >= 0) yield tuple('document', `d${d}`, 'parent', 'folder', `f${p}`);
    for (const x of w.docGrants[d]!) yield grantTuple('document', `d${d}`, x);
    for (const u of w.docBanned[d]!) yield tuple('document', `d${d}`, 'banned', 'user', `u${u}`);
  }
}

function countTuples(w: DocsWorld): number {
  let n = w.groups.tupleCount();
  for (let f = 0; f < w.folderParent.length; f++)
    n += (w.folderParent[f]! >= 0 ? 1 : 0) + w.folderGrants[f]!.length;
  for (let d = 0; d < w.docParent.length; d++)
    n += (w.docParent[d]! >= 0 ? 1 : 0) + w.docGrants[d]!.length + w.docBanned[d]!.length;
  return n;
}

function grants(rels: ReadonlySet<GrantRel>, list: readonly Grant[], u: number, gs: Set<number>) {
  return list.some((x) => rels.has(x.rel) && (x.group ? gs.has(x.id) : x.id === u));
}

/** Reference answer for `document:d<d>#perm@user:u<u>` (perm: edit | view | read). */
export function docAllows(w: DocsWorld, d: number, perm: string, u: number): boolean {
  const rels = RELS[perm]!;
  if (perm === 'read' && w.docBanned[d]!.includes(u)) return false;
  const gs = w.groups.groupsOf(u);
  if (grants(rels, w.docGrants[d]!, u, gs)) return true;
  for (let f = w.docParent[d]!; f >= 0; f = w.folderParent[f]!)
    if (grants(rels, w.folderGrants[f]!, u, gs)) return true;
  return false;
}

/** Reference LookupResources over every document (memoising folder answers). */
function lookupDocs(w: DocsWorld, perm: string, u: number): number[] {
  const rels = RELS[perm]!;
  const gs = w.groups.groupsOf(u);
  const memo = new Int8Array(w.folderParent.length).fill(-1);
  const folderOk = (f: number): boolean => {
    if (f < 0) return false;
    if (memo[f]! < 0)
      memo[f] = grants(rels, w.folderGrants[f]!, u, gs) || folderOk(w.folderParent[f]!) ? 1 : 0;
    return memo[f] === 1;
  };
  const out: number[] = [];
  for (let d = 0; d < w.docParent.length; d++) {
    if (perm === 'read' && w.docBanned[d]!.includes(u)) continue;
    if (grants(rels, w.docGrants[d]!, u, gs) || folderOk(w.docParent[d]!)) out.push(d);
  }
  return out;
}

/** Reference LookupSubjects: expand every grant on the document and its folder chain into users. */
function lookupUsers(w: DocsWorld, d: number, perm: string): number[] {
  const rels = RELS[perm]!;
  const users = new Set<number>();
  const add = (list: readonly Grant[]) => {
    for (const x of list) {
      if (!rels.has(x.rel)) continue;
      if (x.group) w.groups.membersOf(x.id, users);
      else users.add(x.id);
    }
  };
  add(w.docGrants[d]!);
  for (let f = w.docParent[d]!; f >= 0; f = w.folderParent[f]!) add(w.folderGrants[f]!);
  if (perm === 'read') for (const u of w.docBanned[d]!) users.delete(u);
  return [...users];
}

function chainGrants(w: DocsWorld, d: number, rels: ReadonlySet<GrantRel>): Grant[] {
  const out = w.docGrants[d]!.filter((x) => rels.has(x.rel));
  for (let f = w.docParent[d]!; f >= 0; f = w.folderParent[f]!)
    for (const x of w.folderGrants[f]!) if (rels.has(x.rel)) out.push(x);
  return out;
}

function checkCandidates(w: DocsWorld) {
  const docs = w.docParent.length;
  const check = (d: number, permission: string, u: number, label: string): CheckCandidate => ({
    resource: obj('document', `d${d}`),
    permission,
    subject: subj('user', `u${u}`),
    label,
  });
  const userFrom = (x: Grant, rng: Prng) => (x.group ? w.groups.randomMember(x.id, rng) : x.id);
  const perms = ['read', 'read', 'view', 'edit'];
  return [
    {
      // Someone the document's own or inherited grants let in (direct, via nested groups, via folders).
      weight: 5,
      make: (rng: Prng) => {
        const d = rng.int(docs);
        const perm = rng.pick(perms)!;
        const x = rng.pick(chainGrants(w, d, RELS[perm]!));
        const u = x && userFrom(x, rng);
        return u === undefined ? undefined : check(d, perm, u, x!.group ? 'via-group' : 'direct');
      },
    },
    {
      // Near miss: a banned user who can view but not read.
      weight: 1,
      make: (rng: Prng) => {
        const d = rng.int(docs);
        const u = w.docBanned[d]![0];
        return u === undefined
          ? undefined
          : check(d, rng.pick(['read', 'view'])!, u, 'near-miss:banned');
      },
    },
    {
      // Near miss: a viewer asking for edit.
      weight: 1,
      make: (rng: Prng) => {
        const d = rng.int(docs);
        const x = rng.pick(chainGrants(w, d, RELS.view!).filter((g) => g.rel === 'viewer'));
        const u = x && userFrom(x, rng);
        return u === undefined ? undefined : check(d, 'edit', u, 'near-miss:viewer-edit');
      },
    },
    {
      // Near miss: someone granted on a sibling document of the same folder.
      weight: 2,
      make: (rng: Prng) => {
        const d = rng.int(docs);
        const f = w.docParent[d]!;
        const sibling = f >= 0 ? rng.pick(w.folderDocs[f]!) : undefined;
        if (sibling === undefined || sibling === d) return undefined;
        const x = rng.pick(w.docGrants[sibling]!);
        const u = x && userFrom(x, rng);
        return u === undefined ? undefined : check(d, rng.pick(perms)!, u, 'near-miss:sibling');
      },
    },
    {
      weight: 1,
      make: (rng: Prng) => check(rng.int(docs), rng.pick(perms)!, rng.int(w.users), 'random'),
    },
  ];
}

function generate(size: Size, seed: number, options: GenerateOptions = {}): Workload {
  const rng = createPrng(seed);
  const w = buildWorld(targetTuples(size), rng.fork(1));
  const checks = buildChecks({
    count: options.checks ?? DEFAULT_CHECKS,
    rng: rng.fork(2),
    sources: checkCandidates(w),
    evaluate: (c) =>
      docAllows(w, Number(c.resource.id.slice(1)), c.permission, Number(c.subject.id.slice(1))),
  });
  const lookups = options.lookups ?? DEFAULT_LOOKUPS;
  const lrng = rng.fork(3);
  const lookupResources: LookupResourcesCase[] = [];
  for (const u of sampleDistinct(lrng, w.users, lookups * 3)) {
    if (lookupResources.length >= lookups) break;
    const permission = lookupResources.length % 2 === 0 ? 'view' : 'read';
    const found = lookupDocs(w, permission, u);
    if (found.length === 0) continue;
    lookupResources.push({
      resourceType: 'document',
      permission,
      subject: subj('user', `u${u}`),
      expected: idList('d', found),
    });
  }
  const lookupSubjects: LookupSubjectsCase[] = sampleDistinct(
    lrng,
    w.docParent.length,
    lookups,
  ).map((d, i) => {
    const permission = i % 2 === 0 ? 'view' : 'read';
    return {
      resource: obj('document', `d${d}`),
      permission,
      subjectType: 'user',
      expected: idList('u', lookupUsers(w, d, permission)),
    };
  });
  return {
    name: 'docs',
    size,
    seed,
    schemaText: DOCS_SCHEMA,
    tupleCount: countTuples(w),
    tuples: stream(() => tuplesOf(w)),
    checks,
    lookupResources,
    lookupSubjects,
    facts: {
      users: w.users,
      groups: w.groups.count,
      folders: w.folderParent.length,
      documents: w.docParent.length,
      maxFolderDepth: Math.max(...w.folderDepth) + 1,
      meanLookupResources: mean(lookupResources.map((l) => l.expected.length)),
    },
  };
}

/** The `docs` workload generator. */
export const docsWorkload: WorkloadGenerator = {
  name: 'docs',
  description:
    'users, 4-level nested groups, 6-deep folder forest, documents with owner/editor/viewer/banned',
  generate,
};
