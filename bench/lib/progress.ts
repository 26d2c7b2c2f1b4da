/**
 * Progress reporting for long phases: a redrawn bar on a TTY, and a few plain lines (every 25%)
 * otherwise, so logs of CI or piped runs stay readable. Writes to stderr, never stdout, so that
 * `--json` output on stdout stays clean.
 */

export interface Progress {
  /** Sets the absolute count done so far. */
  update(done: number): void;
  /** Adds to the count done. */
  tick(n?: number): void;
  /** Finishes the bar with an optional summary. */
  done(note?: string): void;
}

const BAR = 28;

/** A progress reporter for `total` units (0 or unknown: a counter without percentage). */
export function createProgress(label: string, total: number, stream = process.stderr): Progress {
  const tty = Boolean(stream.isTTY) && !process.env.CI;
  const start = performance.now();
  let count = 0;
  let lastDraw = 0;
  let lastQuarter = -1;
  const draw = (final: boolean) => {
    const t = performance.now();
    if (!final && tty && t - lastDraw < 100) return;
    lastDraw = t;
    const frac = total > 0 ? Math.min(1, count / total) : 0;
    const rate = count / Math.max(1e-3, (t - start) / 1000);
    const text =
      total > 0
        ? `${label} [${'#'.repeat(Math.round(frac * BAR)).padEnd(BAR, '.')}] ${(frac * 100).toFixed(0).padStart(3)}% ${count.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${Math.round(rate).toLocaleString('en-US')}/s`
        : `${label} ${count.toLocaleString('en-US')} ${Math.round(rate).toLocaleString('en-US')}/s`;
    if (tty) stream.write(`\r\x1b[2K${text}`);
    else {
      const quarter = Math.floor(frac * 4);
      if (final || quarter > lastQuarter) {
        lastQuarter = quarter;
        if (!final || quarter < 4) stream.write(`${text}\n`);
      }
    }
  };
  return {
    update(done) {
      count = done;
      draw(false);
    },
    tick(n = 1) {
      count += n;
      draw(false);
    },
    done(note) {
      draw(true);
      const secs = ((performance.now() - start) / 1000).toFixed(1);
      if (tty) stream.write(`${note ? `  ${note}` : ''} (${secs}s)\n`);
      else stream.write(`${label} done in ${secs}s${note ? `: ${note}` : ''}\n`);
    },
  };
}

/** A timed-phase ticker: shows elapsed/total seconds for a fixed-duration phase. */
export function createTimer(label: string, durationMs: number): Progress & { stop(): void } {
  const p = createProgress(`${label} (s)`, Math.ceil(durationMs / 1000));
  const start = performance.now();
  const h = setInterval(() => p.update(Math.floor((performance.now() - start) / 1000)), 250);
  h.unref();
  return {
    ...p,
    stop: () => clearInterval(h),
    done: (note) => {
      clearInterval(h);
      p.update(Math.ceil(durationMs / 1000));
      p.done(note);
    },
  };
}
