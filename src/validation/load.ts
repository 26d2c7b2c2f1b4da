/**
 * Loads a SpiceDB validation file (the format `zed validate` reads): `schema` or `schemaFile`,
 * `relationships`, `assertions` and `validation`, keeping the source line of every relationship,
 * assertion and expected relation so a runner can report where a failure is.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Node,
  type Scalar,
  type YAMLMap,
} from 'yaml';
import { AppError } from '../errors.ts';
import { parseSubject, parseTuple, tupleKey } from '../model/index.ts';
import type {
  AssertionKind,
  ExpectedSubject,
  LoadedAssertion,
  LoadedExpectedRelation,
  LoadedRelationship,
  LoadedValidationFile,
} from './types.ts';

const KNOWN_KEYS = new Set([
  'schema',
  'schemaFile',
  'relationships',
  'assertions',
  'validation',
  'namespace_configs',
  'validation_tuples',
]);
const ASSERTION_KINDS: readonly AssertionKind[] = ['assertTrue', 'assertFalse', 'assertCaveated'];

function fail(message: string, line: number | undefined, file: string | undefined): AppError {
  const where = `${file ?? '<input>'}${line === undefined ? '' : `:${line}`}`;
  return new AppError('invalid_validation_file', `${where}: ${message}`, {
    details: { file, line },
  });
}

class Source {
  readonly lines = new LineCounter();
  constructor(
    readonly text: string,
    readonly file: string | undefined,
  ) {}
  lineOf(offset: number): number {
    return this.lines.linePos(offset).line;
  }
  lineOfNode(node: Node | null | undefined): number | undefined {
    return node?.range ? this.lineOf(node.range[0]) : undefined;
  }
}

function stringValue(src: Source, node: unknown, what: string): string | undefined {
  if (node === null || node === undefined) return undefined;
  if (isScalar(node) && (node.value === null || node.value === undefined)) return undefined;
  if (isScalar(node) && typeof node.value === 'string') return node.value;
  throw fail(`${what} must be a string`, src.lineOfNode(node as Node), src.file);
}

/** Splits `relationships:` into lines, each with the line it sits on in the file. */
function loadRelationships(src: Source, node: unknown): LoadedRelationship[] {
  const text = stringValue(src, node, 'relationships');
  if (text === undefined) return [];
  const start = (node as Scalar).range?.[0] ?? 0;
  const out: LoadedRelationship[] = [];
  const seen = new Map<string, number>();
  let cursor = start;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('//')) continue;
    // Find the text in the source so the reported line is exact, whatever the block style.
    const at = src.text.indexOf(line, cursor);
    const lineNo = at >= 0 ? src.lineOf(at) : src.lineOf(start);
    if (at >= 0) cursor = at + line.length;
    let tuple: LoadedRelationship['tuple'];
    try {
      tuple = parseTuple(line);
    } catch (err) {
      throw fail(`invalid relationship "${line}": ${(err as Error).message}`, lineNo, src.file);
    }
    const key = tupleKey(tuple);
    const prior = seen.get(key);
    if (prior !== undefined)
      throw fail(`duplicate relationship "${line}" (first on line ${prior})`, lineNo, src.file);
    seen.set(key, lineNo);
    out.push({ tuple, text: line, line: lineNo });
  }
  return out;
}

/** Legacy `validation_tuples:` (a list of relationship strings), read like `relationships`. */
function loadLegacyTuples(src: Source, node: unknown): LoadedRelationship[] {
  if (node === null || node === undefined || (isScalar(node) && node.value === null)) return [];
  if (!isSeq(node))
    throw fail('validation_tuples must be a list', src.lineOfNode(node as Node), src.file);
  const out: LoadedRelationship[] = [];
  for (const item of node.items) {
    const line = src.lineOfNode(item as Node) ?? 0;
    if (!isScalar(item) || typeof item.value !== 'string')
      throw fail('validation_tuples entries must be strings', line, src.file);
    try {
      out.push({ tuple: parseTuple(item.value), text: item.value.trim(), line });
    } catch (err) {
      throw fail(`invalid relationship "${item.value}": ${(err as Error).message}`, line, src.file);
    }
  }
  return out;
}

