/**
 * The schema seen as a graph of nodes `type#relation` (relations, permissions, and `type#...` for a
 * plain object), built once per schema and cached. Reverse edges say "membership in node A can make a
 * subject a member of node B" (lookupResources walks them from the subject); forward steps say how a
 * node is evaluated (lookupSubjects walks them from the resource).
 *
 * Each edge carries a strength: `exact` edges lie on a pure union path (`+`, `->` / `.any`, a ref),
 * so a member found through them (with uncaveated tuples) is surely allowed; `positive` edges lie under
 * an intersection, an exclusion's base or `.all`, so a member found through them is only a candidate
 * the check engine must confirm; `negative` steps (an exclusion's subtracted side) can only take access
 * away and are walked only to list a wildcard's exclusions.
 */
import { ELLIPSIS } from '../../model/index.ts';
import type { ExprIR, SchemaIR } from '../../schema/ir.ts';

/** `type#relation`; `type#...` is the plain object. */
export type NodeKey = string;

/** Builds the key of a node. */
export function nodeKey(type: string, relation: string): NodeKey {
  return `${type}#${relation}`;
}

/** Path strength, ordered: a path is as strong as its weakest edge. */
export const NEGATIVE = 0;
export const POSITIVE = 1;
export const EXACT = 2;
export type Strength = typeof NEGATIVE | typeof POSITIVE | typeof EXACT;

/**
 * Reverse edge out of a node. `direct`: tuples `toType:?#toRel@fromType:ids#fromRel`; `wildcard`:
 * tuples `toType:?#toRel@fromType:*` (only out of `fromType#...`); `computed`: the same ids are members
 * of `toType#toRel` (a ref, or `self` out of `toType#...`); `arrow`: tuples
 * `toType:?#tupleset@fromType:ids[#any]` make `?` a member of `toType#toRel`.
 */
export type ReverseEdge =
  | {
      readonly kind: 'direct';
      readonly to: NodeKey;
      readonly toType: string;
      readonly toRel: string;
      readonly subjectType: string;
      readonly subjectRelation: string;
    }
  | {
      readonly kind: 'wildcard';
      readonly to: NodeKey;
      readonly toType: string;
      readonly toRel: string;
      readonly subjectType: string;
    }
  | { readonly kind: 'computed'; readonly to: NodeKey; readonly exact: boolean }
  | {
      readonly kind: 'arrow';
      readonly to: NodeKey;
      readonly toType: string;
      readonly tupleset: string;
      readonly subjectType: string;
      readonly exact: boolean;
    };

/** How a node is evaluated forward: read its tuples, or follow its permission expression's leaves. */
export type ForwardStep =
  | { readonly kind: 'tuples'; readonly relation: string }
  | { readonly kind: 'computed'; readonly relation: string; readonly strength: Strength }
  | { readonly kind: 'self'; readonly strength: Strength }
  | {
      readonly kind: 'arrow';
      readonly tupleset: string;
      readonly computed: string;
      readonly strength: Strength;
    };

/** The cached graph of one schema. */
export interface SchemaGraph {
  readonly schema: SchemaIR;
  /** Reverse edges by source node. */
  readonly reverse: ReadonlyMap<NodeKey, readonly ReverseEdge[]>;
  /** Forward steps by node (relations: one `tuples` step). */
  readonly forward: ReadonlyMap<NodeKey, readonly ForwardStep[]>;
  /** Nodes from which `target` is reachable along reverse edges (including `target`). */
  reachingNodes(target: NodeKey): ReadonlySet<NodeKey>;
  /** Nodes whose forward evaluation can yield subjects `subjectType#subjectRelation`. */
  producingNodes(subjectType: string, subjectRelation: string): ReadonlySet<NodeKey>;
  /** True when `type` defines a relation or permission called `name`. */
  hasNode(type: string, name: string): boolean;
  /** True when evaluating `node` can lead back to `node` (through refs, arrows or subject sets). */
  isRecursive(node: NodeKey): boolean;
}

// Why a cache: the graph depends only on the schema, which changes rarely, while lookups are hot.
// Keyed by IR object first (free when callers keep the IR they loaded), then by content hash (equal
// schemas loaded twice share one graph). Small and bounded: one entry per live schema version.
const BY_OBJECT = new WeakMap<SchemaIR, SchemaGraph>();
const BY_HASH = new Map<string, SchemaGraph>();
const MAX_CACHED = 16;

