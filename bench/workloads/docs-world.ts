/**
 * The graph behind the `docs` and `agents` workloads, in dense integer ids: users, groups nested
 * up to 4 levels, a folder forest up to 6 deep, documents with owner/editor/viewer/banned. Also
 * the reference evaluation of `schema/docs.zed`'s permissions over it, written from the schema's
 * meaning (never calling the engine):
 *   folder:   admin = owner + parent->admin, edit = owner + editor + parent->edit,
 *             view = viewer + edit + parent->view
 *   document: edit and view as on folders, read = view - banned, share = owner + parent->admin,
 *             delete = owner & parent->edit
 */
import type { Tuple } from '../../src/model/index.ts';
import type { Prng } from '../lib/prng.ts';
import { GroupGraph, tuple } from './support.ts';

export type GrantRel = 'owner' | 'editor' | 'viewer';

/** A grant on a folder or document: `rel@user:u<id>` or `rel@group:g<id>#member`. */
export interface Grant {
  readonly rel: GrantRel;
  readonly group: boolean;
  readonly id: number;
}

/** A ban: `banned@user:u<id>` or `banned@group:g<id>#member`. */
export interface Ban {
  readonly group: boolean;
  readonly id: number;
}

const GROUP_LEVELS = 4;
const FOLDER_MAX_DEPTH = 6;

/** Which grant relations each chain permission accepts. */
export const RELS: Readonly<Record<'admin' | 'edit' | 'view', ReadonlySet<GrantRel>>> = {
  admin: new Set(['owner']),
  edit: new Set(['owner', 'editor']),
  view: new Set(['owner', 'editor', 'viewer']),
};

/** The generated graph. Folder and document parents are -1 when absent. */
export interface DocsWorld {
  readonly users: number;
  readonly groups: GroupGraph;
  readonly folderParent: Int32Array;
  readonly folderDepth: Int8Array;
  readonly folderGrants: Grant[][];
  readonly folderDocs: number[][];
  readonly docParent: Int32Array;
  readonly docGrants: Grant[][];
  readonly docBanned: Ban[][];
}

/** Adds a grant unless the identical tuple is already there (bulk imports reject duplicates). */
function addGrant(list: Grant[], x: Grant): void {
  if (!list.some((y) => y.rel === x.rel && y.group === x.group && y.id === x.id)) list.push(x);
}

/**
 * Builds a world of about `target` tuples; `docShare` is the fraction of the budget left to
 * documents after groups and folders (the agents workload keeps some for its own tuples).
 */
