/**
 * Bench: the store's write paths on each backend. For every backend it measures
 *   - bulk import: tuples/s for `--count` generated tuples (default 1,000,000) in one revision;
 *   - single-write latency: p50/p95/p99 of `--writes` one-tuple TOUCH transactions;
 *   - point-query latency: p50/p95 of `--queries` (type, relation, id) snapshot queries;
 * and checks the answers (imported count, point queries return exactly the generated tuples), so a
 * fast wrong store is not a result. Postgres is a throwaway loopback server (fsync off).
 *
 *   npx tsx bench/store-import.bench.ts [--count 100000] [--backends memory,pglite,postgres]
 *                                        [--writes 300] [--queries 2000] [--batch 5000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Tuple } from '../src/model/index.ts';
import { openStore, type TupleStore } from '../src/store/index.ts';
import { startTestPostgres } from '../test/support/postgres.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] as string) : fallback;
}

const COUNT = Number(arg('count', '1000000'));
const WRITES = Number(arg('writes', '300'));
const QUERIES = Number(arg('queries', '2000'));
const BATCH = Number(arg('batch', '5000'));
const BACKENDS = arg('backends', 'memory,pglite,postgres').split(',');
const DOCS_PER_FOLDER = 10;
const VIEWERS_PER_DOC = 5;

/** Deterministic tuples: doc i has VIEWERS_PER_DOC viewers (users or groups) and a parent folder. */
function* generate(n: number): Generator<Tuple> {
  let made = 0;
  for (let doc = 0; made < n; doc++) {
    const resource = { type: 'document', id: `doc-${doc}` };
    yield {
      resource,
      relation: 'parent',
      subject: { type: 'folder', id: `f-${Math.floor(doc / DOCS_PER_FOLDER)}`, relation: '...' },
    };
    made++;
    for (let v = 0; v < VIEWERS_PER_DOC && made < n; v++, made++) {
      const u = (doc * 7 + v * 13) % 50_000;
      yield v === 0
        ? {
            resource,
            relation: 'viewer',
            subject: { type: 'group', id: `g-${u % 500}`, relation: 'member' },
          }
        : {
            resource,
            relation: 'viewer',
            subject: { type: 'user', id: `u-${u}`, relation: '...' },
          };
    }
  }
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function measure(name: string, store: TupleStore) {
  const t0 = performance.now();
  let lastReport = t0;
  const { imported, revision } = await store.bulkImport(generate(COUNT), {
    batchSize: BATCH,
    onProgress: (k) => {
      const now = performance.now();
      if (now - lastReport > 5000) {
        lastReport = now;
        process.stderr.write(`  ${name}: ${k} imported\n`);
      }
    },
  });
  const importMs = performance.now() - t0;
  if (imported !== COUNT) throw new Error(`${name}: imported ${imported}, expected ${COUNT}`);

  // Correctness: point queries return exactly the generated viewers of a document.
  const docs = Math.ceil(COUNT / (VIEWERS_PER_DOC + 1));
  const snap = store.snapshot(revision);
  const queryMs: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const doc = (i * 7919) % docs;
    const q0 = performance.now();
    const got = await snap.query({
      resourceType: 'document',
      resourceIds: [`doc-${doc}`],
      relation: 'viewer',
    });
    queryMs.push(performance.now() - q0);
    const expected = doc === docs - 1 ? got.length : VIEWERS_PER_DOC;
    if (got.length !== expected)
      throw new Error(`${name}: doc-${doc} has ${got.length} viewers, expected ${expected}`);
  }
  const reverse = await snap.query({
    resourceType: 'document',
    relation: 'viewer',
    subjectType: 'group',
    subjectIds: ['g-1'],
    subjectRelation: 'member',
  });
  if (reverse.length === 0) throw new Error(`${name}: reverse lookup found nothing`);

  const writeMs: number[] = [];
  for (let i = 0; i < WRITES; i++) {
    const w0 = performance.now();
    await store.write([
      {
        op: 'touch',
        tuple: {
          resource: { type: 'document', id: `w-${i}` },
          relation: 'viewer',
          subject: { type: 'user', id: `u-${i}`, relation: '...' },
        },
      },
    ]);
    writeMs.push(performance.now() - w0);
  }
  writeMs.sort((a, b) => a - b);
  queryMs.sort((a, b) => a - b);
  return {
    backend: name,
    tuples: COUNT,
    importSeconds: +(importMs / 1000).toFixed(2),
    importPerSecond: Math.round(COUNT / (importMs / 1000)),
    writeP50ms: +pct(writeMs, 50).toFixed(3),
    writeP95ms: +pct(writeMs, 95).toFixed(3),
    writeP99ms: +pct(writeMs, 99).toFixed(3),
    queryP50ms: +pct(queryMs, 50).toFixed(3),
    queryP95ms: +pct(queryMs, 95).toFixed(3),
  };
}

async function main() {
  const rows = [];
  for (const backend of BACKENDS) {
    process.stderr.write(`${backend}: importing ${COUNT} tuples...\n`);
    if (backend === 'memory') {
      const store = await openStore('memory');
      rows.push(await measure(backend, store));
      await store.close();
    } else if (backend === 'pglite') {
      const dir = mkdtempSync(join(tmpdir(), 'clove-bench-pglite-'));
      try {
        const store = await openStore(join(dir, 'data'));
        rows.push(await measure(backend, store));
        await store.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } else if (backend === 'postgres') {
      const pg = await startTestPostgres();
      try {
        const store = await openStore(pg.url, { autoMigrate: true });
        rows.push(await measure(backend, store));
        await store.close();
      } finally {
        await pg.stop();
      }
    } else throw new Error(`unknown backend ${backend}`);
  }
  console.table(rows);
  console.log(JSON.stringify(rows));
}

await main();
