/**
 * The store reads of one lookup walk, for networked readers. The walks issue a round's reads
 * together (every edge out of the nodes that gained members); on a reader with `queryMany`
 * (PGlite, Postgres) the reads requested in the same tick are sent as one `queryMany`, so a round
 * costs one statement instead of one per edge. A self-nesting edge (the groups a group is nested
 * in, the folders below a folder) is read with one upward `queryClosure` instead of one round per
 * level: the answer of the same read for every id it expanded is kept, and later rounds asking for
 * those ids are answered here. Readers without `queryMany` are queried directly.
 */
import type { Tuple } from '../../model/index.ts';
import type {
  ClosureResult,
  ClosureUpRead,
  SnapshotReader,
  TupleQuery,
} from '../../store/types.ts';

interface Waiting {
  readonly q: TupleQuery;
  readonly resolve: (t: Tuple[]) => void;
  readonly reject: (e: unknown) => void;
}

/** A read's shape without its ids. */
function shapeOf(q: TupleQuery): string {
  return `${q.resourceType}\u0000${q.relation ?? ''}\u0000${q.subjectType ?? ''}\u0000${q.subjectRelation ?? '\u0001'}`;
}

export class WalkReads {
  private pending: Waiting[] = [];
  /** Answers known from closures: shape → subject id → tuples naming that subject. */
  private readonly known = new Map<string, Map<string, Tuple[]>>();
  /** Closures asked by this walk, by read shape, ids and carried reads. */
  private readonly closures = new Map<string, Promise<ClosureResult>>();
  readonly networked: boolean;

  constructor(private readonly reader: SnapshotReader) {
    this.networked = typeof reader.queryMany === 'function';
  }

  /** `reader.query(q)`, coalesced with the other reads of this tick and answered from closures. */
  query(q: TupleQuery): Promise<Tuple[]> {
    const cached = this.fromKnown(q);
    if (cached) return Promise.resolve(cached);
    if (!this.networked) return this.reader.query(q);
    return new Promise<Tuple[]>((resolve, reject) => {
      if (this.pending.length === 0) queueMicrotask(() => this.flush());
      this.pending.push({ q, resolve, reject });
    });
  }

  /**
   * The same answer as `query(q)` for a self-nesting read (`q.subjectType === q.resourceType`, by
   * subject ids): on a networked reader with `queryClosure`, one upward closure records the answer
   * for every id above, so the rounds that follow the nesting ask nothing of the store. `upReads`
   * (the reads of the other edges out of the same node) travel in the same closure and are
   * recorded the same way for every id it expanded.
   */
  async nested(q: TupleQuery, upReads: readonly ClosureUpRead[] = []): Promise<Tuple[]> {
    const cached = this.fromKnown(q);
    if (cached) return cached;
    const closure = this.reader.queryClosure;
    if (!this.networked || !closure || q.subjectIds === undefined || q.relation === undefined)
      return this.query(q);
    // Two edges can ask the same closure in one round (a folder's `parent` under both `view` and
    // `edit`): the second joins the first's store call.
    const key = `${shapeOf(q)}\u0000${q.subjectIds.join('\u0000')}\u0000${JSON.stringify(upReads)}`;
    let pending = this.closures.get(key);
    if (!pending) {
      pending = closure.call(this.reader, {
        resourceType: q.resourceType,
        relation: q.relation,
        resourceIds: q.subjectIds,
        ...(q.subjectRelation !== undefined ? { subjectRelation: q.subjectRelation } : {}),
        direction: 'up',
        ...(upReads.length > 0 ? { upReads } : {}),
      });
      this.closures.set(key, pending);
    }
    const res = await pending;
    this.remember(shapeOf(q), res.expanded, res.tuples);
    this.rememberUp(q.resourceType, upReads, res);
    return this.fromKnown(q) ?? [];
  }

