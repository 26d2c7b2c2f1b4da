/**
 * A typed, fetch-based client for Clove's HTTP API (and, for its SpiceDB-compatible routes, for
 * SpiceDB's HTTP gateway). No dependencies: pass a `fetch` to run it against an in-process app.
 * Failures throw `CloveApiError` with the server's stable error `code`.
 */
import type * as T from './types.ts';

export interface ClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly endpoint: string;
  /** Bearer key (`Authorization: Bearer <key>`). */
  readonly key?: string;
  /** Defaults to the global fetch. */
  readonly fetch?: typeof fetch;
  /** Per-call timeout for non-streaming calls in ms (default 30 s). */
  readonly timeoutMs?: number;
  /** Extra headers on every request (e.g. `x-request-id`). */
  readonly headers?: Record<string, string>;
}

/** An error answered by the server (or a transport failure, code `unavailable`). */
export class CloveApiError extends Error {
  override name = 'CloveApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Options for streaming calls. */
export interface StreamOptions {
  readonly signal?: AbortSignal;
}

export type CloveClient = ReturnType<typeof createClient>;

/** Creates a client bound to one endpoint and key. */
export function createClient(opts: ClientOptions) {
  const base = opts.endpoint.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 30_000;

  const headers = (contentType = 'application/json'): Record<string, string> => ({
    'content-type': contentType,
    ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
    ...opts.headers,
  });

  async function send(
    path: string,
    body: string | ReadableStream<Uint8Array> | undefined,
    init: { signal?: AbortSignal; contentType?: string; method?: string },
  ): Promise<Response> {
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method: init.method ?? 'POST',
        headers: headers(init.contentType),
        ...(body !== undefined ? { body } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
        // Node's fetch needs this to stream a request body.
        ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (err) {
      if ((err as Error).name === 'AbortError' || (err as Error).name === 'TimeoutError') throw err;
      throw new CloveApiError('unavailable', `cannot reach ${base}: ${(err as Error).message}`, 0);
    }
    if (!res.ok) throw await toError(res);
    return res;
  }

  async function call<R>(path: string, body: unknown): Promise<R> {
    const res = await send(path, JSON.stringify(body ?? {}), {
      signal: AbortSignal.timeout(timeoutMs),
    });
    return (await res.json()) as R;
  }

  async function* stream<R>(
    path: string,
    body: unknown,
    so: StreamOptions = {},
  ): AsyncGenerator<R> {
    const res = await send(
      path,
      JSON.stringify(body ?? {}),
      so.signal ? { signal: so.signal } : {},
    );
    for await (const line of lines(res.body)) {
      const msg = JSON.parse(line) as { result?: R; error?: T.ErrorBody['error'] };
      if (msg.error)
        throw new CloveApiError(msg.error.code, msg.error.message, 200, msg.error.details);
      yield msg.result as R;
    }
  }

  return {
    /** `POST /v1/schema/write`; `dryRun` validates without storing. */
    writeSchema: (schema: string, o: { dryRun?: boolean } = {}) =>
      call<T.WriteSchemaResponse>('/v1/schema/write', { schema, ...o }),
    readSchema: () => call<T.ReadSchemaResponse>('/v1/schema/read', {}),
    writeRelationships: (req: T.WriteRelationshipsRequest) =>
      call<T.WriteRelationshipsResponse>('/v1/relationships/write', req),
    deleteRelationships: (req: T.DeleteRelationshipsRequest) =>
      call<T.DeleteRelationshipsResponse>('/v1/relationships/delete', req),
    /** Streams matching relationships. */
    readRelationships: (req: T.ReadRelationshipsRequest, so?: StreamOptions) =>
      stream<T.ReadRelationshipsResponse>('/v1/relationships/read', req, so),
    checkPermission: (req: T.CheckPermissionRequest) =>
      call<T.CheckPermissionResponse>('/v1/permissions/check', req),
    checkBulkPermissions: (req: T.CheckBulkPermissionsRequest) =>
      call<T.CheckBulkPermissionsResponse>('/v1/permissions/checkbulk', req),
    expandPermissionTree: (req: T.ExpandPermissionTreeRequest) =>
      call<T.ExpandPermissionTreeResponse>('/v1/permissions/expand', req),
    lookupResources: (req: T.LookupResourcesRequest, so?: StreamOptions) =>
      stream<T.LookupResourcesResponse>('/v1/permissions/resources', req, so),
    lookupSubjects: (req: T.LookupSubjectsRequest, so?: StreamOptions) =>
      stream<T.LookupSubjectsResponse>('/v1/permissions/subjects', req, so),
    /** Clove: every relation and permission the subject has on the resource. */
    permissionsOf: (req: T.PermissionsOfRequest) =>
      call<T.PermissionsOfResponse>('/clove/v1/permissions/of', req),
    /** Streams changes until `signal` aborts. */
    watch: (req: T.WatchRequest, so?: StreamOptions) =>
      stream<T.WatchResponse>('/v1/watch', req, so),
    /** Clove: imports NDJSON relationships or text-form tuples, one per line. */
    async importRelationships(
      body: string | ReadableStream<Uint8Array>,
      so: StreamOptions = {},
    ): Promise<T.ImportResponse> {
      const res = await send('/clove/v1/relationships/import', body, {
        contentType: 'application/x-ndjson',
        ...(so.signal ? { signal: so.signal } : {}),
      });
      return (await res.json()) as T.ImportResponse;
    },
    /** Clove: exports every relationship, as Relationship objects or text-form lines. */
    async *exportRelationships(
      req: { consistency?: T.Consistency; format?: 'json' | 'text' } = {},
      so: StreamOptions = {},
    ): AsyncGenerator<T.Relationship | string> {
      const res = await send(
        '/clove/v1/relationships/export',
        JSON.stringify(req),
        so.signal ? { signal: so.signal } : {},
      );
      for await (const line of lines(res.body)) {
        if (req.format === 'text') yield line;
        else {
          const msg = JSON.parse(line) as { result?: T.Relationship; error?: T.ErrorBody['error'] };
          if (msg.error)
            throw new CloveApiError(msg.error.code, msg.error.message, 200, msg.error.details);
          yield msg.result as T.Relationship;
        }
      }
    },
    /** `GET /healthz`, `/readyz`; true when 200. */
    async healthy(): Promise<boolean> {
      return (await doFetch(`${base}/healthz`)).ok;
    },
    async ready(): Promise<boolean> {
      return (await doFetch(`${base}/readyz`)).ok;
    },
  };
}

async function toError(res: Response): Promise<CloveApiError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as T.ErrorBody;
    if (body?.error?.code)
      return new CloveApiError(body.error.code, body.error.message, res.status, body.error.details);
  } catch {
    // not JSON: fall through
  }
  return new CloveApiError('internal', `HTTP ${res.status}: ${text.slice(0, 200)}`, res.status);
}

/** Splits a byte stream into non-empty lines. */
async function* lines(body: ReadableStream<Uint8Array> | null): AsyncGenerator<string> {
  if (!body) return;
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (line !== '') yield line;
      nl = buffer.indexOf('\n');
    }
  }
  const last = (buffer + decoder.decode()).trim();
  if (last !== '') yield last;
}
