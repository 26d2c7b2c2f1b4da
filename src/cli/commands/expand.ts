/** `clove expand RESOURCE PERMISSION`: prints the userset tree (indented), or JSON with `--json`. */
import type * as T from '../../client/index.ts';
import { UsageError } from '../args.ts';
import { CONNECT_OPTIONS, connect } from '../connect.ts';
import { EXIT } from '../exit-codes.ts';
import { consistencyArg, parseObjectArg } from '../filter-text.ts';
import { type Io, opt, runCommand } from '../run-command.ts';

const USAGE = `usage: clove expand RESOURCE PERMISSION [--zookie Z] [--json]
       clove expand document:readme view
`;

export async function run(args: string[], io?: Io): Promise<number> {
  return runCommand(
    'expand',
    USAGE,
    { ...CONNECT_OPTIONS, zookie: 'value', json: 'flag' },
    args,
    async (p, io) => {
      if (p.positionals.length !== 2) throw new UsageError('expected RESOURCE PERMISSION');
      const [resource, permission] = p.positionals as [string, string];
      const conn = await connect(p.options);
      try {
        const res = await conn.client.expandPermissionTree({
          consistency: consistencyArg(opt(p, 'zookie')),
          resource: parseObjectArg(resource, 'RESOURCE'),
          permission,
        });
        io.out(p.options.json ? `${JSON.stringify(res, null, 2)}\n` : renderTree(res.treeRoot));
        return EXIT.ok;
      } finally {
        await conn.close();
      }
    },
    io,
  );
}

/** An indented text rendering of a tree: operators, then leaf subjects. */
export function renderTree(node: T.PermissionRelationshipTree, depth = 0): string {
  const pad = '  '.repeat(depth);
  const head = `${node.expandedObject.objectType}:${node.expandedObject.objectId}#${node.expandedRelation}`;
  if (node.leaf) {
    const subjects = node.leaf.subjects.map(
      (s) =>
        `${s.object.objectType}:${s.object.objectId}${s.optionalRelation ? `#${s.optionalRelation}` : ''}`,
    );
    return `${pad}${head} = {${subjects.join(', ')}}\n`;
  }
  const op = node.intermediate?.operation.replace('OPERATION_', '').toLowerCase() ?? '?';
  return `${pad}${head} (${op})\n${(node.intermediate?.children ?? []).map((c) => renderTree(c, depth + 1)).join('')}`;
}
