/**
 * Bench: the reverse queries on the memory store, in-process. Two shapes:
 * - `docs` (Google-Docs-like, bench/workloads/docs.ts): lookupResources for the user who can view the
 *   most documents (all results, then the first page of 100), and every generated lookup case
 *   verified against the generator's own expected answers;
 * - `wide`: one group with N members viewing one document; lookupSubjects must list all N.
 * Prints medians and p95 per measurement and fails (exit 1) on any wrong answer.
 *
 *   npx tsx bench/lookup.bench.ts [--size small|medium|<tuples>] [--members 10000] [--rounds 20]
 */
import {
  createEngine,
  lookupResources,
  lookupSubjects,
  permissionsOf,
} from '../src/engine/index.ts';
import { ELLIPSIS, type Tuple } from '../src/model/index.ts';
import { compileSchema } from '../src/schema/index.ts';
import { createMemoryStore } from '../src/store/index.ts';
import type { SnapshotReader } from '../src/store/index.ts';
import { docsWorkload } from './workloads/index.ts';
import type { Size } from './workloads/index.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? String(process.argv[i + 1]) : fallback;
}
const sizeArg = arg('size', 'small');
const size: Size = /^\d+$/.test(sizeArg) ? Number(sizeArg) : (sizeArg as Size);
const members = Number(arg('members', '10000'));
const rounds = Number(arg('rounds', '20'));

let failures = 0;
function verify(what: string, got: readonly string[], want: readonly string[]): void {
  const a = [...got].sort().join(',');
  const b = [...want].sort().join(',');
  if (a !== b) {
    failures++;
    console.error(`WRONG ${what}: got ${got.length}, want ${want.length}`);
  }
}

/** Runs `fn` `rounds` times after two warm-ups; returns [median, p95] in ms. */
async function time(fn: () => Promise<unknown>): Promise<[number, number]> {
  await fn();
  await fn();
  const xs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await fn();
    xs.push(performance.now() - t);
  }
  xs.sort((a, b) => a - b);
  return [
    xs[Math.floor(xs.length / 2)] as number,
    xs[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))] as number,
  ];
}

function fmt([median, p95]: [number, number]): string {
  return `median ${median.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms`;
}

async function load(tuples: Iterable<Tuple>): Promise<SnapshotReader> {
  const store = createMemoryStore();
  storeRef = store;
  const { revision } = await store.bulkImport(tuples);
  return store.snapshot(revision);
}

let storeRef: ReturnType<typeof createMemoryStore> | undefined;

/**
 * Adds `user:heavy` as viewer of root folders (largest subtrees first) until the documents below
 * them reach 10,000 (or all). Returns a reader at the new revision and the expected documents,
 * computed from the tuple stream's own parent links, not by the engine.
 */
async function addHeavyViewer(
  tuples: Iterable<Tuple>,
  _rev: number,
): Promise<{ reader: SnapshotReader; expected: string[]; grants: Tuple[] }> {
  const folderParent = new Map<string, string>();
  const docsOf = new Map<string, string[]>();
  for (const t of tuples) {
    if (t.relation !== 'parent') continue;
    if (t.resource.type === 'folder') folderParent.set(t.resource.id, t.subject.id);
    else docsOf.set(t.subject.id, [...(docsOf.get(t.subject.id) ?? []), t.resource.id]);
  }
  const rootOf = (f: string): string => {
    let x = f;
    for (let p = folderParent.get(x); p !== undefined; p = folderParent.get(x)) x = p;
    return x;
  };
  const perRoot = new Map<string, string[]>();
  for (const [f, ds] of docsOf) perRoot.set(rootOf(f), [...(perRoot.get(rootOf(f)) ?? []), ...ds]);
  const roots = [...perRoot.entries()].sort((a, b) => b[1].length - a[1].length);
  const expected: string[] = [];
  const grants: Tuple[] = [];
  for (const [root, ds] of roots) {
    if (expected.length >= 10_000) break;
    expected.push(...ds);
    grants.push({
      resource: { type: 'folder', id: root },
      relation: 'viewer',
      subject: { type: 'user', id: 'heavy', relation: ELLIPSIS },
    });
  }
  const store = storeRef as ReturnType<typeof createMemoryStore>;
  const revision = await store.write(grants.map((tuple) => ({ op: 'touch' as const, tuple })));
  return { reader: store.snapshot(revision), expected: [...new Set(expected)], grants };
}

