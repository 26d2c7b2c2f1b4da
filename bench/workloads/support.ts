/**
 * Building blocks shared by the workload generators: tuple constructors, a group-membership graph
 * with transitive reference queries, and the balanced check-set builder.
 */
import type { ObjectRef, SubjectRef, Tuple } from '../../src/model/index.ts';
import type { Prng } from '../lib/prng.ts';
import type { CheckCase } from './types.ts';

const ELLIPSIS = '...';

export function obj(type: string, id: string): ObjectRef {
  return { type, id };
}

export function subj(type: string, id: string, relation = ELLIPSIS): SubjectRef {
  return { type, id, relation };
}

/** `resType:resId#relation@subjType:subjId[#subjRel]` as a Tuple. */
export function tuple(
  resType: string,
  resId: string,
  relation: string,
  subjType: string,
  subjId: string,
  subjRel = ELLIPSIS,
): Tuple {
  return {
    resource: { type: resType, id: resId },
    relation,
    subject: { type: subjType, id: subjId, relation: subjRel },
  };
}

/** Wraps a generator function as a re-iterable stream: every `for…of` starts again from the top. */
export function stream<T>(make: () => Generator<T>): Iterable<T> {
  return { [Symbol.iterator]: make };
}

/**
 * Groups whose `member` relation admits users and other groups' members (`group#member`).
 * Indices are dense integers; queries are transitive and memoised per user, which is what a
 * reference evaluation needs (the graph is immutable once generation finishes).
 */
export class GroupGraph {
  readonly users: number[][] = [];
  readonly subgroups: number[][] = [];
  private readonly userToGroups = new Map<number, number[]>();
  private readonly parents: number[][] = [];
  private readonly memo = new Map<number, Set<number>>();
  /** Keys of edges already added, so generators can add blindly and never emit a duplicate tuple. */
  private readonly userEdges = new Set<number>();
  private readonly groupEdges = new Set<number>();

  constructor(readonly count: number) {
    for (let g = 0; g < count; g++) {
      this.users.push([]);
      this.subgroups.push([]);
      this.parents.push([]);
    }
  }

  /** `group:g#member@user:u`; returns false (and adds nothing) for a duplicate. */
  addUser(g: number, u: number): boolean {
    const key = g * 2 ** 26 + u;
    if (this.userEdges.has(key)) return false;
    this.userEdges.add(key);
    this.users[g]!.push(u);
    const list = this.userToGroups.get(u);
    if (list) list.push(g);
    else this.userToGroups.set(u, [g]);
    return true;
  }

  /** `group:parent#member@group:child#member`: child's members are parent's members. Duplicates and self-loops are ignored. */
  addSubgroup(parent: number, child: number): boolean {
    const key = parent * 2 ** 26 + child;
    if (parent === child || this.groupEdges.has(key)) return false;
    this.groupEdges.add(key);
    this.subgroups[parent]!.push(child);
    this.parents[child]!.push(parent);
    return true;
  }

  /** Number of membership tuples. */
  tupleCount(): number {
    let n = 0;
    for (let g = 0; g < this.count; g++) n += this.users[g]!.length + this.subgroups[g]!.length;
    return n;
  }

  /** Every group user u is a member of, directly or through nesting. */
  groupsOf(u: number): Set<number> {
    const hit = this.memo.get(u);
    if (hit) return hit;
    const out = new Set<number>();
    const stack = [...(this.userToGroups.get(u) ?? [])];
    while (stack.length > 0) {
      const g = stack.pop()!;
      if (out.has(g)) continue;
      out.add(g);
      for (const p of this.parents[g]!) stack.push(p);
    }
    if (this.memo.size > 200_000) this.memo.clear();
    this.memo.set(u, out);
    return out;
  }

