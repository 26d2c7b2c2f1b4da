/**
 * The watch loop shared by every backend: replay the revision log after a start revision, then wait
 * for commits, emitting a checkpoint whenever nothing happened for `checkpointIntervalMs`. Backends
 * differ only in how they fetch log entries and how they wait (memory: a wake-up; SQL: polling).
 */
import type { Revision } from '../../model/index.ts';
import type { TransactionMetadata, TupleChange, WatchEvent } from '../types.ts';

/** One committed revision as the watch loop needs it (schema-only revisions have no changes). */
export interface WatchLogEntry {
  readonly revision: Revision;
  readonly metadata?: TransactionMetadata;
  readonly changes: readonly TupleChange[];
}

/** What a backend supplies to the loop. */
export interface WatchSource {
  /** Validates the start revision (`revision_expired` / `invalid_zookie`). */
  check(rev: Revision): Promise<void>;
  /** Committed entries after `rev`, oldest first; throws `revision_expired` if some were collected. */
  entriesAfter(rev: Revision): WatchLogEntry[] | Promise<WatchLogEntry[]>;
  /** Resolves when a commit may have happened, after `ms` at most, or on abort. */
  waitForCommit(ms: number, signal?: AbortSignal): Promise<unknown>;
  isClosed(): boolean;
}

/** Streams `WatchEvent`s after `afterRevision` until the signal aborts or the store closes. */
export async function* watchLog(
  src: WatchSource,
  afterRevision: Revision,
  opts: { signal?: AbortSignal; checkpointIntervalMs?: number },
): AsyncGenerator<WatchEvent> {
  await src.check(afterRevision);
  const interval = opts.checkpointIntervalMs ?? 1000;
  let cursor = afterRevision;
  let idleSince = Date.now();
  while (!opts.signal?.aborted && !src.isClosed()) {
    const entries = await src.entriesAfter(cursor);
    if (entries.length > 0) {
      for (const e of entries) {
        if (e.changes.length > 0)
          yield {
            kind: 'changes',
            revision: e.revision,
            changes: e.changes,
            ...(e.metadata && { metadata: e.metadata }),
          };
        cursor = e.revision;
      }
      idleSince = Date.now();
      continue;
    }
    const remaining = interval - (Date.now() - idleSince);
    if (remaining <= 0) {
      yield { kind: 'checkpoint', revision: cursor };
      idleSince = Date.now();
      continue;
    }
    await src.waitForCommit(remaining, opts.signal);
  }
}
