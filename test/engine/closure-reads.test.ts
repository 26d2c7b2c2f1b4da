/**
 * The engine's round-trip savers on a networked-style reader (queryMany + queryClosure): a
 * document's own reads travel with its folder chain (`startReads`), the folders' reads with the
 * chain (`also`), and answers are exactly those of the synchronous walk, also when a reader
 * ignores `startReads`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  createEngine,
  type Engine,
  type EvalContext,
  lookupResources,
} from '../../src/engine/index.ts';
import { parseTuple } from '../../src/model/index.ts';
import { compileSchema } from '../../src/schema/index.ts';
import {
  type ClosureQuery,
  createMemoryStore,
  type SnapshotReader,
  type TupleQuery,
} from '../../src/store/index.ts';

const SCHEMA = readFileSync(new URL('../../schema/docs.zed', import.meta.url), 'utf8');

const TUPLES = [
  'group:eng#member@user:ann',
  'group:eng#member@group:core#member',
  'group:core#member@user:bob',
  'group:core#member@group:eng#member', // a cycle
  'group:ops#owner@user:cid',
  'folder:root#viewer@group:ops#member',
  'folder:root#editor@user:dan',
  'folder:mid#parent@folder:root',
  'folder:leaf#parent@folder:mid',
  'folder:leaf#viewer@user:*',
  'folder:other#owner@group:core#member',
  'document:plan#parent@folder:leaf',
  'document:plan#owner@user:eve',
  'document:plan#banned@group:core#member',
  'document:memo#parent@folder:other',
  'document:memo#viewer@group:eng#member',
  'document:memo#banned@user:ann',
  'document:loose#editor@user:bob',
];
const USERS = ['ann', 'bob', 'cid', 'dan', 'eve', 'zed'];
const DOCS = ['plan', 'memo', 'loose', 'none'];
const PERMISSIONS = ['view', 'read', 'edit', 'share', 'delete'];

/** A reader shaped like the SQL stores' (async reads, queryMany, queryClosure) that logs calls. */
function networked(
  base: SnapshotReader,
  opts: { ignoreStartReads?: boolean; ignoreUpReads?: boolean } = {},
) {
  const calls: string[] = [];
  const closures: ClosureQuery[] = [];
  const closure = base.queryClosure?.bind(base);
  if (!closure) throw new Error('the memory reader serves queryClosure');
  const reader: SnapshotReader = {
    revision: base.revision,
    now: base.now,
    query: async (q: TupleQuery) => {
      calls.push('query');
      return base.query(q);
    },
    queryMany: async (qs: readonly TupleQuery[]) => {
      calls.push('many');
      return Promise.all(qs.map((q) => base.query(q)));
    },
    queryClosure: async (q: ClosureQuery) => {
      calls.push('closure');
      closures.push(q);
      if (opts.ignoreUpReads) {
        const { upReads: _ignored, ...rest } = q;
        return closure(rest);
      }
      if (!opts.ignoreStartReads) return closure(q);
      const { startReads: _dropped, ...rest } = q;
      return closure(rest);
    },
  };
  return { reader, calls, closures };
}

async function answers(engine: Engine, ctx: EvalContext): Promise<string[]> {
  const out: string[] = [];
  for (const doc of DOCS)
    for (const permission of PERMISSIONS)
      for (const user of USERS) {
        const r = await engine.check(ctx, {
          resource: { type: 'document', id: doc },
          permission,
          subject: { type: 'user', id: user, relation: '...' },
        });
        out.push(`${doc}#${permission}@${user}=${r.permissionship}`);
      }
  return out;
}

