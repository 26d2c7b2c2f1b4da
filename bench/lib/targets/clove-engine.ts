/**
 * Clove in-process: the engine and lookups called directly over a store snapshot, no service or
 * HTTP in between. `minimize_latency` reuses one snapshot pinned at the head revision seen when the
 * target was created (the data does not change during a run); `fully_consistent` asks the store for
 * its head revision on every call, which is what the service does for that mode. With the cache
 * on, every phase starts from an empty cache (`resetCache`), so no phase inherits another's warmth.
 */
import { createEngine } from '../../../src/engine/index.ts';
import type { EvalContext, ExpandNode } from '../../../src/engine/index.ts';
import { lookupResources, lookupSubjects } from '../../../src/engine/lookup/index.ts';
import type { SchemaIR } from '../../../src/schema/index.ts';
import type { TupleStore } from '../../../src/store/index.ts';
import type { ConsistencyMode, Target } from './types.ts';
import { toAnswer } from './types.ts';

/** Creates the in-process target; `cache: false` disables the engine's cross-request cache. */
export async function createCloveEngineTarget(opts: {
  store: TupleStore;
  schema: SchemaIR;
  cache: boolean;
}): Promise<Target> {
  const { store, schema } = opts;
  let engine = createEngine({ cache: opts.cache ? {} : false });
  const pinned: EvalContext = { reader: store.snapshot(await store.headRevision()), schema };
  const ctx = async (mode: ConsistencyMode): Promise<EvalContext> =>
    mode === 'minimize_latency'
      ? pinned
      : { reader: store.snapshot(await store.headRevision()), schema };
  return {
    name: `clove engine`,
    system: 'clove',
    mode: 'engine',
    cache: opts.cache ? 'on' : 'off',
    async check(c, mode) {
      const r = await engine.check(await ctx(mode), c);
      return toAnswer(r.permissionship);
    },
    async bulkCheck(cs, mode) {
      const items = await engine.bulkCheck(await ctx(mode), cs);
      return items.map((i) => (i.ok ? toAnswer(i.result.permissionship) : 'error'));
    },
    async lookupResources(l, mode) {
      const r = await lookupResources(engine, await ctx(mode), {
        resourceType: l.resourceType,
        permission: l.permission,
        subject: l.subject,
      });
      return r.results.map((x) => x.resourceId);
    },
    async lookupSubjects(l, mode) {
      const r = await lookupSubjects(engine, await ctx(mode), {
        resource: l.resource,
        permission: l.permission,
        subjectType: l.subjectType,
      });
      return r.subjects.map((x) => x.subjectId);
    },
    async expand(resource, permission, mode) {
      return countNodes(await engine.expand(await ctx(mode), { resource, permission }));
    },
    resetCache() {
      if (opts.cache) engine = createEngine({ cache: {} });
    },
    cacheStats: () => engine.stats(),
    async close() {},
  };
}

/** Number of nodes in an expand tree. */
export function countNodes(n: ExpandNode | null): number {
  if (!n) return 0;
  switch (n.kind) {
    case 'leaf':
    case 'union':
    case 'intersection':
      return 1 + n.children.reduce((s: number, c) => s + countNodes(c), 0);
    case 'exclusion':
      return 1 + countNodes(n.base) + countNodes(n.subtract);
    case 'arrow':
      return 1 + n.children.reduce((s: number, c) => s + countNodes(c.tree), 0);
    default:
      return 1;
  }
}