  /** Every user in group g, directly or through nested groups. */
  membersOf(g: number, into = new Set<number>()): Set<number> {
    const seen = new Set<number>();
    const stack = [g];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (seen.has(x)) continue;
      seen.add(x);
      for (const u of this.users[x]!) into.add(u);
      for (const c of this.subgroups[x]!) stack.push(c);
    }
    return into;
  }

  /** A user reached by a random walk down from g (prefers deeper paths); undefined if none found. */
  randomMember(g: number, rng: Prng): number | undefined {
    let x = g;
    for (let step = 0; step < 64; step++) {
      const subs = this.subgroups[x]!;
      const users = this.users[x]!;
      if (subs.length > 0 && (users.length === 0 || rng.chance(0.6))) x = rng.pick(subs)!;
      else if (users.length > 0) return rng.pick(users);
      else return undefined;
    }
    return undefined;
  }

  /** The nesting depth below g (1 when g has no subgroups). */
  depthBelow(g: number): number {
    let best = 1;
    for (const c of this.subgroups[g]!) best = Math.max(best, 1 + this.depthBelow(c));
    return best;
  }
}

/** A proposed check (the builder decides its expected answer with the reference evaluator). */
export type CheckCandidate = Omit<CheckCase, 'expected'>;

export interface CheckSource {
  readonly weight: number;
  make(rng: Prng): CheckCandidate | undefined;
}

/**
 * Builds `count` checks, half allowed and half denied as decided by `evaluate` (the generator's own
 * reference), drawing candidates from weighted sources (direct hits, deep paths, near misses).
 * Duplicates are avoided while possible; tiny worlds may repeat cases to reach the count.
 */
export function buildChecks(options: {
  count: number;
  rng: Prng;
  sources: readonly CheckSource[];
  evaluate: (c: CheckCandidate) => boolean;
}): CheckCase[] {
  const { count, rng, sources, evaluate } = options;
  const want = { allowed: Math.ceil(count / 2), denied: Math.floor(count / 2) };
  const buckets = { allowed: [] as CheckCase[], denied: [] as CheckCase[] };
  const seen = new Set<string>();
  const totalWeight = sources.reduce((s, x) => s + x.weight, 0);
  const maxAttempts = count * 60 + 1000;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    if (buckets.allowed.length >= want.allowed && buckets.denied.length >= want.denied) break;
    let r = rng.next() * totalWeight;
    let source = sources[sources.length - 1]!;
    for (const s of sources) {
      r -= s.weight;
      if (r < 0) {
        source = s;
        break;
      }
    }
    const c = source.make(rng);
    if (!c) continue;
    const key = `${c.resource.type}:${c.resource.id}#${c.permission}@${c.subject.type}:${c.subject.id}#${c.subject.relation}`;
    if (seen.has(key) && attempt < maxAttempts * 0.8) continue;
    const expected = evaluate(c) ? 'allowed' : 'denied';
    if (buckets[expected].length >= want[expected]) continue;
    seen.add(key);
    buckets[expected].push({ ...c, expected });
  }
  const out = [...buckets.allowed, ...buckets.denied];
  // Tiny worlds: top up by repeating what we have so the count is exact.
  for (let i = 0; out.length < count && out.length > 0; i++) out.push(out[i]!);
  return rng.shuffle(out);
}

/** Sorted copy of numeric ids rendered with a prefix (`u12`), in string order as SpiceDB sorts nothing. */
export function idList(prefix: string, ids: Iterable<number>): string[] {
  return Array.from(ids, (i) => `${prefix}${i}`).sort();
}

/** Picks `n` distinct values from [0, max) (or all of them when max <= n). */
export function sampleDistinct(rng: Prng, max: number, n: number): number[] {
  if (max <= n) return Array.from({ length: max }, (_, i) => i);
  const out = new Set<number>();
  while (out.size < n) out.add(rng.int(max));
  return [...out];
}

/** Rounded arithmetic mean (0 for an empty list). */
export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : Math.round(xs.reduce((s, x) => s + x, 0) / xs.length);
}

/** Sample the generator's own lookup answers until `n` non-empty cases are found. */
export function collectLookups<T extends { expected: readonly string[] }>(
  candidates: readonly number[],
  n: number,
  make: (candidate: number, index: number) => T,
): T[] {
  const out: T[] = [];
  for (const c of candidates) {
    if (out.length >= n) break;
    const l = make(c, out.length);
    if (l.expected.length > 0) out.push(l);
  }
  return out;
}
