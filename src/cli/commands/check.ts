/**
 * `clove check RESOURCE PERMISSION SUBJECT` (or `clove check resource#permission@subject`): exit 0
 * when the subject has the permission, 1 when it does not or only conditionally. `--explain` prints
 * the proof.
 */
import { UsageError } from '../args.ts';
import { CONNECT_OPTIONS, connect } from '../connect.ts';
import { EXIT } from '../exit-codes.ts';
import { consistencyArg, contextArg, parseObjectArg, parseSubjectArg } from '../filter-text.ts';
import { type Io, opt, runCommand } from '../run-command.ts';

const USAGE = `usage: clove check RESOURCE PERMISSION SUBJECT [--context JSON] [--explain] [--zookie Z] [--json]
       clove check document:readme#view@user:alice

Exit 0: has permission; 1: no permission or conditional (missing context is listed).
Connection: --endpoint URL --key KEY (or CLOVE_ENDPOINT, CLOVE_KEY), else --store (local).
`;

export async function run(args: string[], io?: Io): Promise<number> {
  return runCommand(
    'check',
    USAGE,
    { ...CONNECT_OPTIONS, context: 'value', explain: 'flag', zookie: 'value', json: 'flag' },
    args,
    async (p, io) => {
      let [resource, permission, subject] = p.positionals;
      if (p.positionals.length === 1) {
        const m = /^([^#@]+)#([^@]+)@(.+)$/.exec(resource as string);
        if (!m) throw new UsageError('expected RESOURCE PERMISSION SUBJECT');
        [, resource, permission, subject] = m;
      } else if (p.positionals.length !== 3)
        throw new UsageError('expected RESOURCE PERMISSION SUBJECT');
      const context = contextArg(opt(p, 'context'));
      const conn = await connect(p.options);
      try {
        const res = await conn.client.checkPermission({
          consistency: consistencyArg(opt(p, 'zookie')),
          resource: parseObjectArg(resource, 'RESOURCE'),
          permission: permission as string,
          subject: parseSubjectArg(subject, 'SUBJECT'),
          ...(context ? { context } : {}),
          ...(p.options.explain ? { explain: true } : {}),
        });
        if (p.options.json) io.out(`${JSON.stringify(res, null, 2)}\n`);
        else {
          const word = {
            PERMISSIONSHIP_HAS_PERMISSION: 'allowed',
            PERMISSIONSHIP_NO_PERMISSION: 'denied',
            PERMISSIONSHIP_CONDITIONAL_PERMISSION: 'conditional',
          }[res.permissionship];
          const missing = res.partialCaveatInfo?.missingRequiredContext;
          io.out(`${word}${missing ? ` (missing context: ${missing.join(', ')})` : ''}\n`);
          if (res.explanation) io.out(`${res.explanation.text}\n`);
          io.err(`zookie: ${res.checkedAt.token}\n`);
        }
        return res.permissionship === 'PERMISSIONSHIP_HAS_PERMISSION' ? EXIT.ok : EXIT.no;
      } finally {
        await conn.close();
      }
    },
    io,
  );
}
