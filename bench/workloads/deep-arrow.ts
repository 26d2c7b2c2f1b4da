/**
 * `deep-arrow`: SpiceDB's DeepArrow benchmark shape (`viewer = view + parent->viewer` over a
 * 31-link parent chain of documents), scaled out to many independent chains so that a size is
 * reached. A grant `view@user` on chain position j lets that user view positions 0..j; checking
 * position 0 for a grant near the far end walks ~30 arrows.
 */
import { createPrng } from '../lib/prng.ts';
import type { Prng } from '../lib/prng.ts';
import {
  buildChecks,
  collectLookups,
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

export const DEEP_ARROW_SCHEMA = `definition user {}

definition document {
  relation parent: document
  relation view: user
  permission viewer = view + parent->viewer
}
`;

/** Parent links per chain: positions 0..CHAIN_LINKS, position i's parent is i+1. */
const CHAIN_LINKS = 31;
const GRANTS_PER_CHAIN = 3;

interface World {
  readonly chains: number;
  readonly users: number;
  /** grants[c] = [position, user] pairs of `document:c<c>_<pos>#view@user:u<user>`. */
  readonly grants: (readonly [number, number])[][];
}

function buildWorld(target: number, rng: Prng): World {
  const chains = Math.max(2, Math.round(target / (CHAIN_LINKS + GRANTS_PER_CHAIN)));
  const users = Math.max(10, chains);
  const grants: (readonly [number, number])[][] = [];
  for (let c = 0; c < chains; c++) {
    const gs: (readonly [number, number])[] = [];
    // One grant deep at the far end (the slow path), the rest anywhere.
    gs.push([rng.range(CHAIN_LINKS - 3, CHAIN_LINKS), rng.int(users)]);
    while (gs.length < GRANTS_PER_CHAIN) {
      const g = [rng.int(CHAIN_LINKS + 1), rng.int(users)] as const;
      if (!gs.some(([j, u]) => j === g[0] && u === g[1])) gs.push(g);
    }
    grants.push(gs);
  }
  return { chains, users, grants };
}

const doc = (c: number, pos: number) => `c${c}_${pos}`;

/** Reference: user u views position `pos` of chain c iff u has a grant at some position >= pos. */
function allows(w: World, c: number, pos: number, u: number): boolean {
  return w.grants[c]!.some(([j, g]) => g === u && j >= pos);
}

function parseDoc(id: string): [number, number] {
  const [c, pos] = id.slice(1).split('_');
  return [Number(c), Number(pos)];
}

function generate(size: Size, seed: number, options: GenerateOptions = {}): Workload {
  const rng = createPrng(seed);
  const w = buildWorld(targetTuples(size), rng.fork(1));
  const check = (c: number, pos: number, u: number, label: string) => ({
    resource: obj('document', doc(c, pos)),
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
          const c = r.int(w.chains);
          const [j, u] = r.pick(w.grants[c]!)!;
          const pos = r.chance(0.5) ? 0 : r.int(j + 1);
          return check(c, pos, u, `arrow-depth-${j - pos < 20 ? 'lt20' : 'ge20'}`);
        },
      },
      {
        // Near miss: one position above the grant.
        weight: 3,
        make: (r) => {
          const c = r.int(w.chains);
          const [j, u] = r.pick(w.grants[c]!)!;
          return j < CHAIN_LINKS ? check(c, j + 1, u, 'near-miss:above-grant') : undefined;
        },
      },
      {
        weight: 1,
        make: (r) => check(r.int(w.chains), r.int(CHAIN_LINKS + 1), r.int(w.users), 'random'),
      },
    ],
    evaluate: (c) => {
      const [chain, pos] = parseDoc(c.resource.id);
      return allows(w, chain, pos, Number(c.subject.id.slice(1)));
    },
  });
  const lookups = options.lookups ?? DEFAULT_LOOKUPS;
  const lrng = rng.fork(3);
  const lookupResources = collectLookups(
    sampleDistinct(lrng, w.users, lookups * 4),
    lookups,
    (u) => {
      const found: string[] = [];
      for (let c = 0; c < w.chains; c++) {
        let top = -1;
        for (const [j, g] of w.grants[c]!) if (g === u) top = Math.max(top, j);
        for (let pos = 0; pos <= top; pos++) found.push(doc(c, pos));
      }
      return {
        resourceType: 'document',
        permission: 'viewer',
        subject: subj('user', `u${u}`),
        expected: found.sort(),
      };
    },
  );
  const lookupSubjects = collectLookups(
    sampleDistinct(lrng, w.chains, lookups * 2),
    lookups,
    (c) => {
      const pos = lrng.int(4);
      const users = new Set<number>();
      for (const [j, u] of w.grants[c]!) if (j >= pos) users.add(u);
      return {
        resource: obj('document', doc(c, pos)),
        permission: 'viewer',
        subjectType: 'user',
        expected: idList('u', users),
      };
    },
  );
  return {
    name: 'deep-arrow',
    size,
    seed,
    schemaText: DEEP_ARROW_SCHEMA,
    tupleCount: w.chains * (CHAIN_LINKS + GRANTS_PER_CHAIN),
    tuples: stream(function* () {
      for (let c = 0; c < w.chains; c++) {
        for (let pos = 0; pos < CHAIN_LINKS; pos++)
          yield tuple('document', doc(c, pos), 'parent', 'document', doc(c, pos + 1));
        for (const [j, u] of w.grants[c]!)
          yield tuple('document', doc(c, j), 'view', 'user', `u${u}`);
      }
    }),
    checks,
    lookupResources,
    lookupSubjects,
    facts: {
      chains: w.chains,
      chainLength: CHAIN_LINKS + 1,
      users: w.users,
      meanLookupResources: mean(lookupResources.map((l) => l.expected.length)),
    },
  };
}

/** The `deep-arrow` workload generator (SpiceDB DeepArrow shape). */
export const deepArrowWorkload: WorkloadGenerator = {
  name: 'deep-arrow',
  description:
    "SpiceDB's DeepArrow shape: 31-link document parent chains, viewer = view + parent->viewer",
  generate,
};
