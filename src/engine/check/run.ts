/**
 * Per-check state shared by every dispatch of one `check` (or one `bulkCheck`): the snapshot, the
 * subject, the request context, the read loader and the per-run memo. Nothing here outlives the call.
 */
import type { ObjectRef, SubjectRef, Tuple } from '../../model/index.ts';
import type { SchemaIR } from '../../schema/ir.ts';
import type { SnapshotReader, TupleQuery } from '../../store/types.ts';
import type { Tri } from '../tri.ts';

/** The result of one dispatch plus what the cache needs to know about it. */
export interface Outcome {
  readonly tri: Tri;
  /** Epoch ms at which the earliest tuple this result depended on expires (Infinity if none). */
  readonly until: number;
  /**
   * Lineage keys at which a data cycle was cut off below this node. A result with cut-offs is only
   * right relative to its lineage, so it is never cached (it is still a correct answer at the root).
   */
  readonly cutoffs?: ReadonlySet<string>;
}

/** The chain of nodes from the root check down to the current dispatch (for cycle detection). */
export interface Lineage {
  readonly key: string;
  readonly parent: Lineage | undefined;
  /** The in-flight computation of this node (absent for nodes answered without computing). */
  readonly flight?: Flight;
}

/**
 * A node being computed in this run. `waitsOn` lists the flights it awaits: the nodes it
 * dispatched and the flights it joined. The wait-for graph is what makes joining safe (flights.ts).
 */
export interface Flight {
  readonly key: string;
  promise: Promise<Outcome>;
  readonly waitsOn: Flight[];
  done: boolean;
}

/** One sub-problem: does the run's subject hold `name` on `resource`? */
export interface DispatchRequest {
  readonly resource: ObjectRef;
  readonly name: string;
  readonly lineage: Lineage | undefined;
  /** Dispatches left before `max_depth_exceeded`. */
  readonly depth: number;
}

export type Dispatch = (run: Run, req: DispatchRequest) => Promise<Outcome>;

export interface Run {
  readonly reader: SnapshotReader;
  readonly schema: SchemaIR;
  readonly subject: SubjectRef;
  readonly context: Readonly<Record<string, unknown>> | undefined;
  /** `subject|context|`: the run-specific prefix of every memo and cache key of this run. */
  readonly keyPrefix: string;
  /** `schemaTag|revision|subject|context|`: the prefix of this run's cross-request cache keys. */
  readonly cachePrefix: string;
  readonly explain: boolean;
  /** Issue all reads of a permission node at once (see prefetch.ts). */
  readonly prefetch: boolean;
  /** Evaluate `+ & -` operands left to right (in-process stores) instead of concurrently. */
  readonly sequential: boolean;
  readonly signal: AbortSignal | undefined;
  readonly deadline: number | undefined;
  readonly loader: ReadLoader;
  /** Final outcomes computed in this run, by node key (makes cache-off runs linear, not exponential). */
  readonly memo: Map<string, Outcome>;
  /** Nodes being computed in this run, by memo key: concurrent operands join instead of recomputing. */
  readonly flights: Map<string, Flight>;
  /** Nodes visited, in order (explain mode only; bounded). */
  readonly tried: string[] | undefined;
  triedCount: number;
}

/** `type:id#name`: the identity of a node within a run (the subject is fixed per run). */
export function nodeKey(resource: ObjectRef, name: string): string {
  return `${resource.type}:${resource.id}#${name}`;
}

/** True when `key` is on the lineage (a data cycle). */
export function onLineage(lineage: Lineage | undefined, key: string): boolean {
  for (let l = lineage; l; l = l.parent) if (l.key === key) return true;
  return false;
}

/** JSON with sorted keys, so equal contexts give equal cache keys. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`).join(',')}}`;
}

interface Waiter {
  readonly id: string;
  readonly subjectIds: readonly string[] | undefined;
  readonly resolve: (t: Tuple[]) => void;
  readonly reject: (e: unknown) => void;
}

interface Pending {
  readonly query: TupleQuery;
  readonly ids: Set<string>;
  /** Union of the waiters' subject ids; undefined when some waiter reads every subject. */
  subjectIds: Set<string> | undefined;
  readonly waiters: Waiter[];
}

