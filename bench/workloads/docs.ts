/**
 * `docs`: users, groups nested up to 4 levels, a folder forest up to 6 deep and documents with
 * owner/editor/viewer/banned, under the real `schema/docs.zed` (read from disk, so the bench always
 * measures the sample schema users see). Checks cover read, view, edit, share (`owner +
 * parent->admin`) and delete (`owner & parent->edit`); answers come from the reference in
 * docs-world.ts.
 */
import { readFileSync } from 'node:fs';
import type { Prng } from '../lib/prng.ts';
import { createPrng } from '../lib/prng.ts';
import {
  buildDocsWorld,
  chainGrants,
  countDocsTuples,
  type DocsWorld,
  docAllows,
  docsTuples,
  type Grant,
  lookupDocs,
  lookupDocUsers,
  RELS,
} from './docs-world.ts';
import type { CheckCandidate, CheckSource } from './support.ts';
import {
  buildChecks,
  collectLookups,
  idList,
  mean,
  obj,
  sampleDistinct,
  stream,
  subj,
} from './support.ts';
import {
  DEFAULT_CHECKS,
  DEFAULT_LOOKUPS,
  type GenerateOptions,
  type LookupResourcesCase,
  type LookupSubjectsCase,
  type Size,
  targetTuples,
  type Workload,
  type WorkloadGenerator,
} from './types.ts';

/** The text of schema/docs.zed. */
export const DOCS_SCHEMA = readFileSync(new URL('../../schema/docs.zed', import.meta.url), 'utf8');

/** LookupResources cases aim at about this many results (each picked from a few candidates). */
const LOOKUP_TARGET = 300;
const LOOKUP_CANDIDATES = 10;

/** Check permissions in proportion: read is the common case. */
const PERMS = ['read', 'read', 'read', 'view', 'view', 'edit', 'edit', 'delete', 'share'];
const chainRels = (perm: string) =>
  perm === 'edit' || perm === 'delete' ? RELS.edit : perm === 'share' ? RELS.admin : RELS.view;

/** Check candidates over a docs world: hits through every path, and near misses. */
export function docsCheckSources(w: DocsWorld, perms: readonly string[] = PERMS): CheckSource[] {
  const docs = w.docParent.length;
  const check = (d: number, permission: string, u: number, label: string): CheckCandidate => ({
    resource: obj('document', `d${d}`),
    permission,
    subject: subj('user', `u${u}`),
    label,
  });
  const userFrom = (x: Grant, rng: Prng) => (x.group ? w.groups.randomMember(x.id, rng) : x.id);
  return [
    {
      // Someone the document's own or inherited grants let in (direct, nested groups, folders).
      weight: 5,
      make: (rng) => {
        const d = rng.int(docs);
        const perm = rng.pick(perms)!;
        const x = rng.pick(chainGrants(w, d, chainRels(perm)));
        const u = x && userFrom(x, rng);
        return u === undefined ? undefined : check(d, perm, u, x!.group ? 'via-group' : 'direct');
      },
    },
    {
      // Near miss: a banned user who can view but not read.
      weight: 1,
      make: (rng) => {
        const d = rng.int(docs);
        const b = w.docBanned[d]![0];
        const u = b && (b.group ? w.groups.randomMember(b.id, rng) : b.id);
        return u === undefined
          ? undefined
          : check(d, rng.pick(['read', 'view'])!, u, 'near-miss:banned');
      },
    },
    {
      // Near miss: a viewer asking for edit, delete or share.
      weight: 1,
      make: (rng) => {
        const d = rng.int(docs);
        const x = rng.pick(chainGrants(w, d, RELS.view).filter((g) => g.rel === 'viewer'));
        const u = x && userFrom(x, rng);
        const perm = rng.pick(perms.includes('share') ? ['edit', 'delete', 'share'] : ['edit'])!;
        return u === undefined ? undefined : check(d, perm, u, 'near-miss:viewer-escalates');
      },
    },
    {
      // Near miss: someone granted on a sibling document of the same folder.
      weight: 2,
      make: (rng) => {
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
      make: (rng) => check(rng.int(docs), rng.pick(perms)!, rng.int(w.users), 'random'),
    },
  ];
}

function generate(size: Size, seed: number, options: GenerateOptions = {}): Workload {
  const rng = createPrng(seed);
  const w = buildDocsWorld(targetTuples(size), rng.fork(1));
  const checks = buildChecks({
    count: options.checks ?? DEFAULT_CHECKS,
    rng: rng.fork(2),
    sources: docsCheckSources(w),
    evaluate: (c) =>
      docAllows(w, Number(c.resource.id.slice(1)), c.permission, Number(c.subject.id.slice(1))),
  });
  const lookups = options.lookups ?? DEFAULT_LOOKUPS;
  const lrng = rng.fork(3);
  const lperm = (i: number) => (['view', 'read', 'edit'] as const)[i % 3]!;
  // LookupResources subjects are chosen among several candidates for a result count near
  // LOOKUP_TARGET, the size the latency target is stated for.
  const candidates = sampleDistinct(lrng, w.users, lookups * LOOKUP_CANDIDATES);
  const lookupResources: LookupResourcesCase[] = [];
  for (let i = 0; i < lookups; i++) {
    const perm = lperm(i);
    let best: number[] | undefined;
    let bestUser = -1;
    for (const u of candidates.slice(i * LOOKUP_CANDIDATES, (i + 1) * LOOKUP_CANDIDATES)) {
      const found = lookupDocs(w, perm, u);
      if (found.length === 0) continue;
      if (!best || Math.abs(found.length - LOOKUP_TARGET) < Math.abs(best.length - LOOKUP_TARGET)) {
        best = found;
        bestUser = u;
      }
    }
    if (best)
      lookupResources.push({
        resourceType: 'document',
        permission: perm,
        subject: subj('user', `u${bestUser}`),
        expected: idList('d', best),
      });
  }
  const lookupSubjects: LookupSubjectsCase[] = collectLookups(
    sampleDistinct(lrng, w.docParent.length, lookups * 2),
    lookups,
    (d, i) => ({
      resource: obj('document', `d${d}`),
      permission: lperm(i),
      subjectType: 'user',
      expected: idList('u', lookupDocUsers(w, d, lperm(i))),
    }),
  );
  return {
    name: 'docs',
    size,
    seed,
    schemaText: DOCS_SCHEMA,
    tupleCount: countDocsTuples(w),
    tuples: stream(() => docsTuples(w)),
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
    'users, 4-level nested groups, 6-deep folder forest, documents with owner/editor/viewer/banned (schema/docs.zed)',
  generate,
};
