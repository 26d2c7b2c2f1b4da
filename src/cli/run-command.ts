/**
 * Shared scaffolding of the data commands: parse options, print usage on `--help` or bad input
 * (exit 2), run the body, and turn every failure into `clove <cmd>: <code>: <message>` on stderr
 * with the exit code from `EXIT_CODE`.
 */
import { CloveApiError } from '../client/index.ts';
import { isAppError } from '../errors.ts';
import { type OptionSpec, type ParsedArgs, UsageError, parseArgs } from './args.ts';
import { EXIT, EXIT_CODE, exitCodeOf } from './exit-codes.ts';

/** Where a command writes; tests substitute buffers. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (progress bars). */
  readonly tty: boolean;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  tty: process.stderr.isTTY === true,
};

/** Runs `body` with parsed args; maps errors to exit codes. */
export async function runCommand(
  name: string,
  usage: string,
  spec: OptionSpec,
  args: string[],
  body: (parsed: ParsedArgs, io: Io) => Promise<number>,
  io: Io = processIo,
): Promise<number> {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(args, spec);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`clove ${name}: ${e.message}\n\n${usage}`);
    return EXIT.usage;
  }
  if (parsed.options.help) {
    io.out(usage);
    return EXIT.ok;
  }
  try {
    return await body(parsed, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`clove ${name}: ${err.message}\n\n${usage}`);
      return EXIT.usage;
    }
    if (err instanceof CloveApiError) {
      io.err(`clove ${name}: ${err.code}: ${err.message}\n`);
      printDiagnostics(io, err.details);
      return exitCodeOf(err.code);
    }
    if (isAppError(err)) {
      io.err(`clove ${name}: ${err.code}: ${err.message}\n`);
      return EXIT_CODE[err.code];
    }
    io.err(`clove ${name}: internal: ${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT.internal;
  }
}

function printDiagnostics(io: Io, details: Record<string, unknown>): void {
  const diags = details.diagnostics;
  if (!Array.isArray(diags)) return;
  for (const d of diags as {
    code: string;
    message: string;
    span?: { start: { line: number; column: number } };
  }[])
    io.err(
      `  ${d.span ? `${d.span.start.line}:${d.span.start.column}: ` : ''}[${d.code}] ${d.message}\n`,
    );
}

/** A string option's value, or undefined; a bare `--x` where a value is expected is a usage error. */
export function opt(parsed: ParsedArgs, name: string): string | undefined {
  const v = parsed.options[name];
  return typeof v === 'string' ? v : undefined;
}

/** A positive integer option (usage error otherwise). */
export function intOpt(parsed: ParsedArgs, name: string): number | undefined {
  const v = opt(parsed, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`--${name} must be a non-negative integer`);
  return n;
}