/** The graph of `schema`, built on first use and cached by IR object and content hash. */
export function schemaGraph(schema: SchemaIR): SchemaGraph {
  let g = BY_OBJECT.get(schema);
  if (g) return g;
  g = BY_HASH.get(schema.hash);
  if (!g || g.schema.definitions !== schema.definitions) {
    g = g && sameContent(g.schema, schema) ? g : buildGraph(schema);
    if (BY_HASH.size >= MAX_CACHED) BY_HASH.delete(BY_HASH.keys().next().value as string);
    BY_HASH.set(schema.hash, g);
  }
  BY_OBJECT.set(schema, g);
  return g;
}

// Hashes are meant to be unique; a cheap structural comparison guards hand-written IRs in tests.
function sameContent(a: SchemaIR, b: SchemaIR): boolean {
  return JSON.stringify(a.definitions) === JSON.stringify(b.definitions);
}

function buildGraph(schema: SchemaIR): SchemaGraph {
  const reverse = new Map<NodeKey, ReverseEdge[]>();
  const forward = new Map<NodeKey, ForwardStep[]>();
  const seen = new Set<string>();
  const addReverse = (from: NodeKey, edge: ReverseEdge): void => {
    const id = `${from}>${JSON.stringify(edge)}`;
    if (seen.has(id)) return;
    seen.add(id);
    const list = reverse.get(from);
    if (list) list.push(edge);
    else reverse.set(from, [edge]);
  };
  const hasNode = (type: string, name: string): boolean => {
    const d = schema.definitions[type];
    return d !== undefined && (name in d.relations || name in d.permissions);
  };

  for (const def of Object.values(schema.definitions)) {
    for (const rel of Object.values(def.relations)) {
      const to = nodeKey(def.name, rel.name);
      forward.set(to, [{ kind: 'tuples', relation: rel.name }]);
      for (const a of rel.allowed) {
        if (a.wildcard) {
          addReverse(nodeKey(a.type, ELLIPSIS), {
            kind: 'wildcard',
            to,
            toType: def.name,
            toRel: rel.name,
            subjectType: a.type,
          });
        } else {
          addReverse(nodeKey(a.type, a.relation), {
            kind: 'direct',
            to,
            toType: def.name,
            toRel: rel.name,
            subjectType: a.type,
            subjectRelation: a.relation,
          });
        }
      }
    }
    for (const perm of Object.values(def.permissions)) {
      const to = nodeKey(def.name, perm.name);
      const steps: ForwardStep[] = [];
      forward.set(to, steps);
      const visit = (e: ExprIR, strength: Strength, generator: boolean): void => {
        switch (e.kind) {
          case 'nil':
            return;
          case 'ref':
            steps.push({ kind: 'computed', relation: e.name, strength });
            if (generator)
              addReverse(nodeKey(def.name, e.name), {
                kind: 'computed',
                to,
                exact: strength === EXACT,
              });
            return;
          case 'self':
            steps.push({ kind: 'self', strength });
            if (generator)
              addReverse(nodeKey(def.name, ELLIPSIS), {
                kind: 'computed',
                to,
                exact: strength === EXACT,
              });
            return;
          case 'arrow': {
            const s: Strength =
              e.mode === 'all' ? (Math.min(strength, POSITIVE) as Strength) : strength;
            steps.push({ kind: 'arrow', tupleset: e.tupleset, computed: e.computed, strength: s });
            if (!generator) return;
            const ts = def.relations[e.tupleset];
            for (const a of ts?.allowed ?? []) {
              if (a.wildcard || !hasNode(a.type, e.computed)) continue;
              addReverse(nodeKey(a.type, e.computed), {
                kind: 'arrow',
                to,
                toType: def.name,
                tupleset: e.tupleset,
                subjectType: a.type,
                exact: s === EXACT,
              });
            }
            return;
          }
          case 'union':
            for (const c of e.children) visit(c, strength, generator);
            return;
          case 'intersection': {
            // Every member of an intersection is a member of its first child: that child alone
            // generates candidates (fewer to confirm); the others are walked forward only.
            const weak = Math.min(strength, POSITIVE) as Strength;
            e.children.forEach((c, i) => {
              visit(c, weak, generator && i === 0);
            });
            return;
          }
          case 'exclusion':
            visit(e.base, Math.min(strength, POSITIVE) as Strength, generator);
            visit(e.subtract, NEGATIVE, false);
            return;
        }
      };
      visit(perm.expr, EXACT, true);
    }
  }

  // Reverse adjacency of the reverse edges, for "which nodes can reach the target".
  const into = new Map<NodeKey, NodeKey[]>();
  for (const [from, edges] of reverse) {
    for (const e of edges) {
      const list = into.get(e.to);
      if (list) list.push(from);
      else into.set(e.to, [from]);
    }
  }
  const reaching = new Map<NodeKey, ReadonlySet<NodeKey>>();
  const producing = new Map<string, ReadonlySet<NodeKey>>();
  const successors = (n: NodeKey): NodeKey[] => forwardSuccessors(schema, forward, n, hasNode);
  const recursive = new Map<NodeKey, boolean>();

  return {
    schema,
    reverse,
    forward,
    hasNode,
    reachingNodes(target) {
      let set = reaching.get(target);
      if (!set) {
        set = closure([target], (n) => into.get(n) ?? []);
        reaching.set(target, set);
      }
      return set;
    },
    isRecursive(node) {
      let r = recursive.get(node);
      if (r === undefined) {
        r = [...closure(successors(node), successors)].includes(node);
        recursive.set(node, r);
      }
      return r;
    },
    producingNodes(subjectType, subjectRelation) {
      const key = nodeKey(subjectType, subjectRelation);
      let set = producing.get(key);
      if (!set) {
        set = computeProducers(schema, forward, subjectType, subjectRelation, hasNode);
        producing.set(key, set);
      }
      return set;
    },
  };
}

