/**
 * A minimal HTTP/1.1 keep-alive client over one TCP socket, for the load generator: requests are
 * pre-serialised bytes, one request in flight at a time, and the answer is parsed just enough
 * (status, Content-Length or chunked body). It exists because node:http's client costs the load
 * process more CPU per request than the trivial server spends answering it, so on a 2-core machine
 * the "ceiling" measured the load generator rather than the server. Not a general HTTP client:
 * no redirects, no pipelining, no TLS.
 */
import { connect, type Socket } from 'node:net';

/** One answer: status code and body text. */
export interface RawResponse {
  readonly status: number;
  readonly text: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** The bytes of one request: method, path, host, headers and (for POST) a JSON body. */
export function serializeRequest(opts: {
  method: 'GET' | 'POST';
  url: URL;
  headers?: Readonly<Record<string, string>>;
  body?: string;
}): Buffer {
  const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
  let head = `${opts.method} ${opts.url.pathname}${opts.url.search} HTTP/1.1\r\nHost: ${opts.url.host}\r\n`;
  if (opts.method === 'POST')
    head += `Content-Type: application/json\r\nContent-Length: ${body?.length ?? 0}\r\n`;
  for (const [k, v] of Object.entries(opts.headers ?? {})) head += `${k}: ${v}\r\n`;
  head += '\r\n';
  return body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
}

/** An error carrying a Node-style `code` (ECONNRESET when the server closed the connection). */
function connectionError(message: string, code: string): NodeJS.ErrnoException {
  const e = new Error(message) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

/**
 * One keep-alive connection. `send` writes a request and resolves with its answer; the socket is
 * (re)opened on demand, so a connection the server closed (idle timeout, `Connection: close`) is
 * replaced on the next request. A request in flight when the socket closes rejects with ECONNRESET.
 */
export class RawConnection {
  #socket: Socket | undefined;
  #buffer: Buffer = Buffer.alloc(0);
  #pending:
    | { resolve: (r: RawResponse) => void; reject: (e: NodeJS.ErrnoException) => void }
    | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  send(request: Buffer): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#open().write(request);
    });
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
  }

  #open(): Socket {
    if (this.#socket && !this.#socket.destroyed) return this.#socket;
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    this.#buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#parse();
    });
    const fail = (err?: Error) => {
      // Events of a socket already replaced (closed after `Connection: close`) concern no request.
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      const p = this.#pending;
      this.#pending = undefined;
      p?.reject(
        connectionError(
          err?.message ?? 'connection closed',
          (err as NodeJS.ErrnoException | undefined)?.code ?? 'ECONNRESET',
        ),
      );
    };
    socket.on('error', fail);
    socket.on('close', () => fail());
    this.#socket = socket;
    return socket;
  }

  /** Completes the pending request once its whole answer is buffered. */
  #parse(): void {
    const buf = this.#buffer;
    const end = buf.indexOf(HEADER_END);
    if (end < 0 || !this.#pending) return;
    const head = buf.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const lower = head.toLowerCase();
    const bodyStart = end + 4;
    let body: Buffer | undefined;
    let rest = 0;
    const cl = /\r\ncontent-length:\s*(\d+)/.exec(lower);
    if (cl) {
      const length = Number(cl[1]);
      if (buf.length < bodyStart + length) return;
      body = buf.subarray(bodyStart, bodyStart + length);
      rest = bodyStart + length;
    } else if (/\r\ntransfer-encoding:\s*chunked/.test(lower)) {
      const parts: Buffer[] = [];
      let at = bodyStart;
      for (;;) {
        const lineEnd = buf.indexOf('\r\n', at);
        if (lineEnd < 0) return;
        const size = Number.parseInt(buf.toString('latin1', at, lineEnd), 16);
        if (buf.length < lineEnd + 2 + size + 2) return;
        if (size === 0) {
          rest = lineEnd + 4;
          break;
        }
        parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
      body = Buffer.concat(parts);
    } else {
      body = Buffer.alloc(0);
      rest = bodyStart;
    }
    this.#buffer = buf.subarray(rest);
    const p = this.#pending;
    this.#pending = undefined;
    p.resolve({ status, text: body.toString('utf8') });
    if (/\r\nconnection:\s*close/.test(lower)) this.close();
  }
}