describe('closure reads on a networked reader', () => {
  async function setup() {
    const store = createMemoryStore();
    const schema = compileSchema(SCHEMA);
    await store.writeSchema({ text: SCHEMA, ir: schema });
    const rev = await store.write(TUPLES.map((t) => ({ op: 'create', tuple: parseTuple(t) })));
    return { schema, snapshot: store.snapshot(rev) };
  }

  it('answers exactly as the synchronous walk, with and without start reads honoured', async () => {
    const { schema, snapshot } = await setup();
    const want = await answers(createEngine({ cache: false }), { schema, reader: snapshot });
    expect(want.filter((a) => a.endsWith('=allowed')).length).toBeGreaterThan(20);
    for (const ignoreStartReads of [false, true]) {
      const net = networked(snapshot, { ignoreStartReads });
      const engine = createEngine({ cache: false, operands: 'concurrent' });
      expect(await answers(engine, { schema, reader: net.reader })).toEqual(want);
      // The document's reads went as start reads of its folder closure.
      expect(net.closures.some((q) => q.startType === 'document' && q.startReads?.length)).toBe(
        true,
      );
    }
  });

  it('sends a document view check as one closure for the chain and one for the groups', async () => {
    const { schema, snapshot } = await setup();
    const net = networked(snapshot);
    const engine = createEngine({ cache: false, operands: 'concurrent' });
    const r = await engine.check(
      { schema, reader: net.reader },
      {
        resource: { type: 'document', id: 'memo' },
        permission: 'view',
        subject: { type: 'user', id: 'zed', relation: '...' },
      },
    );
    expect(r.permissionship).toBe('denied');
    // Wave 1: the document's relations, its folder chain and the folders' relations; wave 2: the
    // closure of every group found there. Nothing else.
    expect(net.calls).toEqual(['closure', 'closure']);
    const [chain, groups] = net.closures;
    expect(chain?.startType).toBe('document');
    expect(chain?.startReads?.map((x) => x.relation).sort()).toEqual([
      'editor',
      'editor',
      'owner',
      'owner',
      'viewer',
      'viewer',
    ]);
    expect(groups?.resourceType).toBe('group');
    expect([...(groups?.resourceIds ?? [])].sort()).toEqual(['core', 'eng']);
  });
});

/** Every lookupResources answer (documents and folders, three permissions, every user). */
async function lookups(engine: Engine, ctx: EvalContext): Promise<string[]> {
  const out: string[] = [];
  for (const resourceType of ['document', 'folder'])
    for (const permission of ['view', 'edit', resourceType === 'document' ? 'read' : 'view'])
      for (const user of USERS) {
        const r = await lookupResources(engine, ctx, {
          resourceType,
          permission,
          subject: { type: 'user', id: user, relation: '...' },
        });
        const ids = r.results.map((x) => `${x.resourceId}:${x.permissionship}`).join(',');
        out.push(`${resourceType}#${permission}@${user}=${ids}`);
      }
  return out;
}

describe('lookup walks on a networked reader', () => {
  it('answer as on the in-process reader, with and without upReads honoured, and carry reads', async () => {
    const store = createMemoryStore();
    const schema = compileSchema(SCHEMA);
    const rev = await store.write(TUPLES.map((t) => ({ op: 'create', tuple: parseTuple(t) })));
    const snapshot = store.snapshot(rev);
    const want = await lookups(createEngine({ cache: false }), { schema, reader: snapshot });
    expect(want.filter((a) => !a.endsWith('=')).length).toBeGreaterThan(10);
    const calls: number[] = [];
    for (const ignoreUpReads of [false, true]) {
      const net = networked(snapshot, { ignoreUpReads });
      const engine = createEngine({ cache: false });
      expect(await lookups(engine, { schema, reader: net.reader })).toEqual(want);
      calls.push(net.calls.length);
      if (!ignoreUpReads) expect(net.closures.some((q) => q.upReads?.length)).toBe(true);
    }
    // Honoured, the reads carried by closures are not asked again.
    expect(calls[0]).toBeLessThan(calls[1] as number);
  });

  it('reads the documents of a user in two rounds: from the user through the groups, then the folders', async () => {
    const store = createMemoryStore();
    const schema = compileSchema(SCHEMA);
    const rev = await store.write(TUPLES.map((t) => ({ op: 'create', tuple: parseTuple(t) })));
    const net = networked(store.snapshot(rev));
    const r = await lookupResources(
      createEngine({ cache: false }),
      { schema, reader: net.reader },
      {
        resourceType: 'document',
        permission: 'view',
        subject: { type: 'user', id: 'bob', relation: '...' },
      },
    );
    expect(r.results.map((x) => x.resourceId)).toEqual(['loose', 'memo', 'plan']);
    // Round 1, at once: the closure from user:bob through his groups and their nesting, carrying
    // the groups' grants (folder:other, document:memo), and the user's own grants (folder:leaf
    // through user:*). Round 2, at once: the closures below the folders found, carrying their
    // documents: [leaf, other] for `view`, [other] for `edit`. Nothing else.
    expect(net.calls).toEqual(['closure', 'many', 'closure', 'closure']);
    expect(net.closures[0]?.startSubject).toEqual({ type: 'user', relation: '...' });
    expect(net.closures[0]?.upReads?.length).toBe(6);
  });
});
