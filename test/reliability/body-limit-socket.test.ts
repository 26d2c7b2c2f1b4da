/**
 * Over a real socket to the server process: a request declaring (or streaming) a body far over
 * `CLOVE_BODY_LIMIT_BYTES` is refused with 413 `payload_too_large` before the body has been sent,
 * let alone read; and the server keeps serving afterwards.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess } from '../e2e/server-process.ts';

let server: ServerProcess;
const LIMIT = 64 * 1024;
const DECLARED = 200 * 1024 * 1024;

beforeAll(async () => {
  server = await startServerProcess(['--store', 'memory'], {
    CLOVE_KEYS: '',
    CLOVE_BODY_LIMIT_BYTES: String(LIMIT),
  });
});
afterAll(async () => {
  await server?.stop();
});

/**
 * Sends `head`, then body chunks of 64 KiB until a response arrives or `maxBytes` are sent.
 * Returns the response text and how many body bytes had been written.
 */
function sendUntilAnswered(
  head: string,
  chunk: (n: number) => Buffer,
  maxBytes: number,
): Promise<{ response: string; sent: number }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), '127.0.0.1');
    let response = '';
    let sent = 0;
    let answered = false;
    const finish = () => {
      if (answered) return;
      answered = true;
      sock.destroy();
      resolve({ response, sent });
    };
    sock.on('data', (d) => {
      response += d.toString('latin1');
      if (response.includes('\r\n\r\n') && response.includes('}')) finish();
    });
    sock.on('error', (err) => (response ? finish() : reject(err)));
    sock.on('close', finish);
    sock.on('connect', async () => {
      sock.write(head);
      while (!answered && sent < maxBytes) {
        const c = chunk(sent);
        const ok = sock.write(c);
        sent += c.length;
        if (!ok) await new Promise((r) => sock.once('drain', r));
        await new Promise((r) => setTimeout(r, 5));
      }
    });
  });
}

describe('oversized bodies over a socket', () => {
  it('a declared 200 MiB body is refused with 413 before it is sent', async () => {
    const head =
      'POST /v1/permissions/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${DECLARED}\r\n\r\n`;
    const { response, sent } = await sendUntilAnswered(
      head,
      () => Buffer.alloc(64 * 1024, 'x'),
      16 * 1024 * 1024,
    );
    expect(response.startsWith('HTTP/1.1 413')).toBe(true);
    expect(response).toContain('payload_too_large');
    expect(sent).toBeLessThan(DECLARED);
    console.log(`[body-limit] declared ${DECLARED} bytes: 413 after ${sent} bytes sent`);
  });

  it('a chunked body without a length is cut off at the limit with 413', async () => {
    const head =
      'POST /v1/relationships/write HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      'Transfer-Encoding: chunked\r\n\r\n';
    const piece = Buffer.alloc(16 * 1024, 'y');
    const chunk = () =>
      Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]);
    const { response, sent } = await sendUntilAnswered(head, chunk, 16 * 1024 * 1024);
    expect(response.startsWith('HTTP/1.1 413')).toBe(true);
    expect(response).toContain('payload_too_large');
    expect(sent).toBeLessThan(16 * 1024 * 1024);
    console.log(`[body-limit] chunked: 413 after ${sent} bytes sent`);
  });

  it('the server still answers afterwards', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
