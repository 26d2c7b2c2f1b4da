/**
 * One store call per round of a walk. The lookup walks issue a round's reads together (every edge
 * out of the nodes that gained members); on a reader with `queryMany` (PGlite, Postgres) the reads
 * requested in the same tick are sent as one `queryMany`, so a round costs one statement instead
 * of one per edge. Readers without it are queried directly.
 */
import type { Tuple } from '../../model/index.ts';
import type { SnapshotReader, TupleQuery } from '../../store/types.ts';

/** A `query` function for `reader` that coalesces the calls of one tick (see above). */
export function coalescingQuery(reader: SnapshotReader): (q: TupleQuery) => Promise<Tuple[]> {
  const many = reader.queryMany;
  if (!many) return (q) => reader.query(q);
  let pending: { q: TupleQuery; resolve: (t: Tuple[]) => void; reject: (e: unknown) => void }[] =
    [];
  const flush = (): void => {
    const batch = pending;
    pending = [];
    if (batch.length === 1) {
      const only = batch[0] as (typeof batch)[number];
      reader.query(only.q).then(only.resolve, only.reject);
      return;
    }
    many
      .call(
        reader,
        batch.map((p) => p.q),
      )
      .then(
        (answers) => {
          for (let i = 0; i < batch.length; i++)
            (batch[i] as (typeof batch)[number]).resolve(answers[i] ?? []);
        },
        (err: unknown) => {
          for (const p of batch) p.reject(err);
        },
      );
  };
  return (q) =>
    new Promise<Tuple[]>((resolve, reject) => {
      if (pending.length === 0) queueMicrotask(flush);
      pending.push({ q, resolve, reject });
    });
}