/** `doc:1#view@user:a` or `doc:1#view@user:a with {"k": 1}`, split on the first " with ". */
function parseAssertion(
  src: Source,
  kind: AssertionKind,
  text: string,
  line: number,
): LoadedAssertion {
  const cut = text.indexOf(' with ');
  const left = (cut >= 0 ? text.slice(0, cut) : text).trim();
  let context: Record<string, unknown> | undefined;
  if (cut >= 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.slice(cut + 6));
    } catch {
      throw fail(`assertion context is not valid JSON: "${text}"`, line, src.file);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw fail(`assertion context must be a JSON object: "${text}"`, line, src.file);
    context = parsed as Record<string, unknown>;
  }
  let tuple: ReturnType<typeof parseTuple>;
  try {
    tuple = parseTuple(left);
  } catch (err) {
    throw fail(`invalid assertion "${text}": ${(err as Error).message}`, line, src.file);
  }
  if (tuple.caveat) throw fail(`an assertion cannot carry a caveat: "${text}"`, line, src.file);
  const request = {
    resource: tuple.resource,
    permission: tuple.relation,
    subject: tuple.subject,
    ...(context ? { context } : {}),
  };
  return { kind, text, line, request };
}

function loadAssertions(src: Source, node: unknown): LoadedAssertion[] {
  if (node === null || node === undefined || (isScalar(node) && node.value === null)) return [];
  if (!isMap(node)) throw fail('assertions must be a map', src.lineOfNode(node as Node), src.file);
  const out: LoadedAssertion[] = [];
  for (const pair of node.items) {
    const kind = isScalar(pair.key) ? String(pair.key.value) : '';
    const line = src.lineOfNode(pair.key as Node);
    if (!ASSERTION_KINDS.includes(kind as AssertionKind))
      throw fail(
        `unknown assertion kind "${kind}" (expected ${ASSERTION_KINDS.join(', ')})`,
        line,
        src.file,
      );
    const list = pair.value;
    if (list === null || (isScalar(list) && list.value === null)) continue;
    if (!isSeq(list)) throw fail(`${kind} must be a list of strings`, line, src.file);
    for (const item of list.items) {
      if (!isScalar(item) || typeof item.value !== 'string')
        throw fail(`${kind} entries must be strings`, src.lineOfNode(item as Node), src.file);
      out.push(parseAssertion(src, kind as AssertionKind, item.value, src.lineOfNode(item) ?? 0));
    }
  }
  return out;
}

/** `user:tom[...]` → subject + caveated flag. */
function parseCaveatedSubject(text: string): {
  subject: ReturnType<typeof parseSubject>;
  caveated: boolean;
} {
  const t = text.trim();
  const caveated = t.endsWith('[...]');
  return { subject: parseSubject(caveated ? t.slice(0, -5) : t), caveated };
}

const EXPECTED_RE = /^\[(?<subject>.+)\]\s+is\s+(?<rels>(?:<[^>]+>\s*\/?\s*)+)$/;

/** Parses `[user:* - {user:a, user:b[...]}] is <doc:1#viewer>/<doc:1#editor>`. */
export function parseExpectedSubject(text: string, line = 0, file?: string): ExpectedSubject {
  const m = EXPECTED_RE.exec(text.trim());
  const g = m?.groups;
  if (!g) throw fail(`expected "[subject] is <type:id#relation>", got "${text}"`, line, file);
  const relations = [...(g.rels as string).matchAll(/<([^>]+)>/g)]
    .map((r) => (r[1] as string).trim())
    .sort();
  let subjectText = (g.subject as string).trim();
  let excluded: ExpectedSubject['excluded'] = [];
  const minus = /^(?<base>\S+)\s+-\s+\{(?<list>.*)\}$/.exec(subjectText)?.groups;
  if (minus) {
    subjectText = minus.base as string;
    excluded = (minus.list as string)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map(parseCaveatedSubject);
  }
  try {
    const { subject, caveated } = parseCaveatedSubject(subjectText);
    return { text, line, subject, caveated, excluded, relations };
  } catch (err) {
    throw fail(`invalid subject in "${text}": ${(err as Error).message}`, line, file);
  }
}

