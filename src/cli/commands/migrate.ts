/** `clove migrate [--store ...]`: applies the store's migrations (Postgres or PGlite) and exits. */
import { DEFAULT_STORE } from '../../config.ts';
import { migrate } from '../../store/index.ts';
import { EXIT } from '../exit-codes.ts';
import { opt, runCommand } from '../run-command.ts';

const USAGE = `usage: clove migrate [--store DIR|postgres://...]

Applies pending migrations. The store defaults to DATABASE_URL, then ./.clove.
`;

export async function run(args: string[]): Promise<number> {
  return runCommand('migrate', USAGE, { store: 'value' }, args, async (p, io) => {
    const spec = opt(p, 'store') ?? process.env.DATABASE_URL ?? DEFAULT_STORE;
    const t0 = performance.now();
    await migrate(spec);
    io.out(`migrations applied to ${redact(spec)} in ${Math.round(performance.now() - t0)} ms\n`);
    return EXIT.ok;
  });
}

/** Hides a password in a connection URL. */
function redact(spec: string): string {
  return spec.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
