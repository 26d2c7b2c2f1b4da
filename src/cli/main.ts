/**
 * @module cli
 * The `clove` command line. `main(argv)` looks the first word up in COMMANDS, loads that command's
 * module lazily (so `clove schema check` never loads the server) and returns its exit code.
 * Exit codes: 0 success, 1 the command ran and found problems, 2 usage error.
 */
import { isAppError } from '../errors.ts';

/** A command module: `run` receives the arguments after the command name. */
export interface CommandModule {
  run(args: string[]): Promise<number>;
}

interface CommandEntry {
  summary: string;
  load: () => Promise<CommandModule>;
}

/** Command name → summary and lazy module. Adding a command is one line here. */
export const COMMANDS: Record<string, CommandEntry> = {
  schema: {
    summary: 'check, format or compile a schema file; read or write the stored schema',
    load: () => import('./commands/schema.ts'),
  },
  serve: { summary: 'run the HTTP service', load: () => import('./commands/serve.ts') },
  migrate: { summary: 'apply store migrations', load: () => import('./commands/migrate.ts') },
  tuples: {
    summary: 'write, read, delete, import or export relationships',
    load: () => import('./commands/tuples.ts'),
  },
  check: {
    summary: 'check a permission (--explain for the proof)',
    load: () => import('./commands/check.ts'),
  },
  lookup: {
    summary: "lookup resources, subjects or a subject's permissions",
    load: () => import('./commands/lookup.ts'),
  },
  bench: {
    summary: 'run a benchmark workload (optionally side by side with SpiceDB)',
    load: () => import('./commands/bench.ts'),
  },
  expand: {
    summary: 'print the subject tree of a permission',
    load: () => import('./commands/expand.ts'),
  },
  validate: {
    summary: 'run SpiceDB validation files (zed validate format)',
    load: () => import('./commands/validate.ts'),
  },
};

/** Top-level usage text listing every command. */
export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(
    ([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`,
  );
  return `usage: clove <command> [args]\n\ncommands:\n${lines.join('\n')}\n\nRun \`clove <command> --help\` for a command's options.\n`;
}

/** Runs the CLI with `argv` (without node and script) and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? process.stderr : process.stdout).write(usage());
    return name === undefined ? 2 : 0;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    process.stderr.write(`clove: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    const mod = await entry.load();
    return await mod.run(rest);
  } catch (err) {
    if (isAppError(err)) {
      process.stderr.write(`clove ${name}: ${err.code}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
