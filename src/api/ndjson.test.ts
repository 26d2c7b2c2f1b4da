import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { silentLogger } from '../service/logger.ts';
import { ndjsonResponse } from './ndjson.ts';

async function* items(n: number, failWith?: Error): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
  if (failWith) throw failWith;
}

/** The chunks of a response body, decoded. */
async function chunks(res: Response): Promise<string[]> {
  const out: string[] = [];
  const dec = new TextDecoder();
  for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) out.push(dec.decode(c));
  return out;
}

describe('ndjsonResponse', () => {
  it('sends many lines in few chunks, each line one {result}', async () => {
    let ended = 0;
    const res = await ndjsonResponse(items(500), (i) => ({ i }), {
      logger: silentLogger,
      onEnd: () => ended++,
    });
    const got = await chunks(res);
    expect(got.length).toBeLessThan(10);
    const lines = got.join('').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toEqual(Array.from({ length: 500 }, (_, i) => JSON.stringify({ result: { i } })));
    expect(ended).toBe(1);
  });

  it('an answer that ends within the first batch is one body, not a chunked stream', async () => {
    let ended = 0;
    const res = await ndjsonResponse(items(3), (i) => i, {
      logger: silentLogger,
      onEnd: () => ended++,
    });
    expect(res.headers.get('transfer-encoding')).toBeNull();
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    expect(await res.text()).toBe('{"result":0}\n{"result":1}\n{"result":2}\n');
    expect(ended).toBe(1);
  });

  it('an answer past the first batch is streamed (chunked), its lines unchanged', async () => {
    // ~60 bytes a line: 10,000 lines are well past the first batch's 256 KiB.
    const n = 10_000;
    const res = await ndjsonResponse(items(n), (i) => ({ i, pad: 'x'.repeat(40) }), {
      logger: silentLogger,
    });
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const got = await chunks(res);
    expect(got.length).toBeGreaterThan(1);
    const lines = got.join('').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toEqual(
      Array.from({ length: n }, (_, i) => JSON.stringify({ result: { i, pad: 'x'.repeat(40) } })),
    );
  });

  it('a failure after some lines sends those lines, then the error line last', async () => {
    const res = await ndjsonResponse(
      items(3, new AppError('deadline_exceeded', 'too slow')),
      (i) => i,
      { logger: silentLogger },
    );
    expect(res.status).toBe(200);
    const lines = (await chunks(res)).join('').trimEnd().split('\n');
    expect(lines.slice(0, 3)).toEqual(['{"result":0}', '{"result":1}', '{"result":2}']);
    expect(JSON.parse(lines[3] as string).error.code).toBe('deadline_exceeded');
  });

  it('a failure past the first batch also ends the stream with the error line', async () => {
    const res = await ndjsonResponse(
      items(10_000, new AppError('deadline_exceeded', 'too slow')),
      (i) => ({ i, pad: 'x'.repeat(40) }),
      { logger: silentLogger },
    );
    expect(res.status).toBe(200);
    const lines = (await chunks(res)).join('').trimEnd().split('\n');
    expect(lines).toHaveLength(10_001);
    expect(JSON.parse(lines[10_000] as string).error.code).toBe('deadline_exceeded');
  });

  it('lazy streams (watch) send each message as its own chunk', async () => {
    const res = await ndjsonResponse(items(3), (i) => i, { logger: silentLogger, lazy: true });
    expect(await chunks(res)).toEqual(['{"result":0}\n', '{"result":1}\n', '{"result":2}\n']);
  });

  it('a failure before the first line is thrown (the route answers with its status)', async () => {
    await expect(
      ndjsonResponse(items(0, new AppError('invalid_zookie', 'bad')), (i) => i, {
        logger: silentLogger,
      }),
    ).rejects.toMatchObject({ code: 'invalid_zookie' });
  });
});
