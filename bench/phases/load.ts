/**
 * Load phase: writes the schema, then bulk-imports every generated tuple into a Clove store
 * (one revision) and reports relationships per second. The tuple stream is generated on the fly,
 * so generation cost is inside the figure (it is small next to the import; see docs/benchmarks.md).
 */
import { compileSchema } from '../../src/schema/index.ts';
import type { SchemaIR } from '../../src/schema/index.ts';
import type { TupleStore } from '../../src/store/index.ts';
import { createProgress } from '../lib/progress.ts';
import { now } from '../lib/stats.ts';
import type { Workload } from '../workloads/index.ts';
import type { PhaseResult } from './types.ts';
import { rssMb } from './types.ts';

/** Loads `w` into an empty `store`; returns the result record and the compiled schema. */
export async function loadClove(
  store: TupleStore,
  storeName: string,
  w: Workload,
): Promise<{ result: PhaseResult; schema: SchemaIR }> {
  const schema = compileSchema(w.schemaText);
  await store.writeSchema({ text: w.schemaText, ir: schema });
  const progress = createProgress(`load clove/${storeName}`, w.tupleCount);
  const t0 = now();
  const { imported } = await store.bulkImport(w.tuples, {
    onProgress: (n) => progress.update(n),
  });
  const durationMs = now() - t0;
  progress.done(`${imported.toLocaleString('en-US')} tuples`);
  if (imported !== w.tupleCount)
    throw new Error(`bulk import stored ${imported} tuples, workload has ${w.tupleCount}`);
  return {
    schema,
    result: {
      phase: 'load',
      target: 'clove',
      system: 'clove',
      store: storeName,
      cache: 'n/a',
      concurrency: 1,
      ops: imported,
      unit: 'relationships',
      durationMs,
      throughput: imported / (durationMs / 1000),
      errors: 0,
      mismatches: 0,
      notes: { rssMb: rssMb() },
    },
  };
}