  /**
   * The same answer as `query(q)` for a by-subject read into a nesting from subjects of another
   * type (a user's groups: `q` is `group#member@user:u`; the nesting `group#member@group#member`
   * has subject relation `nestingRelation`): one upward closure from the subjects
   * (`ClosureQuery.startSubject`) records the nesting's answer for every group above, and the
   * `upReads` for each, so the rounds that follow ask nothing of the store. A reader that does not
   * answer `startSubject` gets `q` asked as usual.
   */
  async entering(
    q: TupleQuery,
    nestingRelation: string,
    upReads: readonly ClosureUpRead[] = [],
  ): Promise<Tuple[]> {
    const cached = this.fromKnown(q);
    if (cached) return cached;
    const closure = this.reader.queryClosure;
    const { subjectIds: ids, subjectType: type, relation } = q;
    if (
      !this.networked ||
      !closure ||
      ids === undefined ||
      relation === undefined ||
      type === undefined ||
      type === q.resourceType
    )
      return this.query(q);
    const res = await closure.call(this.reader, {
      resourceType: q.resourceType,
      relation,
      resourceIds: ids,
      subjectRelation: nestingRelation,
      direction: 'up',
      startSubject:
        q.subjectRelation !== undefined ? { type, relation: q.subjectRelation } : { type },
      ...(upReads.length > 0 ? { upReads } : {}),
    });
    if (res.fromSubject !== true) return this.query(q);
    // The first level names the start subjects (another type); the rest is the nesting's.
    const first: Tuple[] = [];
    const nesting: Tuple[] = [];
    for (const t of res.tuples) (t.subject.type === type ? first : nesting).push(t);
    this.remember(shapeOf(q), ids, first);
    this.remember(
      shapeOf({
        resourceType: q.resourceType,
        relation,
        subjectType: q.resourceType,
        subjectRelation: nestingRelation,
      }),
      res.expanded,
      nesting,
    );
    this.rememberUp(q.resourceType, upReads, res);
    return this.fromKnown(q) ?? first;
  }

  /** Records a closure's `up` answers (absent when the store ignores `upReads`: asked as usual). */
  private rememberUp(type: string, upReads: readonly ClosureUpRead[], res: ClosureResult): void {
    if (!res.up) return;
    upReads.forEach((r, i) => {
      const shape = shapeOf({
        resourceType: r.resourceType,
        relation: r.relation,
        subjectType: type,
        ...(r.subjectRelation !== undefined ? { subjectRelation: r.subjectRelation } : {}),
      });
      this.remember(shape, res.expanded, res.up?.[i] ?? []);
    });
  }

  /** Records `tuples` as the complete answer of the by-subject read `shape` for each of `ids`. */
  private remember(shape: string, ids: readonly string[], tuples: readonly Tuple[]): void {
    let bySubject = this.known.get(shape);
    if (!bySubject) {
      bySubject = new Map();
      this.known.set(shape, bySubject);
    }
    const found = new Map<string, Tuple[]>();
    for (const t of tuples) {
      const list = found.get(t.subject.id);
      if (list) list.push(t);
      else found.set(t.subject.id, [t]);
    }
    for (const id of ids) if (!bySubject.has(id)) bySubject.set(id, found.get(id) ?? []);
  }

  /** True when `q` (a by-subject read) can be answered from closures without the store. */
  knows(q: TupleQuery | undefined): boolean {
    return q !== undefined && this.fromKnown(q) !== undefined;
  }

  /** The answer of a by-subject read when every subject id's answer is known. */
  private fromKnown(q: TupleQuery): Tuple[] | undefined {
    if (q.resourceIds !== undefined || q.subjectIds === undefined) return undefined;
    const bySubject = this.known.get(shapeOf(q));
    if (!bySubject) return undefined;
    const out: Tuple[] = [];
    for (const id of q.subjectIds) {
      const list = bySubject.get(id);
      if (!list) return undefined;
      for (const t of list) out.push(t);
    }
    return out;
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 1) {
      const only = batch[0] as Waiting;
      this.reader.query(only.q).then(only.resolve, only.reject);
      return;
    }
    (this.reader.queryMany as NonNullable<SnapshotReader['queryMany']>)
      .call(
        this.reader,
        batch.map((p) => p.q),
      )
      .then(
        (answers) => {
          for (let i = 0; i < batch.length; i++) (batch[i] as Waiting).resolve(answers[i] ?? []);
        },
        (err: unknown) => {
          for (const p of batch) p.reject(err);
        },
      );
  }
}
