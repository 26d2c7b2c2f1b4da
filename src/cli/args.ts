/**
 * Tiny argument parser shared by CLI commands: positionals plus `--flag` / `--key value` /
 * `--key=value` options. Unknown options are reported, not ignored, so typos do not pass silently.
 */

/** Parsed arguments: positionals in order and options by name (boolean flags map to true). */
export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string | true>;
}

/** Describes the options a command accepts: name → whether it takes a value. */
export type OptionSpec = Record<string, 'flag' | 'value'>;

/** Thrown for bad command lines; commands print `message` and exit with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses `args` against `spec`; `--help`/`-h` is always accepted as a flag named `help`. */
export function parseArgs(args: string[], spec: OptionSpec): ParsedArgs {
  const out: ParsedArgs = { positionals: [], options: {} };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '-h' || a === '--help') {
      out.options.help = true;
      continue;
    }
    if (a === '--') {
      out.positionals.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '-') {
      out.positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const key = a.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[key];
    if (!kind) throw new UsageError(`unknown option --${key}`);
    if (kind === 'flag') {
      if (eq >= 0) throw new UsageError(`option --${key} takes no value`);
      out.options[key] = true;
    } else if (eq >= 0) out.options[key] = a.slice(eq + 1);
    else {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`option --${key} needs a value`);
      out.options[key] = v;
    }
  }
  return out;
}
