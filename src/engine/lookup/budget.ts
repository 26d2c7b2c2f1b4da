/**
 * Time budget of one lookup and small concurrency helpers. A lookup polls `expired()` between store
 * reads and check batches; when it turns true the lookup stops and reports `truncated: deadline`.
 */
import { isAppError } from '../../errors.ts';
import type { LookupContext } from './types.ts';

/** Deadline and abort signal of a request, polled cheaply. */
export class Budget {
  readonly #deadline: number | undefined;
  readonly #signal: AbortSignal | undefined;

  constructor(ctx: Pick<LookupContext, 'deadline' | 'signal'>) {
    this.#deadline = ctx.deadline;
    this.#signal = ctx.signal;
  }

  /** True once the deadline has passed or the request was aborted. */
  expired(): boolean {
    if (this.#signal?.aborted) return true;
    return this.#deadline !== undefined && Date.now() >= this.#deadline;
  }
}

/** Thrown inside a walk when the budget runs out; turned into `truncated: deadline` by the caller. */
export class OutOfTime extends Error {
  constructor() {
    super('lookup deadline reached');
    this.name = 'OutOfTime';
  }
}

/** Throws `OutOfTime` when the budget is spent. */
export function assertTime(budget: Budget): void {
  if (budget.expired()) throw new OutOfTime();
}

/** True for the errors that mean "the time budget ran out" (ours, the engine's or an abort). */
export function isOutOfTime(err: unknown): boolean {
  return (
    err instanceof OutOfTime ||
    isAppError(err, 'deadline_exceeded') ||
    (err instanceof Error && err.name === 'AbortError')
  );
}

/** Maps `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
