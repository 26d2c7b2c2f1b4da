/**
 * Small raw-HTTP helpers for the process-level reliability suites: every call returns the status and
 * parsed body (or the network error) instead of throwing, so a test can classify each outcome.
 */

/** What one call ended as: an HTTP answer, or a transport failure (connection refused/reset). */
export type Outcome =
  | { kind: 'http'; status: number; body: Record<string, unknown> }
  | { kind: 'network'; message: string };

/** POSTs JSON to `url + path`; never throws. NDJSON answers come back as `{ lines: [...] }`. */
export async function postJson(
  url: string,
  path: string,
  body: unknown,
  opts: { key?: string; timeoutMs?: number } = {},
): Promise<Outcome> {
  try {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000),
    });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    const parsed = type.includes('ndjson')
      ? {
          lines: text
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((l) => JSON.parse(l)),
        }
      : text
        ? (JSON.parse(text) as Record<string, unknown>)
        : {};
    return { kind: 'http', status: res.status, body: parsed };
  } catch (err) {
    return { kind: 'network', message: (err as Error).message };
  }
}

/** The error code of an HTTP outcome, if any. */
export function codeOf(o: Outcome): string | undefined {
  return o.kind === 'http'
    ? ((o.body.error as { code?: string } | undefined)?.code ?? undefined)
    : undefined;
}

/** A wire relationship from `type:id#rel@type:id`. */
export function wireRel(text: string) {
  const [res, sub] = text.split('@') as [string, string];
  const [obj, relation] = res.split('#') as [string, string];
  const [rt, ri] = obj.split(':') as [string, string];
  const [st, si] = sub.split(':') as [string, string];
  return {
    resource: { objectType: rt, objectId: ri },
    relation,
    subject: { object: { objectType: st, objectId: si } },
  };
}

/** Every relationship of `resourceType` as `type:id#rel@type:id`, fully consistent (or at a zookie). */
export async function readAll(
  url: string,
  resourceType: string,
  opts: { key?: string; atExact?: string } = {},
): Promise<string[]> {
  const consistency = opts.atExact
    ? { atExactSnapshot: { token: opts.atExact } }
    : { fullyConsistent: true };
  const out: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const o = await postJson(
      url,
      '/v1/relationships/read',
      {
        consistency,
        relationshipFilter: { resourceType },
        optionalLimit: 1000,
        ...(cursor ? { optionalCursor: { token: cursor } } : {}),
      },
      opts,
    );
    if (o.kind !== 'http' || o.status !== 200)
      throw new Error(`read failed: ${JSON.stringify(o).slice(0, 500)}`);
    const lines = (o.body.lines ?? []) as {
      result?: {
        relationship: {
          resource: { objectType: string; objectId: string };
          relation: string;
          subject: { object: { objectType: string; objectId: string } };
        };
        afterResultCursor?: { token: string };
      };
      error?: unknown;
    }[];
    for (const l of lines) {
      if (l.error) throw new Error(`read stream failed: ${JSON.stringify(l.error)}`);
      const r = l.result?.relationship;
      if (r)
        out.push(
          `${r.resource.objectType}:${r.resource.objectId}#${r.relation}@${r.subject.object.objectType}:${r.subject.object.objectId}`,
        );
    }
    if (lines.length < 1000) return out;
    cursor = lines.at(-1)?.result?.afterResultCursor?.token;
    if (!cursor) return out;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
