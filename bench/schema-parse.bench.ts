/**
 * Bench: parse and compile a large generated schema (thousands of definitions, Google-Docs-like
 * shapes with groups, folders, arrows, wildcards, caveats and expiration). Prints definitions/s
 * and MB/s for parse alone and for the full compile (parse + check + IR + hash), and checks the
 * result (definition count, a known permission's IR, a stable hash), so it also guards correctness.
 *
 *   npx tsx bench/schema-parse.bench.ts [--defs 3000] [--rounds 5]
 */
import { compileSchema, parseSchema } from '../src/schema/index.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/**
 * Builds a schema of `n` definitions (n/4 each of user, group, folder and document shapes); every
 * tenth tenant also has a caveat (CEL parsing is the costliest step per item, and real schemas
 * have few caveats compared with definitions).
 */
function generateSchema(n: number): string {
  const out: string[] = ['use expiration', ''];
  const per = Math.max(1, Math.floor(n / 4));
  for (let i = 0; i < per; i++) {
    const caveated = i % 10 === 0;
    if (caveated)
      out.push(
        `caveat tenant_${i}/within_hours(hour int, allowed list<int>) {\n\thour in allowed && hour >= ${i % 24}\n}`,
      );
    out.push(
      `/** Users of tenant ${i}. */\ndefinition tenant_${i}/user {}`,
      `definition tenant_${i}/group {\n\trelation member: tenant_${i}/user | tenant_${i}/group#member\n}`,
      [
        `definition tenant_${i}/folder {`,
        `\trelation parent: tenant_${i}/folder`,
        `\trelation owner: tenant_${i}/user | tenant_${i}/group#member`,
        `\trelation editor: tenant_${i}/user | tenant_${i}/group#member${caveated ? ` | tenant_${i}/user with tenant_${i}/within_hours` : ''}`,
        `\trelation viewer: tenant_${i}/user | tenant_${i}/group#member | tenant_${i}/user:*`,
        `\tpermission edit = owner + editor + parent->edit`,
        `\tpermission view = viewer + edit + parent->view`,
        '}',
      ].join('\n'),
      [
        `definition tenant_${i}/document {`,
        `\trelation parent: tenant_${i}/folder`,
        `\trelation owner: tenant_${i}/user | tenant_${i}/group#member`,
        `\trelation editor: tenant_${i}/user | tenant_${i}/group#member with expiration`,
        `\trelation viewer: tenant_${i}/user | tenant_${i}/group#member | tenant_${i}/user:*`,
        `\trelation banned: tenant_${i}/user | tenant_${i}/group#member`,
        `\tpermission edit = owner + editor + parent->edit`,
        `\tpermission view = viewer + edit + parent->view`,
        `\tpermission read = view - banned`,
        `\tpermission audit = owner & parent.all(edit)`,
        '}',
      ].join('\n'),
    );
  }
  return `${out.join('\n\n')}\n`;
}

function time<T>(fn: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, value };
}

function main(): void {
  const defs = arg('defs', 3000);
  const rounds = arg('rounds', 5);
  const source = generateSchema(defs);
  const mb = Buffer.byteLength(source) / 1e6;
  const expectedDefs = Math.max(1, Math.floor(defs / 4)) * 4;

  // Correctness first: the bench must compile the schema it measures, with the expected shape.
  const ir = compileSchema(source);
  const count = Object.keys(ir.definitions).length;
  if (count !== expectedDefs) throw new Error(`expected ${expectedDefs} definitions, got ${count}`);
  const read = ir.definitions['tenant_0/document']?.permissions.read?.expr;
  if (
    JSON.stringify(read) !==
    JSON.stringify({
      kind: 'exclusion',
      base: { kind: 'ref', name: 'view' },
      subtract: { kind: 'ref', name: 'banned' },
    })
  )
    throw new Error(`unexpected IR for read: ${JSON.stringify(read)}`);
  if (compileSchema(source).hash !== ir.hash) throw new Error('hash is not stable');

  const parseMs: number[] = [];
  const compileMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const p = time(() => parseSchema(source));
    if (p.value.diagnostics.length > 0) throw new Error('unexpected syntax errors');
    parseMs.push(p.ms);
    compileMs.push(time(() => compileSchema(source)).ms);
  }
  const median = (xs: number[]) =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const report = (label: string, ms: number) =>
    `${label.padEnd(8)} median ${ms.toFixed(1).padStart(8)} ms  ${Math.round(count / (ms / 1000))
      .toLocaleString('en-US')
      .padStart(10)} defs/s  ${(mb / (ms / 1000)).toFixed(2).padStart(7)} MB/s`;
  console.log(`schema-parse: ${count} definitions, ${(mb * 1000).toFixed(0)} kB, ${rounds} rounds`);
  console.log(report('parse', median(parseMs)));
  console.log(report('compile', median(compileMs)));
  console.log(`hash ${ir.hash}`);
}

main();