/** Every node reachable from `starts` through `next` (including the starts). */
function closure(starts: NodeKey[], next: (n: NodeKey) => readonly NodeKey[]): Set<NodeKey> {
  const out = new Set<NodeKey>(starts);
  const stack = [...starts];
  while (stack.length > 0) {
    for (const m of next(stack.pop() as NodeKey)) {
      if (!out.has(m)) {
        out.add(m);
        stack.push(m);
      }
    }
  }
  return out;
}

/**
 * Nodes that can yield `subjectType#subjectRelation` subjects when walked forward: a least fixpoint
 * over "a node produces if it is the target node itself (identity rule), admits the subject type
 * directly, runs `self` on that type, or steps into a producing node".
 */
function computeProducers(
  schema: SchemaIR,
  forward: ReadonlyMap<NodeKey, readonly ForwardStep[]>,
  subjectType: string,
  subjectRelation: string,
  hasNode: (type: string, name: string) => boolean,
): Set<NodeKey> {
  const succ = new Map<NodeKey, NodeKey[]>();
  const producers = new Set<NodeKey>();
  if (hasNode(subjectType, subjectRelation)) producers.add(nodeKey(subjectType, subjectRelation));
  for (const [key, steps] of forward) {
    const type = key.slice(0, key.indexOf('#'));
    const def = schema.definitions[type];
    if (!def) continue;
    const next: NodeKey[] = [];
    for (const s of steps) {
      if (s.kind === 'tuples') {
        for (const a of def.relations[s.relation]?.allowed ?? []) {
          if (
            a.type === subjectType &&
            subjectRelation === ELLIPSIS &&
            (a.wildcard || a.relation === ELLIPSIS)
          )
            producers.add(key);
          else if (!a.wildcard && a.relation !== ELLIPSIS) next.push(nodeKey(a.type, a.relation));
        }
      } else if (s.kind === 'computed') next.push(nodeKey(type, s.relation));
      else if (s.kind === 'self') {
        if (type === subjectType && subjectRelation === ELLIPSIS) producers.add(key);
      } else {
        for (const a of def.relations[s.tupleset]?.allowed ?? []) {
          if (!a.wildcard && hasNode(a.type, s.computed)) next.push(nodeKey(a.type, s.computed));
        }
      }
    }
    succ.set(key, next);
  }
  // Propagate backwards: a node producing makes every node stepping into it produce.
  const pred = new Map<NodeKey, NodeKey[]>();
  for (const [from, tos] of succ) {
    for (const to of tos) {
      const list = pred.get(to);
      if (list) list.push(from);
      else pred.set(to, [from]);
    }
  }
  return closure([...producers], (n) => pred.get(n) ?? []);
}

/** The nodes one forward step from `node` evaluates: refs, arrow targets, subject-set relations. */
function forwardSuccessors(
  schema: SchemaIR,
  forward: ReadonlyMap<NodeKey, readonly ForwardStep[]>,
  node: NodeKey,
  hasNode: (type: string, name: string) => boolean,
): NodeKey[] {
  const type = node.slice(0, node.indexOf('#'));
  const def = schema.definitions[type];
  const out: NodeKey[] = [];
  if (!def) return out;
  for (const s of forward.get(node) ?? []) {
    if (s.kind === 'computed') out.push(nodeKey(type, s.relation));
    else if (s.kind === 'tuples') {
      for (const a of def.relations[s.relation]?.allowed ?? []) {
        if (!a.wildcard && a.relation !== ELLIPSIS) out.push(nodeKey(a.type, a.relation));
      }
    } else if (s.kind === 'arrow') {
      for (const a of def.relations[s.tupleset]?.allowed ?? []) {
        if (!a.wildcard && hasNode(a.type, s.computed)) out.push(nodeKey(a.type, s.computed));
      }
    }
  }
  return out;
}
