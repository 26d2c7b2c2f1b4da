/**
 * Shared helpers of the TupleStore contract suites: tuple shorthands, error and watch assertions,
 * a manual clock, and the per-test store lifecycle.
 */
import { expect } from 'vitest';
import { isAppError } from '../../src/errors.ts';
import { formatTuple, parseTuple, type Tuple } from '../../src/model/index.ts';
import type { StoreOptions, TupleStore, WatchEvent, WriteOp } from '../../src/store/index.ts';

/** Builds a fresh, empty store; the suite closes it. */
export type StoreFactory = (opts?: StoreOptions) => Promise<TupleStore>;

export const HOUR = 3_600_000;
export const t = (text: string): Tuple => parseTuple(text);
export const create = (text: string): WriteOp => ({ op: 'create', tuple: t(text) });
export const touch = (text: string): WriteOp => ({ op: 'touch', tuple: t(text) });
export const del = (text: string): WriteOp => ({ op: 'delete', tuple: t(text) });
export const texts = (tuples: readonly Tuple[]): string[] => tuples.map(formatTuple).sort();

/** Asserts that `promise` rejects with an AppError carrying `code`, and returns the error. */
export async function expectCode(promise: Promise<unknown>, code: string) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeDefined();
  if (!isAppError(err)) throw err;
  expect(err.code).toBe(code);
  return err;
}

export async function collect(
  iter: AsyncIterable<WatchEvent>,
  n: number,
  pred: (e: WatchEvent) => boolean = () => true,
): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  for await (const e of iter) {
    if (pred(e)) out.push(e);
    if (out.length >= n) break;
  }
  return out;
}

/** A manual clock for GC and expiration tests. */
export function manualClock(start = Date.UTC(2030, 0, 1)) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** What a backend can do beyond the common contract. */
export interface StoreCapabilities {
  /** Reads proceed while a write transaction is open (false for PGlite: one connection). */
  readonly readsDuringWrites?: boolean;
}

/** Runs `fn` against a fresh store from `factory`, closing it afterwards. */
export function storeRunner(factory: StoreFactory) {
  return (fn: (s: TupleStore) => Promise<void>, opts?: StoreOptions) => async () => {
    const store = await factory(opts);
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  };
}

/** The viewers of document:d1, the query most tests read back. */
export const DOC_VIEWERS = { resourceType: 'document', resourceIds: ['d1'], relation: 'viewer' };
