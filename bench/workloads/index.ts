/**
 * @module bench/workloads
 * Deterministic benchmark workloads: `generate(size, seed)` yields a schema, a streamed tuple set and
 * checks/lookups with expected answers computed by the generator itself (never by the engine), so a
 * benchmark also verifies correctness. Same `(size, seed)` → same workload, byte for byte.
 */
import { agentsWorkload } from './agents.ts';
import { deepArrowWorkload } from './deep-arrow.ts';
import { deepWorkload } from './deep.ts';
import { docsWorkload } from './docs.ts';
import { doubleWideArrowWorkload } from './double-wide-arrow.ts';
import type { WorkloadGenerator } from './types.ts';
import { wideArrowWorkload } from './wide-arrow.ts';

export * from './types.ts';
export { agentsWorkload } from './agents.ts';
export { deepArrowWorkload } from './deep-arrow.ts';
export { deepWorkload } from './deep.ts';
export { docsWorkload, DOCS_SCHEMA } from './docs.ts';
export { doubleWideArrowWorkload } from './double-wide-arrow.ts';
export { wideArrowWorkload } from './wide-arrow.ts';

/** Every workload by name, in the order the suite lists them. */
export const WORKLOADS: Readonly<Record<string, WorkloadGenerator>> = {
  docs: docsWorkload,
  agents: agentsWorkload,
  deep: deepWorkload,
  'deep-arrow': deepArrowWorkload,
  'wide-arrow': wideArrowWorkload,
  'double-wide-arrow': doubleWideArrowWorkload,
};

/** Looks a workload up by name; throws with the list of known names. */
export function getWorkload(name: string): WorkloadGenerator {
  const w = WORKLOADS[name];
  if (!w)
    throw new Error(`unknown workload "${name}" (known: ${Object.keys(WORKLOADS).join(', ')})`);
  return w;
}
