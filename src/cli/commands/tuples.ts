/**
 * `clove tuples write|read|delete|import|export`: relationships from the command line, against a
 * server (`--endpoint`) or a local store. Import and export stream NDJSON or the text form, with a
 * progress line on stderr.
 */
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parseTuple } from '../../model/index.ts';
import type * as T from '../../client/index.ts';
import { UsageError } from '../args.ts';
import { CONNECT_OPTIONS, connect } from '../connect.ts';
import { EXIT } from '../exit-codes.ts';
import { consistencyArg, parseFilter, relationshipText } from '../filter-text.ts';
import { type Io, intOpt, opt, runCommand } from '../run-command.ts';

const USAGE = `usage:
  clove tuples write TUPLE... [--op touch|create|delete]   TUPLE in text form, or - for stdin lines
  clove tuples read FILTER [--limit N] [--json] [--zookie Z]
  clove tuples delete FILTER [--limit N [--allow-partial]]
  clove tuples import FILE|- [--format text|ndjson]          one tuple or JSON relationship per line
  clove tuples export [--format text|ndjson] [--out FILE] [--zookie Z]

FILTER: type[:id][#relation][@type[:id][#relation]], e.g. document:readme#viewer@user
Connection: --endpoint URL --key KEY (or CLOVE_ENDPOINT, CLOVE_KEY), else --store (local).
`;

const OPS = {
  touch: 'OPERATION_TOUCH',
  create: 'OPERATION_CREATE',
  delete: 'OPERATION_DELETE',
} as const;

export async function run(args: string[], io?: Io): Promise<number> {
  return runCommand(
    'tuples',
    USAGE,
    {
      ...CONNECT_OPTIONS,
      op: 'value',
      limit: 'value',
      json: 'flag',
      zookie: 'value',
      'allow-partial': 'flag',
      format: 'value',
      out: 'value',
    },
    args,
    async (p, io) => {
      const [sub, ...rest] = p.positionals;
      if (!sub || !['write', 'read', 'delete', 'import', 'export'].includes(sub))
        throw new UsageError('expected write, read, delete, import or export');
      const conn = await connect(p.options);
      try {
        const c = conn.client;
        if (sub === 'write') {
          const op = (opt(p, 'op') ?? 'touch') as keyof typeof OPS;
          if (!(op in OPS)) throw new UsageError('--op must be touch, create or delete');
          const texts = rest.length === 1 && rest[0] === '-' ? await stdinLines() : rest;
          if (texts.length === 0) throw new UsageError('give at least one tuple');
          const updates = texts.map((t) => ({ operation: OPS[op], relationship: toWire(t) }));
          const { writtenAt } = await c.writeRelationships({ updates });
          io.out(`${writtenAt.token}\n`);
          return EXIT.ok;
        }
        if (sub === 'read') {
          const filter = parseFilter(one(rest, 'FILTER'));
          const limit = intOpt(p, 'limit');
          for await (const r of c.readRelationships({
            relationshipFilter: filter,
            consistency: consistencyArg(opt(p, 'zookie')),
            ...(limit ? { optionalLimit: limit } : {}),
          }))
            io.out(
              p.options.json
                ? `${JSON.stringify(r.relationship)}\n`
                : `${relationshipText(r.relationship)}\n`,
            );
          return EXIT.ok;
        }
        if (sub === 'delete') {
          const filter = parseFilter(one(rest, 'FILTER'));
          const limit = intOpt(p, 'limit');
          const out = await c.deleteRelationships({
            relationshipFilter: filter,
            ...(limit ? { optionalLimit: limit } : {}),
            ...(p.options['allow-partial'] ? { optionalAllowPartialDeletions: true } : {}),
          });
          io.err(
            `deleted ${out.relationshipsDeletedCount}${out.deletionProgress === 'DELETION_PROGRESS_PARTIAL' ? ' (partial: more remain)' : ''}\n`,
          );
          io.out(`${out.deletedAt.token}\n`);
          return EXIT.ok;
        }
        if (sub === 'import') return await importTuples(c, one(rest, 'FILE'), io);
        return await exportTuples(c, p.options, io);
      } finally {
        await conn.close();
      }
    },
    io,
  );
}

