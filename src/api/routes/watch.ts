/**
 * `/v1/watch`: a long-lived NDJSON stream of committed changes after a zookie (or from now), with
 * periodic checkpoints. Exempt from the request deadline; ends when the client disconnects or the
 * server shuts down.
 */
import type { Tuple } from '../../model/index.ts';
import { matchesFilter } from '../../store/index.ts';
import { ndjsonResponse } from '../ndjson.ts';
import { type App, type AppDeps, addRoute } from '../route.ts';

import { fromTuple, toTupleFilter } from '../wire/convert.ts';
import * as W from '../wire/relationships.ts';

export function addWatchRoutes(app: App, deps: AppDeps, shutdown: AbortSignal): void {
  const { clove } = deps;
  addRoute(
    app,
    deps,
    {
      path: '/v1/watch',
      summary: 'Watch relationship changes',
      description:
        'Streams one message per committed transaction after `optionalStartCursor` (a zookie), and ' +
        'checkpoints (`isCheckpoint: true`) while idle. Resume with the last `changesThrough`.',
      tag: 'Watch',
      role: 'reader',
      body: W.WatchRequest,
      response: W.WatchResponse,
      stream: true,
      noDeadline: true,
    },
    async (_c, body, call) => {
      const types = new Set(body.optionalObjectTypes ?? []);
      const filters = (body.optionalRelationshipFilters ?? []).map(toTupleFilter);
      const keep = (t: Tuple) =>
        (types.size === 0 || types.has(t.resource.type)) &&
        (filters.length === 0 || filters.some((f) => matchesFilter(t, f)));
      const messages = await clove.watch({
        ...(body.optionalStartCursor ? { afterZookie: body.optionalStartCursor.token } : {}),
        signal: AbortSignal.any([call.signal, shutdown]),
      });
      return ndjsonResponse(
        messages,
        (m) => {
          const updates = m.changes
            .filter((ch) => keep(ch.tuple))
            .map((ch) => ({
              operation: ch.op === 'touch' ? 'OPERATION_TOUCH' : 'OPERATION_DELETE',
              relationship: fromTuple(ch.tuple),
            }));
          // A transaction whose changes the filters all drop is, for this watcher, a checkpoint.
          if (m.checkpoint || updates.length === 0)
            return { updates: [], changesThrough: { token: m.zookie }, isCheckpoint: true };
          return {
            updates,
            changesThrough: { token: m.zookie },
            ...(m.metadata ? { optionalTransactionMetadata: m.metadata } : {}),
          };
        },
        { logger: call.logger, onEnd: call.done, lazy: true },
      );
    },
  );
}
