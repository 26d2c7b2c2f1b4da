/**
 * Cleanup on interruption: a run that is stopped (Ctrl-C, SIGTERM, timeout) must still stop the
 * Postgres server and the server children it started and remove its temporary stores, or they
 * outlive it. Resources register a cleanup while they are alive and unregister it when closed.
 */

const pending = new Set<() => Promise<void>>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: cleaning up ${pending.size} resource(s)\n`);
    const all = [...pending].map((fn) => fn().catch(() => undefined));
    pending.clear();
    const timer = setTimeout(() => process.exit(130), 10_000);
    timer.unref();
    Promise.all(all).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

/** Registers `fn` to run if the process is interrupted; returns the function that unregisters it. */
export function onInterrupt(fn: () => Promise<void>): () => void {
  install();
  pending.add(fn);
  return () => {
    pending.delete(fn);
  };
}

/** Wraps a stop function so that it also unregisters itself (and runs at most once). */
export function guardStop(stop: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  const run = () => {
    done ??= stop();
    return done;
  };
  const unregister = onInterrupt(run);
  return () => {
    unregister();
    return run();
  };
}