export function buildDocsWorld(target: number, rng: Prng, docShare = 1): DocsWorld {
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
  const docs = Math.max(20, Math.round(((target - groupTuples - folderTuples) * docShare) / 3.5));
  const docParent = new Int32Array(docs).fill(-1);
  const docGrants: Grant[][] = [];
  const docBanned: Ban[][] = [];
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
    const banned: Ban[] = [];
    if (rng.chance(0.1)) {
      // Ban someone who would otherwise see the document: the near miss `read` must catch.
      const g = rng.pick(gs.filter((x) => x.group));
      const u = g ? groups.randomMember(g.id, rng) : undefined;
      banned.push({ group: false, id: u ?? rng.int(users) });
    } else if (rng.chance(0.02)) {
      banned.push({ group: true, id: rng.int(groupCount) });
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

/** The world's tuples, streamed: group memberships, folders, then documents. */
export function* docsTuples(w: DocsWorld): Generator<Tuple> {
  for (let g = 0; g < w.groups.count; g++) {
    for (const u of w.groups.users[g]!) yield tuple('group', `g${g}`, 'member', 'user', `u${u}`);
    for (const c of w.groups.subgroups[g]!)
      yield tuple('group', `g${g}`, 'member', 'group', `g${c}`, 'member');
  }
  const subject = (type: string, id: string, rel: string, x: { group: boolean; id: number }) =>
    x.group
      ? tuple(type, id, rel, 'group', `g${x.id}`, 'member')
      : tuple(type, id, rel, 'user', `u${x.id}`);
  for (let f = 0; f < w.folderParent.length; f++) {
    const p = w.folderParent[f]!;
    if (p >= 0) yield tuple('folder', `f${f}`, 'parent', 'folder', `f${p}`);
    for (const x of w.folderGrants[f]!) yield subject('folder', `f${f}`, x.rel, x);
  }
  for (let d = 0; d < w.docParent.length; d++) {
    const p = w.docParent[d]!;
    if (p >= 0) yield tuple('document', `d${d}`, 'parent', 'folder', `f${p}`);
    for (const x of w.docGrants[d]!) yield subject('document', `d${d}`, x.rel, x);
    for (const b of w.docBanned[d]!) yield subject('document', `d${d}`, 'banned', b);
  }
}

/** Number of tuples `docsTuples` yields. */
export function countDocsTuples(w: DocsWorld): number {
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

/** Does folder f (or an ancestor) grant `rels` to user u? (`admin`, `edit`, `view` on a folder.) */
export function folderChainAllows(
  w: DocsWorld,
  f: number,
  rels: ReadonlySet<GrantRel>,
  u: number,
): boolean {
  const gs = w.groups.groupsOf(u);
  for (let x = f; x >= 0; x = w.folderParent[x]!)
    if (grants(rels, w.folderGrants[x]!, u, gs)) return true;
  return false;
}

/** Is user u banned from document d (directly or through a banned group)? */
export function isBanned(w: DocsWorld, d: number, u: number): boolean {
  const bans = w.docBanned[d]!;
  if (bans.length === 0) return false;
  const gs = w.groups.groupsOf(u);
  return bans.some((b) => (b.group ? gs.has(b.id) : b.id === u));
}

/** Reference answer for `document:d<d>#perm@user:u<u>`; perm is edit, view, read, share or delete. */
export function docAllows(w: DocsWorld, d: number, perm: string, u: number): boolean {
  const gs = w.groups.groupsOf(u);
  const parent = w.docParent[d]!;
  switch (perm) {
    case 'edit':
    case 'view':
      return (
        grants(RELS[perm], w.docGrants[d]!, u, gs) || folderChainAllows(w, parent, RELS[perm], u)
      );
    case 'read':
      return docAllows(w, d, 'view', u) && !isBanned(w, d, u);
    case 'share':
      return (
        grants(RELS.admin, w.docGrants[d]!, u, gs) || folderChainAllows(w, parent, RELS.admin, u)
      );
    case 'delete':
      return (
        grants(RELS.admin, w.docGrants[d]!, u, gs) && folderChainAllows(w, parent, RELS.edit, u)
      );
    default:
      throw new Error(`docs reference: unknown permission ${perm}`);
  }
}

/** Reference LookupResources over every document for `view`, `read` or `edit` (folder answers memoised). */
export function lookupDocs(w: DocsWorld, perm: 'view' | 'read' | 'edit', u: number): number[] {
  const rels = RELS[perm === 'read' ? 'view' : perm];
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
    if (perm === 'read' && isBanned(w, d, u)) continue;
    if (grants(rels, w.docGrants[d]!, u, gs) || folderOk(w.docParent[d]!)) out.push(d);
  }
  return out;
}

/** Reference LookupSubjects (users) for `view`, `read` or `edit`: every grant on the chain, expanded. */
export function lookupDocUsers(
  w: DocsWorld,
  d: number,
  perm: 'view' | 'read' | 'edit',
): Set<number> {
  const rels = RELS[perm === 'read' ? 'view' : perm];
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
  if (perm === 'read') {
    for (const b of w.docBanned[d]!) {
      if (!b.group) users.delete(b.id);
      else for (const u of w.groups.membersOf(b.id)) users.delete(u);
    }
  }
  return users;
}

/** Every grant of `rels` on document d and its folder chain. */
export function chainGrants(w: DocsWorld, d: number, rels: ReadonlySet<GrantRel>): Grant[] {
  const out = w.docGrants[d]!.filter((x) => rels.has(x.rel));
  for (let f = w.docParent[d]!; f >= 0; f = w.folderParent[f]!)
    for (const x of w.folderGrants[f]!) if (rels.has(x.rel)) out.push(x);
  return out;
}
