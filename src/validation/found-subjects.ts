/**
 * The subjects of a recursive expand, as SpiceDB's `validation:` block compares them: each subject
 * (objects, subject sets, wildcards with their exclusions) with its caveated flag and the relations in
 * whose expansion leaf it was found. Set operators follow the expand tree: `+` unions, `&` keeps
 * subjects present on every side (a wildcard matches any object of its type), `-` removes subjects
 * (a caveated removal leaves the subject caveated; a removal from a wildcard becomes an exclusion).
 */
import type { ExpandNode } from '../engine/index.ts';
import {
  ELLIPSIS,
  formatObject,
  formatSubject,
  type SubjectRef,
  WILDCARD,
} from '../model/index.ts';

/** One subject found by expand. */
export interface FoundSubject {
  readonly subject: SubjectRef;
  caveated: boolean;
  /** For a wildcard: excluded subjects by key, with whether the exclusion is caveated. */
  readonly excluded: Map<string, { subject: SubjectRef; caveated: boolean }>;
  readonly relations: Set<string>;
}

export type FoundSet = Map<string, FoundSubject>;

function clone(f: FoundSubject): FoundSubject {
  return {
    subject: f.subject,
    caveated: f.caveated,
    excluded: new Map(f.excluded),
    relations: new Set(f.relations),
  };
}

function add(set: FoundSet, f: FoundSubject): void {
  const key = formatSubject(f.subject);
  const prior = set.get(key);
  if (!prior) {
    set.set(key, clone(f));
    return;
  }
  prior.caveated = prior.caveated && f.caveated;
  for (const r of f.relations) prior.relations.add(r);
  // A wildcard found twice excludes only what both occurrences exclude.
  for (const k of [...prior.excluded.keys()]) if (!f.excluded.has(k)) prior.excluded.delete(k);
}

function unionAll(sets: FoundSet[]): FoundSet {
  const out: FoundSet = new Map();
  for (const s of sets) for (const f of s.values()) add(out, f);
  return out;
}

function wildcardOf(set: FoundSet, s: SubjectRef): FoundSubject | undefined {
  if (s.relation !== ELLIPSIS || s.id === WILDCARD) return undefined;
  return set.get(`${s.type}:${WILDCARD}`);
}

function intersect(a: FoundSet, b: FoundSet): FoundSet {
  const out: FoundSet = new Map();
  const take = (f: FoundSubject, other: FoundSubject): void => {
    const g = clone(f);
    g.caveated = f.caveated || other.caveated;
    for (const r of other.relations) g.relations.add(r);
    for (const [k, v] of other.excluded) g.excluded.set(k, v);
    add(out, g);
  };
  for (const [k, f] of a) {
    const direct = b.get(k);
    if (direct) take(f, direct);
    else {
      const w = wildcardOf(b, f.subject);
      if (w && !w.excluded.has(k)) take(f, w);
    }
  }
  for (const [k, f] of b) {
    if (a.has(k)) continue;
    const w = wildcardOf(a, f.subject);
    if (w && !w.excluded.has(k)) take(f, w);
  }
  return out;
}

function subtract(base: FoundSet, minus: FoundSet): FoundSet {
  const out: FoundSet = new Map();
  for (const [k, f] of base) {
    const g = clone(f);
    if (f.subject.id === WILDCARD) {
      const w = minus.get(k);
      if (w && !w.caveated) continue;
      if (w) g.caveated = true;
      for (const m of minus.values())
        if (
          m.subject.type === f.subject.type &&
          m.subject.id !== WILDCARD &&
          m.subject.relation === ELLIPSIS
        )
          g.excluded.set(formatSubject(m.subject), { subject: m.subject, caveated: m.caveated });
      out.set(k, g);
      continue;
    }
    const hit = minus.get(k) ?? wildcardOf(minus, f.subject);
    const hitExcluded = hit && hit.subject.id === WILDCARD && hit.excluded.has(k);
    if (hit && !hitExcluded) {
      if (!hit.caveated) continue;
      g.caveated = true;
    }
    out.set(k, g);
  }
  return out;
}

/** The found subjects of an expand tree. */
export function foundSubjects(node: ExpandNode): FoundSet {
  switch (node.kind) {
    case 'leaf': {
      const here = `${formatObject(node.resource)}#${node.name}`;
      const own: FoundSet = new Map();
      for (const s of node.subjects)
        add(own, {
          subject: s.subject,
          caveated: s.caveat !== undefined,
          excluded: new Map(),
          relations: new Set([here]),
        });
      const below = node.children.map((c) => {
        const set = foundSubjects(c);
        // Subjects reached through a caveated subject-set tuple are caveated.
        const via = node.subjects.find(
          (s) =>
            s.subject.type === c.resource.type &&
            s.subject.id === c.resource.id &&
            s.subject.relation === c.name,
        );
        if (via?.caveat) for (const f of set.values()) f.caveated = true;
        return set;
      });
      return unionAll([own, ...below]);
    }
    case 'union':
      return unionAll(node.children.map(foundSubjects));
    case 'intersection': {
      const [first, ...rest] = node.children.map(foundSubjects);
      return rest.reduce(intersect, first ?? new Map());
    }
    case 'exclusion':
      return subtract(foundSubjects(node.base), foundSubjects(node.subtract));
    case 'arrow': {
      const sets = node.children.map((c) => {
        const s = c.tree ? foundSubjects(c.tree) : new Map();
        if (c.tuple.caveat) for (const f of s.values()) f.caveated = true;
        return s;
      });
      if (node.mode === 'any') return unionAll(sets);
      const [first, ...rest] = sets;
      return rest.reduce(intersect, first ?? new Map());
    }
    case 'nil':
      return new Map();
    case 'self': {
      const subject = { ...node.resource, relation: ELLIPSIS };
      return new Map([
        [
          formatSubject(subject),
          {
            subject,
            caveated: false,
            excluded: new Map(),
            relations: new Set([`${formatObject(node.resource)}#${node.name}`]),
          },
        ],
      ]);
    }
  }
}

/** `user:* - {user:a, user:b[...]}` style text of a found subject (for messages and comparison). */
export function formatFound(f: Pick<FoundSubject, 'subject' | 'caveated' | 'excluded'>): string {
  let out = formatSubject(f.subject) + (f.caveated ? '[...]' : '');
  if (f.excluded.size > 0) {
    const ex = [...f.excluded.values()]
      .map((e) => formatSubject(e.subject) + (e.caveated ? '[...]' : ''))
      .sort();
    out = `${formatSubject(f.subject)} - {${ex.join(', ')}}${f.caveated ? '[...]' : ''}`;
  }
  return out;
}
