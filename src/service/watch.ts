/** Watch: committed changes after a zookie, as messages carrying the zookie they are current through. */
import type { Clove, ServiceDeps } from './clove.ts';
import type { WatchMessage } from './types.ts';

export function createWatchUseCase(deps: ServiceDeps): Pick<Clove, 'watch'> {
  const { store, zookies } = deps;
  return {
    async watch(opts) {
      const after = opts.afterZookie
        ? await zookies.decodeChecked(opts.afterZookie)
        : await store.headRevision();
      const events = store.watch(after, {
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.checkpointIntervalMs ? { checkpointIntervalMs: opts.checkpointIntervalMs } : {}),
      });
      async function* messages(): AsyncGenerator<WatchMessage> {
        for await (const e of events) {
          if (e.kind === 'checkpoint')
            yield { zookie: zookies.encode(e.revision), changes: [], checkpoint: true };
          else
            yield {
              zookie: zookies.encode(e.revision),
              changes: e.changes,
              ...(e.metadata ? { metadata: e.metadata } : {}),
              checkpoint: false,
            };
        }
      }
      return messages();
    },
  };
}