/**
 * Coalesces single-resource reads into batched store queries. Reads of the same shape (resource
 * type, relation, subject type and relation) requested in the same tick become one query with many
 * `resourceIds` (and the union of their `subjectIds`); each caller gets back only its own rows.
 * Why: sibling dispatches (the parents of an arrow, the groups of a relation, the items of a bulk
 * check) start concurrently and each asks for its own tuples; one query per edge would dominate on
 * Postgres.
 */
/**
 * Smoothed store read latency in ms, shared by the runs of one engine; `auto` operand mode reads it.
 * Why measure instead of asking the store: the same engine may serve a memory store in tests and
 * a Postgres one in production, and a loaded Postgres is what concurrency is for.
 */
export class LatencyGauge {
  /** Exponentially weighted mean of query latency (ms); starts "slow" until measured. */
  ewmaMs = 1;
  record(ms: number): void {
    this.ewmaMs = this.ewmaMs * 0.9 + ms * 0.1;
  }
}

export class ReadLoader {
  private readonly pending = new Map<string, Pending>();
  /** Every read of this run by shape, subject ids and resource: a snapshot never changes. */
  private readonly done = new Map<string, Promise<Tuple[]>>();
  private scheduled = false;
  constructor(
    private readonly reader: SnapshotReader,
    private readonly gauge?: LatencyGauge,
  ) {}

  /**
   * Tuples of `query` for the single resource `id` (query must not carry resourceIds). Repeated
   * reads within the run (a prefetch, then the evaluation that needs it) share one promise.
   */
  load(query: TupleQuery, id: string): Promise<Tuple[]> {
    const key = `${query.resourceType}\u0000${query.relation ?? ''}\u0000${query.subjectType ?? ''}\u0000${query.subjectRelation ?? ''}`;
    const full = `${key}\u0002${query.subjectIds?.join('\u0001') ?? ''}\u0002${id}`;
    const known = this.done.get(full);
    if (known) return known;
    const promise = this.enqueue(key, query, id);
    this.done.set(full, promise);
    return promise;
  }

  private enqueue(key: string, query: TupleQuery, id: string): Promise<Tuple[]> {
    let p = this.pending.get(key);
    if (!p) {
      p = {
        query,
        ids: new Set(),
        subjectIds: query.subjectIds ? new Set() : undefined,
        waiters: [],
      };
      this.pending.set(key, p);
    }
    p.ids.add(id);
    if (!query.subjectIds) p.subjectIds = undefined;
    else if (p.subjectIds) for (const s of query.subjectIds) p.subjectIds.add(s);
    const entry = p;
    const promise = new Promise<Tuple[]>((resolve, reject) => {
      entry.waiters.push({ id, subjectIds: query.subjectIds, resolve, reject });
    });
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
    return promise;
  }

  private flush(): void {
    this.scheduled = false;
    const batches = [...this.pending.values()];
    this.pending.clear();
    for (const b of batches) {
      const { subjectIds: _ignored, ...rest } = b.query;
      const q: TupleQuery = b.subjectIds
        ? { ...rest, resourceIds: [...b.ids], subjectIds: [...b.subjectIds] }
        : { ...rest, resourceIds: [...b.ids] };
      const started = this.gauge ? performance.now() : 0;
      this.reader.query(q).then(
        (tuples) => {
          this.gauge?.record(performance.now() - started);
          const byId = new Map<string, Tuple[]>();
          for (const t of tuples) {
            const list = byId.get(t.resource.id);
            if (list) list.push(t);
            else byId.set(t.resource.id, [t]);
          }
          for (const w of b.waiters) {
            const mine = byId.get(w.id) ?? [];
            const subjects = w.subjectIds;
            w.resolve(
              subjects && b.waiters.length > 1
                ? mine.filter((t) => subjects.includes(t.subject.id))
                : mine,
            );
          }
        },
        (err: unknown) => {
          for (const w of b.waiters) w.reject(err);
        },
      );
    }
  }
}
