/**
 * @module service
 * The use cases shared by the HTTP API and the CLI (`createClove`): schema writes and reads, tuple
 * writes validated against the schema, reads, deletes, import/export, check (with explain), bulk
 * check, expand, lookups, permissionsOf and watch. Consistency requirements resolve to one revision
 * per call, and every result carries that revision's zookie. Also the observability primitives
 * (Prometheus metrics, JSON logger) that the API, CLI and composition root share.
 */
export { createClove, type Clove, type CreateCloveOptions, type ServiceLimits } from './clove.ts';
export {
  type CheckDecision,
  createDecisionLog,
  openDecisionLog,
  DECISION_PROOF_MODES,
  type DecisionLog,
  type DecisionLogOptions,
  type DecisionLogStats,
  type DecisionProofMode,
} from './decision-log.ts';
export { createLineSink, type LineSink } from './decision-log-sink.ts';
export { createLogger, silentLogger, type Logger, type LogLevel } from './logger.ts';
export {
  createMetrics,
  MetricsRegistry,
  Counter,
  Gauge,
  Histogram,
  METRICS_CONTENT_TYPE,
  type CloveMetrics,
} from './metrics.ts';
export type * from './types.ts';
export type { ExpandNode } from '../engine/index.ts';