function loadValidation(src: Source, node: unknown): LoadedExpectedRelation[] {
  if (node === null || node === undefined || (isScalar(node) && node.value === null)) return [];
  if (!isMap(node)) throw fail('validation must be a map', src.lineOfNode(node as Node), src.file);
  const out: LoadedExpectedRelation[] = [];
  for (const pair of (node as YAMLMap).items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const line = src.lineOfNode(pair.key as Node) ?? 0;
    const expected: ExpectedSubject[] = [];
    const list = pair.value;
    if (list !== null && !(isScalar(list) && list.value === null)) {
      if (!isSeq(list)) throw fail(`validation "${key}" must be a list`, line, src.file);
      for (const item of list.items) {
        if (!isScalar(item) || typeof item.value !== 'string')
          throw fail('validation entries must be strings', src.lineOfNode(item as Node), src.file);
        expected.push(parseExpectedSubject(item.value, src.lineOfNode(item) ?? line, src.file));
      }
    }
    out.push({ key, line, expected });
  }
  return out;
}

/**
 * Loads a validation file from a path, or from `{ text, dir }` (dir resolves `schemaFile`).
 * Throws `invalid_validation_file` naming the file and line of the first problem.
 */
export function loadValidationFile(
  input: string | { text: string; dir?: string; path?: string },
): LoadedValidationFile {
  const path = typeof input === 'string' ? input : input.path;
  const text = typeof input === 'string' ? readFileSync(input, 'utf8') : input.text;
  const dir =
    typeof input === 'string'
      ? dirname(input)
      : (input.dir ?? (path ? dirname(path) : process.cwd()));
  const src = new Source(text, path);
  const doc = parseDocument(text, { lineCounter: src.lines, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw fail(`YAML: ${e.message.split('\n')[0]}`, src.lineOf(e.pos[0]), path);
  }
  const root = doc.contents;
  if (!isMap(root)) throw fail('a validation file is a YAML map', 1, path);
  const get = (k: string): unknown => root.get(k, true);
  for (const pair of root.items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!KNOWN_KEYS.has(k))
      throw fail(`unknown key "${k}"`, src.lineOfNode(pair.key as Node), path);
  }
  const schemaNode = get('schema');
  const inline = stringValue(src, schemaNode, 'schema');
  const schemaFile = stringValue(src, get('schemaFile'), 'schemaFile');
  if (inline !== undefined && schemaFile !== undefined)
    throw fail(
      'set either "schema" or "schemaFile", not both',
      src.lineOfNode(get('schemaFile') as Node),
      path,
    );
  let schemaText = inline ?? '';
  if (schemaFile !== undefined) {
    try {
      schemaText = readFileSync(resolve(dir, schemaFile), 'utf8');
    } catch (cause) {
      throw fail(
        `cannot read schemaFile "${schemaFile}": ${(cause as Error).message}`,
        src.lineOfNode(get('schemaFile') as Node),
        path,
      );
    }
  }
  if (schemaText === '' && get('namespace_configs') !== undefined)
    throw fail('legacy "namespace_configs" files are not supported; use "schema"', 1, path);
  const base = {
    schemaText,
    schemaLine: schemaFile !== undefined ? 1 : (src.lineOfNode(schemaNode as Node) ?? 1),
    relationships: [
      ...loadRelationships(src, get('relationships')),
      ...loadLegacyTuples(src, get('validation_tuples')),
    ],
    assertions: loadAssertions(src, get('assertions')),
    validation: loadValidation(src, get('validation')),
  };
  return {
    ...base,
    ...(path !== undefined ? { path } : {}),
    ...(schemaFile !== undefined ? { schemaFile } : {}),
  };
}
