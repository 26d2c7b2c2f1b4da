/**
 * `clove lookup resources|subjects|permissions`: the reverse questions.
 * - `resources TYPE PERMISSION SUBJECT`: ids of TYPE objects SUBJECT has PERMISSION on
 * - `subjects RESOURCE PERMISSION SUBJECT_TYPE[#relation]`: subject ids with PERMISSION on RESOURCE
 * - `permissions RESOURCE SUBJECT`: every relation and permission SUBJECT has on RESOURCE
 */
import { UsageError } from '../args.ts';
import { CONNECT_OPTIONS, connect } from '../connect.ts';
import { EXIT } from '../exit-codes.ts';
import { consistencyArg, contextArg, parseObjectArg, parseSubjectArg } from '../filter-text.ts';
import { type Io, intOpt, opt, runCommand } from '../run-command.ts';

const USAGE = `usage:
  clove lookup resources TYPE PERMISSION SUBJECT       e.g. document view user:alice
  clove lookup subjects RESOURCE PERMISSION TYPE[#rel] e.g. document:readme view user
  clove lookup permissions RESOURCE SUBJECT            e.g. document:readme user:alice
options: --context JSON --limit N --zookie Z --json; connection: --endpoint/--key or --store
Conditional results are marked "(conditional: missing a, b)".
`;

export async function run(args: string[], io?: Io): Promise<number> {
  return runCommand(
    'lookup',
    USAGE,
    { ...CONNECT_OPTIONS, context: 'value', limit: 'value', zookie: 'value', json: 'flag' },
    args,
    async (p, io) => {
      const [sub, ...rest] = p.positionals;
      const context = contextArg(opt(p, 'context'));
      const limit = intOpt(p, 'limit');
      const consistency = consistencyArg(opt(p, 'zookie'));
      const cond = (missing?: { missingRequiredContext: string[] }) =>
        missing ? ` (conditional: missing ${missing.missingRequiredContext.join(', ')})` : '';
      if (!['resources', 'subjects', 'permissions'].includes(sub ?? ''))
        throw new UsageError('expected resources, subjects or permissions');
      if (rest.length !== (sub === 'permissions' ? 2 : 3))
        throw new UsageError('wrong number of arguments');
      const conn = await connect(p.options);
      try {
        const c = conn.client;
        if (sub === 'resources') {
          const [type, permission, subject] = rest as [string, string, string];
          for await (const r of c.lookupResources({
            consistency,
            resourceObjectType: type,
            permission,
            subject: parseSubjectArg(subject),
            ...(context ? { context } : {}),
            ...(limit ? { optionalLimit: limit } : {}),
          }))
            io.out(
              p.options.json
                ? `${JSON.stringify(r)}\n`
                : `${type}:${r.resourceObjectId}${cond(r.partialCaveatInfo)}\n`,
            );
        } else if (sub === 'subjects') {
          const [resource, permission, subjectType] = rest as [string, string, string];
          const [type, relation] = subjectType.split('#');
          for await (const s of c.lookupSubjects({
            consistency,
            resource: parseObjectArg(resource, 'RESOURCE'),
            permission,
            subjectObjectType: type as string,
            ...(relation ? { optionalSubjectRelation: relation } : {}),
            ...(context ? { context } : {}),
            ...(limit ? { optionalConcreteLimit: limit } : {}),
          })) {
            const excluded =
              s.excludedSubjectIds.length > 0 ? ` - {${s.excludedSubjectIds.join(', ')}}` : '';
            io.out(
              p.options.json
                ? `${JSON.stringify(s)}\n`
                : `${type}:${s.subjectObjectId}${relation ? `#${relation}` : ''}${excluded}${cond(s.partialCaveatInfo)}\n`,
            );
          }
        } else {
          const [resource, subject] = rest as [string, string];
          const out = await c.permissionsOf({
            consistency,
            resource: parseObjectArg(resource, 'RESOURCE'),
            subject: parseSubjectArg(subject),
            ...(context ? { context } : {}),
          });
          if (p.options.json) io.out(`${JSON.stringify(out, null, 2)}\n`);
          else
            for (const x of out.permissions)
              io.out(`${x.name} (${x.kind})${cond(x.partialCaveatInfo)}\n`);
        }
        return EXIT.ok;
      } finally {
        await conn.close();
      }
    },
    io,
  );
}
