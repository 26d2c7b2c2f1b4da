/**
 * `clove schema read` and `clove schema write FILE [--dry-run]`: the stored schema, against a server
 * (`--endpoint`) or a local store. (`schema check|fmt|compile` work on files; see schema.ts.)
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../args.ts';
import { CONNECT_OPTIONS, connect } from '../connect.ts';
import { EXIT } from '../exit-codes.ts';
import { type Io, runCommand } from '../run-command.ts';

const USAGE = `usage:
  clove schema read                       print the stored schema
  clove schema write FILE [--dry-run]     store FILE (- for stdin); --dry-run only validates
Connection: --endpoint URL --key KEY (or CLOVE_ENDPOINT, CLOVE_KEY), else --store (local).
`;

export async function run(args: string[], io?: Io): Promise<number> {
  return runCommand(
    'schema',
    USAGE,
    { ...CONNECT_OPTIONS, 'dry-run': 'flag' },
    args,
    async (p, io) => {
      const [sub, file, ...extra] = p.positionals;
      if (sub === 'read' && !file) {
        const conn = await connect(p.options);
        try {
          const out = await conn.client.readSchema();
          io.out(out.schemaText.endsWith('\n') ? out.schemaText : `${out.schemaText}\n`);
          return EXIT.ok;
        } finally {
          await conn.close();
        }
      }
      if (sub !== 'write' || !file || extra.length > 0)
        throw new UsageError('expected read, or write FILE');
      const text = readFileSync(file === '-' ? 0 : file, 'utf8');
      const conn = await connect(p.options);
      try {
        const out = await conn.client.writeSchema(text, { dryRun: p.options['dry-run'] === true });
        if (out.dryRun) io.err('schema is valid (dry run: nothing stored)\n');
        else io.err('schema written\n');
        io.out(`${out.writtenAt.token}\n`);
        return EXIT.ok;
      } finally {
        await conn.close();
      }
    },
    io,
  );
}
