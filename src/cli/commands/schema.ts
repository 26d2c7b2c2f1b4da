/**
 * `clove schema check|fmt|compile FILE`: the schema language from the command line.
 * - `check` prints every diagnostic compiler-style; exit 1 when there is an error.
 * - `fmt` prints the canonical form; `--write` rewrites the file, `--check` exits 1 if it would change.
 * - `compile` prints the IR as JSON (with its content hash); exit 1 on errors.
 * FILE may be `-` for standard input.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isAppError, SchemaError } from '../../errors.ts';
import { checkSchema, compileSchema, formatSchema } from '../../schema/index.ts';
import { parseArgs, UsageError } from '../args.ts';
import { printDiagnostics } from '../print-diagnostics.ts';

const USAGE = `usage:
  clove schema check FILE                 report syntax and semantic errors (exit 1 on errors)
  clove schema fmt FILE [--write|--check] print the canonical form, rewrite the file, or verify it
  clove schema compile FILE               print the compiled IR as JSON
  clove schema read | write FILE          the stored schema (see clove schema read --help)
FILE may be "-" to read standard input.
`;

/** Entry point of `clove schema`. */
export async function run(args: string[]): Promise<number> {
  // `read` and `write` talk to a store or server: see schema-remote.ts.
  if (args[0] === 'read' || args[0] === 'write')
    return (await import('./schema-remote.ts')).run(args);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(args, { write: 'flag', check: 'flag' });
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`clove schema: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  const [sub, file, ...extra] = parsed.positionals;
  if (parsed.options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!sub || !file || extra.length > 0 || !['check', 'fmt', 'compile'].includes(sub)) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (sub !== 'fmt' && (parsed.options.write || parsed.options.check)) {
    process.stderr.write(`clove schema: --write/--check only apply to fmt\n\n${USAGE}`);
    return 2;
  }
  let source: string;
  try {
    source = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    process.stderr.write(`clove schema: cannot read ${file}: ${(e as Error).message}\n`);
    return 2;
  }
  const name = file === '-' ? '<stdin>' : file;
  if (sub === 'check') return check(source, name);
  if (sub === 'compile') return compile(source, name);
  return fmt(source, name, file, {
    write: parsed.options.write === true,
    check: parsed.options.check === true,
  });
}

function check(source: string, file: string): number {
  const diagnostics = checkSchema(source, { file });
  const errors = printDiagnostics(diagnostics, source, file);
  if (errors === 0) process.stdout.write(`${file}: ok\n`);
  return errors > 0 ? 1 : 0;
}

function compile(source: string, file: string): number {
  try {
    const ir = compileSchema(source, { file });
    process.stdout.write(`${JSON.stringify(ir, null, 2)}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof SchemaError)) throw e;
    printDiagnostics(e.diagnostics, source, file);
    return 1;
  }
}

function fmt(
  source: string,
  name: string,
  file: string,
  opts: { write: boolean; check: boolean },
): number {
  if (opts.write && opts.check) {
    process.stderr.write('clove schema fmt: choose one of --write and --check\n');
    return 2;
  }
  let out: string;
  try {
    out = formatSchema(source, { file: name });
  } catch (e) {
    if (isAppError(e) && e instanceof SchemaError) {
      printDiagnostics(e.diagnostics, source, name);
      return 1;
    }
    throw e;
  }
  if (opts.check) {
    if (out === source) return 0;
    process.stderr.write(`${name}: not formatted (run \`clove schema fmt --write ${name}\`)\n`);
    return 1;
  }
  if (opts.write) {
    if (file === '-') {
      process.stderr.write('clove schema fmt: --write needs a file, not stdin\n');
      return 2;
    }
    if (out !== source) writeFileSync(file, out);
    return 0;
  }
  process.stdout.write(out);
  return 0;
}