function one(rest: string[], what: string): string {
  if (rest.length !== 1) throw new UsageError(`expected exactly one ${what}`);
  return rest[0] as string;
}

/** Text form → wire relationship (through the model's parser, so caveats and expirations work). */
function toWire(text: string): T.Relationship {
  const t = parseTuple(text);
  const r: T.Relationship = {
    resource: { objectType: t.resource.type, objectId: t.resource.id },
    relation: t.relation,
    subject: {
      object: { objectType: t.subject.type, objectId: t.subject.id },
      ...(t.subject.relation !== '...' ? { optionalRelation: t.subject.relation } : {}),
    },
  };
  if (t.caveat)
    r.optionalCaveat = {
      caveatName: t.caveat.name,
      ...(t.caveat.context ? { context: { ...t.caveat.context } } : {}),
    };
  if (t.expiresAt !== undefined) r.optionalExpiresAt = new Date(t.expiresAt).toISOString();
  return r;
}

async function stdinLines(): Promise<string[]> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('//'));
}

/**
 * Streams the file to the server. On a terminal, stderr shows a progress bar (bytes sent of the
 * file's size; a running line count for stdin).
 */
async function importTuples(c: T.CloveClient, file: string, io: Io): Promise<number> {
  const source = file === '-' ? process.stdin : createReadStream(file);
  const total = file === '-' ? undefined : statSync(file).size;
  let lines = 0;
  let bytes = 0;
  let last = 0;
  const progress = (final = false) => {
    const now = Date.now();
    if (!io.tty || (!final && now - last < 200)) return;
    last = now;
    io.err(`\r${progressLine(bytes, total, lines)}${final ? '\n' : ''}`);
  };
  const counted = (async function* () {
    for await (const chunk of source) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      for (const b of buf) if (b === 10) lines++;
      bytes += buf.length;
      progress();
      yield buf;
    }
  })();
  const body = Readable.toWeb(Readable.from(counted)) as ReadableStream<Uint8Array>;
  const t0 = performance.now();
  const out = await c.importRelationships(body);
  progress(true);
  const secs = (performance.now() - t0) / 1000;
  io.err(
    `imported ${out.numLoaded} tuples in ${secs.toFixed(1)} s (${Math.round(Number(out.numLoaded) / Math.max(secs, 0.001))}/s)\n`,
  );
  io.out(`${out.writtenAt.token}\n`);
  return EXIT.ok;
}

async function exportTuples(
  c: T.CloveClient,
  options: Record<string, string | true>,
  io: Io,
): Promise<number> {
  const format = typeof options.format === 'string' ? options.format : 'text';
  if (format !== 'text' && format !== 'ndjson')
    throw new UsageError('--format must be text or ndjson');
  const outFile = typeof options.out === 'string' ? options.out : undefined;
  const sink = outFile ? createWriteStream(outFile) : undefined;
  const write = (line: string) => (sink ? sink.write(line) : io.out(line));
  let n = 0;
  const zookie = typeof options.zookie === 'string' ? options.zookie : undefined;
  for await (const item of c.exportRelationships({
    consistency: consistencyArg(zookie),
    format: format === 'text' ? 'text' : 'json',
  })) {
    write(typeof item === 'string' ? `${item}\n` : `${JSON.stringify(item)}\n`);
    n++;
    if (io.tty && outFile && n % 10_000 === 0) io.err(`\rexported ${n}`);
  }
  if (sink) await new Promise<void>((resolve) => sink.end(resolve));
  if (outFile) io.err(`${io.tty ? '\r' : ''}exported ${n} tuples to ${outFile}\n`);
  return EXIT.ok;
}

/** `[#########...........]  45%  12,345 lines` (or just the line count when the size is unknown). */
export function progressLine(bytes: number, total: number | undefined, lines: number): string {
  const count = `${lines.toLocaleString('en-US')} lines`;
  if (!total) return `importing… ${count}`;
  const ratio = Math.min(1, bytes / total);
  const width = 30;
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}%  ${count}`;
}