async function docs(): Promise<void> {
  const w = docsWorkload.generate(size, 42, { checks: 0, lookups: 20 });
  const schema = compileSchema(w.schemaText);
  const t0 = performance.now();
  const reader = await load(w.tuples);
  console.log(
    `docs: ${w.tupleCount} tuples loaded in ${(performance.now() - t0).toFixed(0)} ms; facts ${JSON.stringify(w.facts)}`,
  );
  const engine = createEngine();
  const ctx = { reader, schema };

  for (const c of w.lookupResources) {
    const r = await lookupResources(engine, ctx, c);
    verify(
      `lookupResources ${c.permission}@${c.subject.id}`,
      r.results.map((x) => x.resourceId),
      c.expected,
    );
  }
  for (const c of w.lookupSubjects) {
    const r = await lookupSubjects(engine, ctx, c);
    verify(
      `lookupSubjects ${c.resource.id}#${c.permission}`,
      r.subjects.map((x) => x.subjectId),
      c.expected,
    );
  }
  console.log(
    `docs: ${w.lookupResources.length} lookupResources and ${w.lookupSubjects.length} lookupSubjects cases verified`,
  );

  // The heavy reader: `user:heavy` views whole root folders until ~10,000 documents are reachable.
  const heavy = await addHeavyViewer(w.tuples, reader.revision);
  const hctx = { reader: heavy.reader, schema };
  const req = {
    resourceType: 'document',
    permission: 'view',
    subject: { type: 'user', id: 'heavy', relation: ELLIPSIS },
  };
  verify(
    'lookupResources view@heavy',
    (await lookupResources(engine, hctx, req)).results.map((x) => x.resourceId),
    heavy.expected,
  );
  console.log(
    `docs: lookupResources view, all ${heavy.expected.length} documents of user:heavy: ${fmt(await time(() => lookupResources(engine, hctx, req)))}`,
  );
  // The first page of 100 on the memory store as it is: it serves `queryOrdered`, so the last hop
  // reads about a page of tuples (sorted bucket copies merged by resource id). The first call also
  // builds the sorted copies of the buckets it touches: timed once, cold, before the warm runs.
  const firstPage = { ...req, limit: 100 };
  const tCold = performance.now();
  await lookupResources(engine, hctx, firstPage);
  const cold = performance.now() - tCold;
  const pages: string[] = [];
  for (let cursor: string | undefined, guard = 0; guard < 200; guard++) {
    const page = await lookupResources(engine, hctx, {
      ...req,
      limit: 100,
      ...(cursor ? { cursor } : {}),
    });
    pages.push(...page.results.map((x) => x.resourceId));
    cursor = page.cursor;
    if (!page.truncated) break;
  }
  verify('lookupResources view@heavy, pages of 100', pages, heavy.expected);
  console.log(
    `docs: lookupResources view, first page of 100 (memory store, ordered reads): ${fmt(await time(() => lookupResources(engine, hctx, firstPage)))}; first call (builds sorted bucket copies) ${cold.toFixed(2)} ms`,
  );
  // The same page on a reader without `queryOrdered` (what every store gave before it served
  // ordered reads; still the path of a reader that lacks the capability): the walk reads every
  // tuple of the last hop and keeps a bounded heap.
  const unordered: SnapshotReader = {
    revision: heavy.reader.revision,
    now: heavy.reader.now,
    query: (q) => heavy.reader.query(q),
    ...(heavy.reader.querySync && { querySync: heavy.reader.querySync }),
  };
  const uctx = { reader: unordered, schema };
  verify(
    'lookupResources view@heavy, first page, reader without queryOrdered',
    (await lookupResources(engine, uctx, firstPage)).results.map((x) => x.resourceId),
    pages.slice(0, 100),
  );
  console.log(
    `docs: lookupResources view, first page of 100 (reader without queryOrdered): ${fmt(await time(() => lookupResources(engine, uctx, firstPage)))}`,
  );
  const big = w.lookupResources.reduce((a, b) => (b.expected.length > a.expected.length ? b : a));
  const reads = w.lookupResources.filter((c) => c.permission === 'read');
  const bigRead = reads.reduce((a, b) => (b.expected.length > a.expected.length ? b : a));
  console.log(
    `docs: lookupResources read (view - banned), all ${bigRead.expected.length}: ${fmt(await time(() => lookupResources(engine, ctx, bigRead)))}`,
  );
  const ls = w.lookupSubjects.reduce((a, b) => (b.expected.length > a.expected.length ? b : a));
  console.log(
    `docs: lookupSubjects ${ls.permission}, ${ls.expected.length} users: ${fmt(await time(() => lookupSubjects(engine, ctx, ls)))}`,
  );
  const doc = { type: 'document', id: big.expected[0] as string };
  void big;
  console.log(
    `docs: permissionsOf ${doc.id} for ${big.subject.id}: ${fmt(await time(() => permissionsOf(engine, ctx, { resource: doc, subject: big.subject })))}`,
  );
}

async function wide(): Promise<void> {
  const schema = compileSchema(`definition user {}
definition group {
  relation member: user | group#member
}
definition document {
  relation viewer: user | group#member
  relation banned: user
  permission view = viewer
  permission read = viewer - banned
}`);
  const tuples: Tuple[] = [];
  for (let i = 0; i < members; i++) {
    tuples.push({
      resource: { type: 'group', id: 'big' },
      relation: 'member',
      subject: { type: 'user', id: `u${i}`, relation: ELLIPSIS },
    });
  }
  tuples.push({
    resource: { type: 'document', id: 'd0' },
    relation: 'viewer',
    subject: { type: 'group', id: 'big', relation: 'member' },
  });
  tuples.push({
    resource: { type: 'document', id: 'd0' },
    relation: 'banned',
    subject: { type: 'user', id: 'u7', relation: ELLIPSIS },
  });
  const ctx = { reader: await load(tuples), schema };
  const engine = createEngine();
  const want = Array.from({ length: members }, (_, i) => `u${i}`);
  const req = { resource: { type: 'document', id: 'd0' }, permission: 'view', subjectType: 'user' };
  verify(
    'wide lookupSubjects view',
    (await lookupSubjects(engine, ctx, req)).subjects.map((s) => s.subjectId),
    want,
  );
  const readReq = { ...req, permission: 'read' };
  verify(
    'wide lookupSubjects read',
    (await lookupSubjects(engine, ctx, readReq)).subjects.map((s) => s.subjectId),
    want.filter((u) => u !== 'u7'),
  );
  console.log(
    `wide: lookupSubjects view, ${members} members: ${fmt(await time(() => lookupSubjects(engine, ctx, req)))}`,
  );
  console.log(
    `wide: lookupSubjects read (viewer - banned), ${members - 1}: ${fmt(await time(() => lookupSubjects(engine, ctx, readReq)))}`,
  );
}

await docs();
await wide();
if (failures > 0) {
  console.error(`${failures} wrong answers`);
  process.exit(1);
}
