import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawConnection, serializeRequest } from './raw-http.ts';

let server: Server;
let port: number;
let connections = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write('{"a":1}\n');
        res.end('{"b":"é"}\n');
      } else if (req.url === '/close') {
        res.writeHead(503, { connection: 'close', 'content-type': 'text/plain' });
        res.end('bye');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, body, key: req.headers['x-key'] ?? null }));
      }
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

const url = (path: string) => new URL(`http://127.0.0.1:${port}${path}`);

describe('RawConnection', () => {
  it('sends requests one after another on one keep-alive socket', async () => {
    const conn = new RawConnection('127.0.0.1', port);
    const before = connections;
    for (const body of ['{"x":1}', '{"y":"ü"}']) {
      const r = await conn.send(
        serializeRequest({ method: 'POST', url: url('/json'), body, headers: { 'x-key': 'k' } }),
      );
      expect(r.status).toBe(200);
      expect(JSON.parse(r.text)).toEqual({ method: 'POST', body, key: 'k' });
    }
    expect(connections - before).toBe(1);
    conn.close();
  });

  it('reads chunked bodies', async () => {
    const conn = new RawConnection('127.0.0.1', port);
    const r = await conn.send(serializeRequest({ method: 'GET', url: url('/chunked') }));
    expect(r).toEqual({ status: 200, text: '{"a":1}\n{"b":"é"}\n' });
    conn.close();
  });

  it('reconnects after the server closes the connection', async () => {
    const conn = new RawConnection('127.0.0.1', port);
    const closed = await conn.send(serializeRequest({ method: 'GET', url: url('/close') }));
    expect(closed).toEqual({ status: 503, text: 'bye' });
    const again = await conn.send(serializeRequest({ method: 'GET', url: url('/json') }));
    expect(JSON.parse(again.text).method).toBe('GET');
    conn.close();
  });
});
