/**
 * Per-check state shared by every dispatch of one `check` (or one `bulkCheck`): the snapshot, the
 * subject, the request context, the read loader and the per-run memo. Nothing here outlives the call.
 */
import type { ObjectRef, SubjectRef, Tuple } from '../../model/index.ts';
import type { SchemaIR } from '../../schema/ir.ts';
import type {
  ClosureAlsoRead,
  ClosureQuery,
  SnapshotReader,
  TupleQuery,
} from '../../store/types.ts';
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
  /**
   * A data cycle below this node ran through the subtracted side of an exclusion. Such a cycle
   * has no value independent of where it was entered (f1 excludes what f2 grants, f2 excludes
   * what f1 grants): closing it at its root is right for that root only, so the result is never
   * memoised, cached or shared, not even where the cycle closes, nor anywhere above.
   */
  readonly unstable?: true;
  /**
   * Dispatch levels this result used, its own included (absent: none, as for a cut-off). A result
   * is reused (memo, cache, joined flight) only where that much depth budget is left: reusing it
   * with less would answer where a fresh walk raises `max_depth_exceeded`, so answers would depend
   * on evaluation order.
   */
  readonly depth?: number;
}

/** Whether outcome `o` may stand in for a fresh walk with `budget` dispatch levels left. */
export function fitsBudget(o: Outcome, budget: number): boolean {
  return (o.depth ?? 0) <= budget;
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
  /** Closure reads of this tick by shape (see `loadClosure`). */
  private readonly pendingClosures = new Map<
    string,
    {
      query: TupleQuery;
      key: string;
      direct: TupleQuery | undefined;
      directKey: string;
      followType: string | undefined;
      also: readonly TupleQuery[] | undefined;
      ids: Set<string>;
      waiters: Waiter[];
      /** Plain reads of this wave on the start objects, sent as the closure's `startReads`. */
      start: Pending[];
    }
  >();
  /** Every read of this run by shape, subject ids and resource: a snapshot never changes. */
  private readonly done = new Map<string, Promise<Tuple[]>>();
  private scheduled = false;
  private closed = false;
  constructor(
    private readonly reader: SnapshotReader,
    private readonly gauge?: LatencyGauge,
  ) {}

  /**
   * Tuples of `query` for the single resource `id` (query must not carry resourceIds). Repeated
   * reads within the run (a prefetch, then the evaluation that needs it) share one promise.
   */
  load(query: TupleQuery, id: string): Promise<Tuple[]> {
    if (this.closed) return NEVER;
    const key = shapeKey(query);
    const full = `${key}\u0002${query.subjectIds?.join('\u0001') ?? ''}\u0002${id}`;
    const known = this.done.get(full);
    if (known) return known;
    const promise = this.enqueue(key, query, id);
    this.done.set(full, promise);
    return promise;
  }

  /**
   * Like `load`, for a read of a self-nesting relation (`query` without subject ids: a group's
   * `group#member` subject sets, a folder's `parent` tupleset) on a reader with `queryClosure`:
   * the first such read walks the relation below `id` to a fixed point in one store call and
   * records the answer of the same read for every id it expanded, so the nested levels the
   * evaluation reaches next are answered from this run's read cache instead of one round trip per
   * level. The evaluation itself is unchanged: it sees exactly what `load` would have returned.
   * `subjectRelation` is the query's (typed closure) or absent (whole tupleset). With
   * `followType` (a whole tupleset whose subjects are of another, self-nesting type: a document's
   * `parent` folders), the closure starts on this read and follows `followType`'s own relation.
   */
  loadClosure(
    query: TupleQuery,
    id: string,
    direct?: TupleQuery,
    followType?: string,
    also?: { readonly key: string; readonly reads: readonly TupleQuery[] },
  ): Promise<Tuple[]> {
    if (this.closed) return NEVER;
    const key = shapeKey(query);
    const full = `${key}\u0002\u0002${id}`;
    const known = this.done.get(full);
    if (known) return known;
    const directKey = direct
      ? `${shapeKey(direct)}\u0002${direct.subjectIds?.join('\u0001') ?? ''}`
      : '';
    const batchKey = `${key}\u0003${directKey}\u0003${followType ?? ''}\u0003${also?.key ?? ''}`;
    let c = this.pendingClosures.get(batchKey);
    if (!c) {
      c = {
        query,
        key,
        direct,
        directKey,
        followType,
        also: also?.reads,
        ids: new Set(),
        waiters: [],
        start: [],
      };
      this.pendingClosures.set(batchKey, c);
    }
    c.ids.add(id);
    const entry = c;
    const promise = new Promise<Tuple[]>((resolve, reject) => {
      entry.waiters.push({ id, subjectIds: undefined, resolve, reject });
    });
    this.done.set(full, promise);
    this.schedule();
    return promise;
  }

  /**
   * Ends the run's reads once its answer is known. In concurrent mode the operands that lost keep
   * running after the root decided, and each level they reach would issue another read: on a
   * networked store that is round trips and database work nobody waits for, queued in front of
   * the next check's reads. After `close`, reads not yet sent are dropped and later ones are never
   * sent: their promises never settle, so the abandoned branches stop where they are (nothing
   * awaits them; they are garbage once the run is). Reads already sent still complete.
   */
  close(): void {
    this.closed = true;
    this.pending.clear();
    this.pendingClosures.clear();
  }

  /** Records the answer of read `prefix` for each of `ids` (unless already known). */
  private prime(prefix: string, ids: readonly string[], byId: ReadonlyMap<string, Tuple[]>): void {
    for (const id of ids) {
      const full = `${prefix}\u0002${id}`;
      if (!this.done.has(full)) this.done.set(full, Promise.resolve(byId.get(id) ?? []));
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // A reader that answers many queries per round trip gets the whole wave: the reads that one
    // store answer sets off are issued over several microtask turns (each dispatch awaits its
    // cache lookup first), so flush after them (setImmediate), not at the first microtask.
    if (this.reader.queryMany) setImmediate(() => this.flush());
    else queueMicrotask(() => this.flush());
  }

  /** Runs the pending closures; each primes the read of every id it expanded. */
  private flushClosures(): void {
    const closures = [...this.pendingClosures.values()];
    this.pendingClosures.clear();
    const read = this.reader.queryClosure;
    for (const c of closures) {
      const { query: q, key, direct: d, followType: follow } = c;
      const started = this.gauge ? performance.now() : 0;
      const closure: ClosureQuery = {
        resourceType: follow ?? q.resourceType,
        relation: q.relation ?? '',
        resourceIds: [...c.ids],
        ...(follow !== undefined ? { startType: q.resourceType } : {}),
        ...(c.also
          ? {
              also: c.also.map((a) => ({
                relation: a.relation ?? '',
                subjectType: a.subjectType ?? '',
                ...(a.subjectIds !== undefined ? { subjectIds: a.subjectIds } : {}),
                subjectRelation: a.subjectRelation ?? '',
              })),
            }
          : {}),
        ...(c.start.length > 0 ? { startReads: c.start.map(startRead) } : {}),
        ...(q.subjectRelation !== undefined ? { subjectRelation: q.subjectRelation } : {}),
        ...(d?.subjectType !== undefined && d.subjectIds && d.subjectRelation !== undefined
          ? {
              direct: {
                subjectType: d.subjectType,
                subjectIds: d.subjectIds,
                subjectRelation: d.subjectRelation,
              },
            }
          : {}),
      };
      (read as NonNullable<typeof read>).call(this.reader, closure).then(
        (res) => {
          this.gauge?.record(performance.now() - started);
          if (c.start.length > 0) this.settleStart(c.start, res.start);
          // The extra reads answer the same reads `load` would make on each expanded object.
          if (res.also && c.also)
            for (let i = 0; i < c.also.length; i++) {
              const a = c.also[i] as TupleQuery;
              const prefix = `${shapeKey(a)}\u0002${a.subjectIds?.join('\u0001') ?? ''}`;
              this.prime(prefix, res.expanded, byResourceId(res.also[i] ?? []));
            }
          if (follow !== undefined) {
            // Start ids are of the query's type, expanded ones of `follow`: group each apart.
            const own = byResourceId(res.tuples.filter((t) => t.resource.type === q.resourceType));
            const followed = res.tuples.filter((t) => t.resource.type === follow);
            const followKey = shapeKey({ resourceType: follow, relation: q.relation ?? '' });
            this.prime(`${followKey}\u0002`, res.expanded, byResourceId(followed));
            for (const w of c.waiters) w.resolve(own.get(w.id) ?? []);
            return;
          }
          const byId = byResourceId(res.tuples);
          this.prime(`${key}\u0002`, res.expanded, byId);
          if (res.direct && closure.direct)
            this.prime(c.directKey, res.expanded, byResourceId(res.direct));
          for (const w of c.waiters) w.resolve(byId.get(w.id) ?? []);
        },
        (err: unknown) => {
          for (const w of c.waiters) w.reject(err);
          for (const b of c.start) failBatch(b, err);
        },
      );
    }
  }

  /**
   * Moves this wave's plain reads on a start-type closure's own objects into that closure (its
   * `startReads`), so a document's relations and its folder chain go as one store call instead of
   * two in parallel: every statement is one more chance of a slow one.
   */
  private foldStartReads(): void {
    for (const c of this.pendingClosures.values()) {
      if (c.followType === undefined) continue;
      for (const [key, p] of this.pending) {
        const q = p.query;
        if (q.resourceType !== c.query.resourceType) continue;
        if (q.relation === undefined || q.subjectType === undefined) continue;
        if (q.subjectRelation === undefined) continue;
        let inside = true;
        for (const id of p.ids) if (!c.ids.has(id)) inside = false;
        if (!inside) continue;
        c.start.push(p);
        this.pending.delete(key);
      }
    }
  }

  /** Answers the start reads a closure carried; a reader that ignored them gets them asked again. */
  private settleStart(start: readonly Pending[], answers: readonly Tuple[][] | undefined): void {
    for (let i = 0; i < start.length; i++) {
      const b = start[i] as Pending;
      if (answers) settleBatch(b, answers[i] ?? []);
      else
        this.reader.query(batchQuery(b)).then(
          (tuples) => settleBatch(b, tuples),
          (err: unknown) => failBatch(b, err),
        );
    }
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
    this.schedule();
    return promise;
  }

  private flush(): void {
    this.scheduled = false;
    if (this.closed) return;
    if (this.pendingClosures.size > 0) {
      this.foldStartReads();
      this.flushClosures();
    }
    const batches = [...this.pending.values()];
    this.pending.clear();
    if (batches.length === 0) return;
    const queries = batches.map(batchQuery);
    const started = this.gauge ? performance.now() : 0;
    const settle = settleBatch;
    const fail = failBatch;
    const many = this.reader.queryMany;
    if (many && batches.length > 1) {
      many.call(this.reader, queries).then(
        (answers) => {
          this.gauge?.record(performance.now() - started);
          for (let i = 0; i < batches.length; i++) settle(batches[i] as Pending, answers[i] ?? []);
        },
        (err: unknown) => {
          for (const b of batches) fail(b, err);
        },
      );
      return;
    }
    for (let i = 0; i < batches.length; i++) {
      const b = batches[i] as Pending;
      this.reader.query(queries[i] as TupleQuery).then(
        (tuples) => {
          this.gauge?.record(performance.now() - started);
          settle(b, tuples);
        },
        (err: unknown) => fail(b, err),
      );
    }
  }
}

/** Hands each waiter of batch `b` its own rows of the batch's answer `tuples`. */
function settleBatch(b: Pending, tuples: readonly Tuple[]): void {
  const byId = byResourceId(tuples);
  for (const w of b.waiters) {
    const mine = byId.get(w.id) ?? [];
    const subjects = w.subjectIds;
    w.resolve(
      subjects && b.waiters.length > 1 ? mine.filter((t) => subjects.includes(t.subject.id)) : mine,
    );
  }
}

function failBatch(b: Pending, err: unknown): void {
  for (const w of b.waiters) w.reject(err);
}

/** A pending plain read as a closure's start read (its shape has relation and subject filter). */
function startRead(b: Pending): ClosureAlsoRead {
  const q = batchQuery(b);
  return {
    relation: q.relation ?? '',
    subjectType: q.subjectType ?? '',
    ...(q.subjectIds !== undefined ? { subjectIds: q.subjectIds } : {}),
    subjectRelation: q.subjectRelation ?? '',
  };
}

/** The answer of a read after its run closed: never settles (see `ReadLoader.close`). */
const NEVER: Promise<Tuple[]> = new Promise(() => {});

/** Tuples grouped by resource id. */
function byResourceId(tuples: readonly Tuple[]): Map<string, Tuple[]> {
  const out = new Map<string, Tuple[]>();
  for (const t of tuples) {
    const list = out.get(t.resource.id);
    if (list) list.push(t);
    else out.set(t.resource.id, [t]);
  }
  return out;
}

/** A read's shape: resource type, relation, subject type and subject relation. */
function shapeKey(q: TupleQuery): string {
  return `${q.resourceType}\u0000${q.relation ?? ''}\u0000${q.subjectType ?? ''}\u0000${q.subjectRelation ?? ''}`;
}

/** The store query of one pending batch: its shape with every waiter's resource and subject ids. */
function batchQuery(b: Pending): TupleQuery {
  const { subjectIds: _ignored, ...rest } = b.query;
  return b.subjectIds
    ? { ...rest, resourceIds: [...b.ids], subjectIds: [...b.subjectIds] }
    : { ...rest, resourceIds: [...b.ids] };
}
