/**
 * Periodic garbage collection for a long-running server. The store never collects on its own (a
 * GC pass takes the write lock); the composition root starts this loop next to the HTTP server.
 */
import type { TupleStore } from './types.ts';

/**
 * Runs `store.gc()` every `intervalMs` (default 10 min), one pass at a time, until the returned
 * `stop()` is called. Failures go to `onError` and the loop keeps going; the timer does not keep
 * the process alive.
 */
export function scheduleGc(
  store: TupleStore,
  opts: {
    intervalMs?: number;
    onResult?: (r: { tuplesRemoved: number; revisionsRemoved: number }) => void;
    onError?: (err: unknown) => void;
  } = {},
): { stop(): Promise<void> } {
  const intervalMs = opts.intervalMs ?? 10 * 60_000;
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = store
      .gc()
      .then((r) => opts.onResult?.(r), opts.onError ?? (() => {}))
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
