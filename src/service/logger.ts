/**
 * Structured JSON logging: one object per line on stderr (or a given sink) with `time`, `level`,
 * `msg` and any fields. Child loggers carry fields such as the request id. Never pass secrets in
 * fields: nothing here redacts.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every line. */
  child(fields: Record<string, unknown>): Logger;
  /**
   * Optional: whether a line at `level` would be written. Hot callers skip building fields of a
   * line that would be dropped; without it, callers assume yes.
   */
  enabled?(level: Exclude<LogLevel, 'silent'>): boolean;
}

/** Creates a JSON-lines logger at `level`, writing to `sink` (default: stderr). */
export function createLogger(
  level: LogLevel = 'info',
  sink: (line: string) => void = (line) => process.stderr.write(line),
  base: Record<string, unknown> = {},
): Logger {
  return new JsonLogger(ORDER[level], level, sink, base);
}

/**
 * A class rather than closures: the server makes a child logger per request (for the request id),
 * and a child is then one small object instead of five closures.
 */
class JsonLogger implements Logger {
  constructor(
    private readonly min: number,
    private readonly level: LogLevel,
    private readonly sink: (line: string) => void,
    private readonly base: Record<string, unknown>,
  ) {}

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.emit('debug', msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.emit('info', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.emit('warn', msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.emit('error', msg, fields);
  }
  child(fields: Record<string, unknown>): Logger {
    return new JsonLogger(this.min, this.level, this.sink, { ...this.base, ...fields });
  }
  enabled(level: Exclude<LogLevel, 'silent'>): boolean {
    return ORDER[level] >= this.min;
  }

  private emit(
    lvl: Exclude<LogLevel, 'silent'>,
    msg: string,
    fields: Record<string, unknown> | undefined,
  ): void {
    if (ORDER[lvl] < this.min) return;
    const entry = { time: new Date().toISOString(), level: lvl, msg, ...this.base, ...fields };
    this.sink(`${JSON.stringify(entry, errorReplacer)}\n`);
  }
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error)
    return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

/** A logger that drops everything (tests, CLI one-shots). */
export const silentLogger: Logger = createLogger('silent');
