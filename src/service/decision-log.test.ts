import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { AppError } from '../errors.ts';
import { parseTuple } from '../model/index.ts';
import { createEngine } from '../engine/index.ts';
import { createMemoryStore } from '../store/index.ts';
import { createClove } from './clove.ts';
import { createDecisionLog, openDecisionLog } from './decision-log.ts';
import { createLineSink } from './decision-log-sink.ts';

const dir = mkdtempSync(join(tmpdir(), 'clove-decision-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stream that keeps everything written to it. */
function memoryStream(): { stream: Writable; text: () => string; writes: () => number } {
  let text = '';
  let writes = 0;
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString();
      writes++;
      cb();
    },
  });
  return { stream, text: () => text, writes: () => writes };
}

const lines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('createLineSink', () => {
  it('batches many lines into few stream writes and flushes them all', async () => {
    const m = memoryStream();
    const sink = createLineSink(m.stream, { chunkBytes: 1000, flushIntervalMs: 5 });
    for (let i = 0; i < 1000; i++) expect(sink.write(JSON.stringify({ i }))).toBe(true);
    await sink.flush();
    expect(lines(m.text()).map((l) => l.i)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(m.writes()).toBeLessThanOrEqual(20);
    expect(sink.stats()).toMatchObject({ written: 1000, dropped: 0, queued: 0 });
  });

  it('keeps queueing under backpressure, drops past the bound, and catches up after drain', async () => {
    // A stream with a tiny buffer that only drains when we read from it.
    const slow = new PassThrough({ highWaterMark: 16 });
    const sink = createLineSink(slow, { chunkBytes: 4, flushIntervalMs: 1, maxQueuedLines: 5 });
    sink.write('"a"');
    await new Promise((r) => setImmediate(r));
    // The first chunk filled the buffer: further lines queue, and the sixth one past the bound drops.
    const accepted = Array.from({ length: 6 }, (_, i) => sink.write(`"b${i}"`));
    expect(accepted).toEqual([true, true, true, true, true, false]);
    expect(sink.stats().dropped).toBe(1);
    let out = '';
    slow.on('data', (d) => {
      out += d.toString();
    });
    await sink.flush();
    expect(out.split('\n').filter(Boolean)).toEqual([
      '"a"',
      '"b0"',
      '"b1"',
      '"b2"',
      '"b3"',
      '"b4"',
    ]);
  });

  it('drops lines once the stream fails instead of throwing', async () => {
    const errors: string[] = [];
    const broken = new Writable({
      write(_c, _e, cb) {
        cb(new Error('disk full'));
      },
    });
    const sink = createLineSink(broken, {
      flushIntervalMs: 1,
      onError: (e) => errors.push(e.message),
    });
    sink.write('"x"');
    await sink.flush();
    expect(sink.write('"y"')).toBe(false);
    expect(errors).toEqual(['disk full']);
    expect(sink.stats().error).toBe('disk full');
  });
});

describe('createDecisionLog', () => {
  it('rejects a sample rate outside (0, 1]', () => {
    const m = memoryStream();
    expect(() => createDecisionLog(createLineSink(m.stream), { sampleRate: 0 })).toThrow(
      expect.objectContaining({ code: 'invalid_config' }),
    );
  });

  it('samples with the configured rate (deterministic random source)', () => {
    const m = memoryStream();
    let i = 0;
    const log = createDecisionLog(createLineSink(m.stream), {
      sampleRate: 0.25,
      random: () => (i++ % 4) / 4,
    });
    const picked = Array.from({ length: 8 }, () => log.sample());
    expect(picked.filter(Boolean)).toHaveLength(2);
    expect(log.stats().sampledOut).toBe(6);
  });

  it.each(['worker', 'inline'] as const)(
    'formats batches larger than the capture ring in decision order (%s formatter)',
    async (formatter) => {
      const m = memoryStream();
      const log = createDecisionLog(createLineSink(m.stream), {
        formatter,
        proofs: 'off',
        clock: () => Date.UTC(2030, 0, 1),
      });
      const request = (i: number) => ({
        resource: { type: 'document', id: `d${i % 7}` },
        permission: i % 2 ? 'edit' : 'view',
        subject: {
          type: 'user',
          id: i % 3 ? 'ann' : 'b\u00e9a "q"',
          relation: i % 5 ? '...' : 'member',
        },
        ...(i % 4 === 0 ? { context: { task: `t${i}` } } : {}),
      });
      for (let i = 0; i < 600; i++) {
        if (i === 300)
          log.recordLookup({
            caller: 'gw',
            kind: 'lookup_resources',
            resource: 'document',
            permission: 'view',
            subject: 'user:ann',
            zookie: 'z1',
            found: 3,
          });
        log.recordCheck({
          caller: i % 10 ? 'gw' : 'other',
          request: request(i),
          zookie: i < 100 ? 'z1' : 'z2',
          bulkIndex: i % 9 === 0 ? i : undefined,
          ...(i % 11 === 0
            ? { error: new AppError('unknown_relation', 'x') }
            : {
                result:
                  i % 3 === 0
                    ? { permissionship: 'conditional' as const, missingParams: ['task'] }
                    : { permissionship: i % 2 ? ('allowed' as const) : ('denied' as const) },
              }),
        });
      }
      expect(log.stats().queued).toBeGreaterThan(0);
      await log.close();
      const out = lines(m.text());
      expect(out).toHaveLength(601);
      expect(out[300]).toMatchObject({ kind: 'lookup_resources', caller: 'gw', found: 3 });
      const checks = out.filter((l) => l.kind !== 'lookup_resources');
      checks.forEach((l, i) => {
        const r = request(i);
        const rel = r.subject.relation === '...' ? '' : `#${r.subject.relation}`;
        expect(l).toMatchObject({
          time: '2030-01-01T00:00:00.000Z',
          kind: i % 9 === 0 ? 'bulk_check' : 'check',
          caller: i % 10 ? 'gw' : 'other',
          resource: `document:d${i % 7}`,
          permission: r.permission,
          subject: `user:${r.subject.id}${rel}`,
          zookie: i < 100 ? 'z1' : 'z2',
          result:
            i % 11 === 0
              ? 'error'
              : i % 3 === 0
                ? 'conditional_permission'
                : i % 2
                  ? 'has_permission'
                  : 'no_permission',
        });
        expect(l.context).toEqual(r.context);
        expect(l.index).toEqual(i % 9 === 0 ? i : undefined);
        if (i % 11 === 0) expect(l.error).toBe('unknown_relation');
        else if (i % 3 === 0) expect(l.missingContext).toEqual(['task']);
      });
      expect(log.stats()).toMatchObject({ written: 601, dropped: 0, queued: 0 });
    },
  );

  it('opening a file in a missing directory fails at startup with invalid_config', () => {
    expect(() => openDecisionLog({ target: join(dir, 'missing', 'x.log') })).toThrow(
      expect.objectContaining({ code: 'invalid_config' }),
    );
  });
});

const SCHEMA = `
definition user {}
definition workflow {
  relation owner: user
}
definition document {
  relation editor: user
  relation workflow: workflow
  permission edit = editor + workflow->owner
}
`;

async function serviceWithLog(proofs: 'deferred' | 'inline' | 'off', file: string) {
  const log = openDecisionLog({ target: file, proofs, clock: () => Date.UTC(2030, 0, 1) });
  const store = createMemoryStore();
  const clove = createClove({ store, quantumMs: 0, decisionLog: log });
  await clove.writeSchema(SCHEMA);
  const { zookie } = await clove.writeTuples(
    ['document:d1#workflow@workflow:w1', 'workflow:w1#owner@user:alice'].map((t) => ({
      op: 'touch' as const,
      tuple: parseTuple(t),
    })),
  );
  return { clove, log, zookie };
}

describe.each(['deferred', 'inline', 'off'] as const)(
  'decision log through the service (%s proofs)',
  (proofs) => {
    it('logs one line per check and bulk item, with caller, zookie and the proof path of grants', async () => {
      const file = join(dir, `service-${proofs}.log`);
      const { clove, log, zookie } = await serviceWithLog(proofs, file);
      const consistency = { mode: 'at_least_as_fresh' as const, zookie };
      const q = (s: string) => ({
        resource: { type: 'document', id: 'd1' },
        permission: 'edit',
        subject: { type: 'user', id: s, relation: '...' },
      });
      const granted = await clove.check(q('alice'), { consistency, caller: 'k1' });
      expect(granted.answer.permissionship).toBe('has_permission');
      await clove.check(q('bob'), { consistency, caller: 'k1' });
      await clove.bulkCheck([q('alice'), q('bob')], { consistency, caller: 'k2' });
      await expect(
        clove.check({ ...q('alice'), permission: 'nope' }, { consistency, caller: 'k1' }),
      ).rejects.toThrow();
      await clove.close();
      expect(log.stats()).toMatchObject({ written: 5, dropped: 0, proofsPending: 0 });
      const got = lines(readFileSync(file, 'utf8'));
      expect(got).toHaveLength(5);
      const chain = 'document:d1#edit <- document:d1#workflow <- workflow:w1#owner <- user:alice';
      const grant = got.find(
        (l) => l.kind === 'check' && l.subject === 'user:alice' && l.result === 'has_permission',
      );
      expect(grant).toMatchObject({
        time: '2030-01-01T00:00:00.000Z',
        caller: 'k1',
        resource: 'document:d1',
        permission: 'edit',
        result: 'has_permission',
        zookie: granted.zookie,
      });
      if (proofs === 'off') expect(grant).not.toHaveProperty('proof');
      else
        expect(grant).toMatchObject({
          proof: chain,
          proofTuples: ['document:d1#workflow@workflow:w1', 'workflow:w1#owner@user:alice'],
        });
      expect(got.find((l) => l.subject === 'user:bob' && l.kind === 'check')).toMatchObject({
        result: 'no_permission',
      });
      expect(got.find((l) => l.subject === 'user:bob' && l.kind === 'check')).not.toHaveProperty(
        'proof',
      );
      expect(
        got.filter((l) => l.kind === 'bulk_check').map((l) => [l.index, l.result, l.caller]),
      ).toEqual(
        expect.arrayContaining([
          [0, 'has_permission', 'k2'],
          [1, 'no_permission', 'k2'],
        ]),
      );
      expect(got.find((l) => l.result === 'error')).toMatchObject({
        permission: 'nope',
        error: 'unknown_relation',
      });
    });
  },
);

describe('decision log lookups', () => {
  it('logs a summary line per lookup with the number found', async () => {
    const file = join(dir, 'lookups.log');
    const { clove, zookie } = await serviceWithLog('off', file);
    const consistency = { mode: 'at_least_as_fresh' as const, zookie };
    const { results } = await clove.lookupResources(
      {
        resourceType: 'document',
        permission: 'edit',
        subject: { type: 'user', id: 'alice', relation: '...' },
      },
      { consistency, caller: 'k1' },
    );
    for await (const _ of results) {
      // drain the stream: the summary is logged when it ends
    }
    await clove.lookupSubjects(
      { resource: { type: 'document', id: 'd1' }, permission: 'edit', subjectType: 'user' },
      { consistency, caller: 'k1' },
    );
    await clove.close();
    const got = lines(readFileSync(file, 'utf8'));
    expect(got.map((l) => [l.kind, l.resource, l.subject, l.found])).toEqual([
      ['lookup_resources', 'document', 'user:alice', 1],
      ['lookup_subjects', 'document:d1', 'user', 1],
    ]);
  });
});

describe('deferred proof memo', () => {
  it('reuses a proof for the same question at the same revision until a tuple in it expires', async () => {
    let now = Date.UTC(2030, 0, 1);
    const store = createMemoryStore({ clock: () => now });
    const base = createEngine({});
    let explained = 0;
    const engine: typeof base = {
      ...base,
      check: (ctx, req) => {
        if (req.explain) explained++;
        return base.check(ctx, req);
      },
    };
    const m = memoryStream();
    const log = createDecisionLog(createLineSink(m.stream, { flushIntervalMs: 1 }));
    const clove = createClove({ store, engine, quantumMs: 0, decisionLog: log });
    await clove.writeSchema(
      `use expiration\n${SCHEMA.replace('relation editor: user', 'relation editor: user | user with expiration')}`,
    );
    await clove.writeTuples([
      {
        op: 'touch',
        tuple: parseTuple('document:d1#editor@user:alice[expiration:2030-01-01T00:01:00Z]'),
      },
      { op: 'touch', tuple: parseTuple('document:d1#workflow@workflow:w1') },
      { op: 'touch', tuple: parseTuple('workflow:w1#owner@user:alice') },
    ]);
    const q = {
      resource: { type: 'document', id: 'd1' },
      permission: 'edit',
      subject: { type: 'user', id: 'alice', relation: '...' },
    };
    await clove.check(q);
    await log.flush();
    await clove.check(q);
    await clove.check(q);
    await log.flush();
    expect(explained).toBe(1);
    // The memoised proof rests on the expiring editor tuple; past its expiry the proof is
    // recomputed (and now goes through the workflow).
    now += 120_000;
    await clove.check(q);
    await log.flush();
    expect(explained).toBe(2);
    await clove.close();
    const got = lines(m.text()).map((l) => l.proof);
    // The union may prove the first grants either way; the memo repeats whichever it found.
    expect(new Set(got.slice(0, 3)).size).toBe(1);
    expect(got[3]).toBe(
      'document:d1#edit <- document:d1#workflow <- workflow:w1#owner <- user:alice',
    );
  });
});

describe('decision log configuration (loadConfig)', () => {
  it('is off by default and on with a target; flags win over the environment', () => {
    expect(loadConfig({}, {}).decisionLog).toBeUndefined();
    expect(loadConfig({}, { CLOVE_DECISION_LOG: 'stdout' }).decisionLog).toEqual({
      target: 'stdout',
      sampleRate: 1,
      proofs: 'deferred',
    });
    expect(
      loadConfig(
        { decisionLog: '/tmp/d.jsonl', decisionLogSample: '0.25', decisionLogProofs: 'off' },
        { CLOVE_DECISION_LOG: 'stdout', CLOVE_DECISION_LOG_PROOFS: 'inline' },
      ).decisionLog,
    ).toEqual({ target: '/tmp/d.jsonl', sampleRate: 0.25, proofs: 'off' });
  });

  it.each([
    ['CLOVE_DECISION_LOG_SAMPLE', '0'],
    ['CLOVE_DECISION_LOG_SAMPLE', '1.5'],
    ['CLOVE_DECISION_LOG_PROOFS', 'always'],
  ])('rejects %s=%s with invalid_config', (name, value) => {
    expect(() => loadConfig({}, { CLOVE_DECISION_LOG: 'stdout', [name]: value })).toThrow(
      expect.objectContaining({ code: 'invalid_config' }),
    );
  });
});
