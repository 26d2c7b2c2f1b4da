/**
 * Confirming candidates with the check engine. Uses `bulkCheck` when the engine has it (one shared
 * read loader and memo per batch: candidates of one lookup share most sub-problems), else `check`
 * with bounded concurrency. A check that runs out of time yields `undefined`; any other error is
 * re-thrown (never swallowed into a denial).
 */
import { mapLimit } from './budget.ts';
import { isOutOfTime } from './budget.ts';
import type { CheckRequest, CheckResult, LookupContext, LookupEngine } from './types.ts';

const CHECK_CONCURRENCY = 16;
/** Largest batch handed to bulkCheck at once (well under the engine's 10,000 cap). */
const BULK_CHUNK = 1000;

/** Checks every request; `undefined` marks a request the time budget did not allow to finish. */
export async function confirmAll(
  engine: LookupEngine,
  ctx: LookupContext,
  reqs: readonly CheckRequest[],
): Promise<(CheckResult | undefined)[]> {
  if (reqs.length === 0) return [];
  const bulk = engine.bulkCheck?.bind(engine);
  if (bulk) {
    const out: (CheckResult | undefined)[] = [];
    for (let i = 0; i < reqs.length; i += BULK_CHUNK) {
      for (const item of await bulk(ctx, reqs.slice(i, i + BULK_CHUNK))) {
        if (item.ok) out.push(item.result);
        else if (isOutOfTime(item.error)) out.push(undefined);
        else throw item.error;
      }
    }
    return out;
  }
  return mapLimit(reqs, CHECK_CONCURRENCY, async (req) => {
    try {
      return await engine.check(ctx, req);
    } catch (err) {
      if (isOutOfTime(err)) return undefined;
      throw err;
    }
  });
}
