/** Every route through `app.request`, with the real service on a memory store. */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  createHarness,
  type Harness,
  KEYS,
  rel,
  ref,
  SCHEMA,
  sub,
  touch,
  type Body,
} from './harness.ts';

let h: Harness;
let token: string;

beforeEach(async () => {
  h = createHarness();
  const s = await h.json('/v1/schema/write', { schema: SCHEMA });
  expect(s.status).toBe(200);
  const w = await h.json(
    '/v1/relationships/write',
    touch(
      'document:d1#owner@user:ann',
      'document:d1#viewer@group:eng#member',
      'group:eng#member@user:bob',
      'document:d2#viewer@user:bob',
      'document:pub#viewer@user:*',
    ),
  );
  expect(w.status).toBe(200);
  token = w.body.writtenAt.token;
});

const check = (resource: string, permission: string, subject: string, extra: object = {}) =>
  h.json(
    '/v1/permissions/check',
    { resource: ref(resource), permission, subject: sub(subject), ...extra },
    KEYS.reader,
  );

describe('/v1/schema', () => {
  it('read returns the text and a zookie', async () => {
    const r = await h.json('/v1/schema/read', {}, KEYS.reader);
    expect(r.status).toBe(200);
    expect(r.body.schemaText).toBe(SCHEMA);
    expect(typeof r.body.readAt.token).toBe('string');
  });

  it('read before any write → 404 schema_not_found', async () => {
    const fresh = createHarness();
    const r = await fresh.json('/v1/schema/read', {});
    expect([r.status, r.body.error.code]).toEqual([404, 'schema_not_found']);
  });

  it('syntax errors → 400 schema_syntax_error with diagnostics', async () => {
    const r = await h.json('/v1/schema/write', { schema: 'definition user {' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('schema_syntax_error');
    expect(r.body.error.details.diagnostics.length).toBeGreaterThan(0);
  });

  it('semantic errors → 400 schema_invalid', async () => {
    const r = await h.json('/v1/schema/write', {
      schema: 'definition document {\n  relation viewer: nobody\n}\n',
    });
    expect([r.status, r.body.error.code]).toEqual([400, 'schema_invalid']);
  });

  it('dryRun validates without storing', async () => {
    const next = `${SCHEMA}\ndefinition folder {}\n`;
    const r = await h.json('/v1/schema/write', { schema: next, dryRun: true });
    expect(r.status).toBe(200);
    expect(r.body.dryRun).toBe(true);
    const read = await h.json('/v1/schema/read', {});
    expect(read.body.schemaText).toBe(SCHEMA);
  });

  it('removing a relation still in use → 409 schema_in_use', async () => {
    const r = await h.json('/v1/schema/write', {
      schema: 'definition user {}\ndefinition group {\n  relation member: user | group#member\n}\n',
    });
    expect([r.status, r.body.error.code]).toEqual([409, 'schema_in_use']);
  });
});

describe('/v1/permissions/check', () => {
  it.each([
    ['document:d1', 'view', 'user:ann', 'PERMISSIONSHIP_HAS_PERMISSION'],
    ['document:d1', 'view', 'user:bob', 'PERMISSIONSHIP_HAS_PERMISSION'],
    ['document:d1', 'edit', 'user:bob', 'PERMISSIONSHIP_NO_PERMISSION'],
    ['document:pub', 'view', 'user:zed', 'PERMISSIONSHIP_HAS_PERMISSION'],
    ['document:d2', 'view', 'user:ann', 'PERMISSIONSHIP_NO_PERMISSION'],
  ])('%s#%s@%s → %s', async (r, p, s, expected) => {
    const res = await check(r, p, s, { consistency: { atLeastAsFresh: { token } } });
    expect(res.status).toBe(200);
    expect(res.body.permissionship).toBe(expected);
    expect(typeof res.body.checkedAt.token).toBe('string');
  });

  it('accepts proto field names (snake_case) like SpiceDB’s gateway, keeping context keys', async () => {
    const res = await h.json(
      '/v1/permissions/check',
      {
        consistency: { at_least_as_fresh: { token } },
        resource: { object_type: 'document', object_id: 'd1' },
        permission: 'view',
        subject: { object: { object_type: 'user', object_id: 'ann' } },
        context: { some_param: 1 },
      },
      KEYS.reader,
    );
    expect(res.status).toBe(200);
    expect(res.body.permissionship).toBe('PERMISSIONSHIP_HAS_PERMISSION');
  });

  it('explain returns a proof and its text', async () => {
    const res = await check('document:d1', 'view', 'user:bob', { explain: true });
    expect(res.body.explanation.text).toMatch(/eng/);
    expect(res.body.explanation.proof).toBeTruthy();
  });

  it.each([
    [{ fullyConsistent: true }],
    [{ minimizeLatency: true }],
    [{ atExactSnapshot: { token: 'TOKEN' } }],
    [undefined],
  ])('accepts consistency %j', async (consistency) => {
    const c =
      consistency && 'atExactSnapshot' in consistency
        ? { atExactSnapshot: { token } }
        : consistency;
    const res = await check('document:d1', 'view', 'user:ann', c ? { consistency: c } : {});
    expect(res.status).toBe(200);
  });

  it('a malformed zookie → 400 invalid_zookie', async () => {
    const res = await check('document:d1', 'view', 'user:ann', {
      consistency: { atLeastAsFresh: { token: 'garbage' } },
    });
    expect([res.status, res.body.error.code]).toEqual([400, 'invalid_zookie']);
  });

  it.each([
    ['document:d1', 'nosuch', 'user:ann', 'unknown_relation'],
    ['folder:f1', 'view', 'user:ann', 'unknown_definition'],
    ['document:d1', 'view', 'user:*', 'wildcard_subject_not_allowed'],
  ])('%s#%s@%s → 400 %s', async (r, p, s, code) => {
    const res = await check(r, p, s);
    expect([res.status, res.body.error.code]).toEqual([400, code]);
  });
});

describe('/v1/permissions/checkbulk', () => {
  it('answers each item, errors per item', async () => {
    const item = (r: string, p: string, s: string) => ({
      resource: ref(r),
      permission: p,
      subject: sub(s),
    });
    const res = await h.json(
      '/v1/permissions/checkbulk',
      {
        consistency: { fullyConsistent: true },
        items: [
          item('document:d1', 'view', 'user:bob'),
          item('document:d1', 'edit', 'user:bob'),
          item('document:d1', 'nosuch', 'user:bob'),
        ],
      },
      KEYS.reader,
    );
    expect(res.status).toBe(200);
    const pairs = res.body.pairs;
    expect(pairs[0].item.permissionship).toBe('PERMISSIONSHIP_HAS_PERMISSION');
    expect(pairs[1].item.permissionship).toBe('PERMISSIONSHIP_NO_PERMISSION');
    expect(pairs[2].error.code).toBe('unknown_relation');
    expect(pairs[0].request.permission).toBe('view');
  });
});

describe('/v1/permissions/expand', () => {
  it('returns a SpiceDB-shaped tree', async () => {
    const res = await h.json(
      '/v1/permissions/expand',
      { resource: ref('document:d1'), permission: 'view' },
      KEYS.reader,
    );
    expect(res.status).toBe(200);
    const root = res.body.treeRoot;
    expect(root.expandedObject).toEqual(ref('document:d1'));
    expect(root.expandedRelation).toBe('view');
    expect(root.intermediate.operation).toBe('OPERATION_EXCLUSION');
    const text = JSON.stringify(root);
    expect(text).toContain('"optionalRelation":"member"');
  });
});

describe('lookups', () => {
  it('/v1/permissions/resources streams {result} lines', async () => {
    const res = await h.post(
      '/v1/permissions/resources',
      { resourceObjectType: 'document', permission: 'view', subject: sub('user:bob') },
      KEYS.reader,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('ndjson');
    const lines = await h.lines(res);
    expect(lines.map((l) => l.result.resourceObjectId).sort()).toEqual(['d1', 'd2', 'pub']);
    expect(lines[0].result.permissionship).toBe('LOOKUP_PERMISSIONSHIP_HAS_PERMISSION');
    expect(typeof lines[0].result.lookedUpAt.token).toBe('string');
  });

  it('resources pages with optionalLimit and the cursor', async () => {
    const first = await h.lines(
      await h.post('/v1/permissions/resources', {
        resourceObjectType: 'document',
        permission: 'view',
        subject: sub('user:bob'),
        optionalLimit: 2,
      }),
    );
    expect(first).toHaveLength(2);
    const cursor = first[1].result.afterResultCursor;
    expect(cursor?.token).toBeTruthy();
    const rest = await h.lines(
      await h.post('/v1/permissions/resources', {
        resourceObjectType: 'document',
        permission: 'view',
        subject: sub('user:bob'),
        optionalCursor: cursor,
      }),
    );
    const all = [...first, ...rest].map((l) => l.result.resourceObjectId);
    expect(all.sort()).toEqual(['d1', 'd2', 'pub']);
  });

  it('a bad cursor → 400 invalid_cursor', async () => {
    const res = await h.json('/v1/permissions/resources', {
      resourceObjectType: 'document',
      permission: 'view',
      subject: sub('user:bob'),
      optionalCursor: { token: 'nope' },
    });
    expect([res.status, res.body.error.code]).toEqual([400, 'invalid_cursor']);
  });

  it('an unknown type fails with its status before streaming', async () => {
    const res = await h.json('/v1/permissions/resources', {
      resourceObjectType: 'folder',
      permission: 'view',
      subject: sub('user:bob'),
    });
    expect([res.status, res.body.error.code]).toEqual([400, 'unknown_definition']);
  });

  it('/v1/permissions/subjects lists subjects, wildcard included', async () => {
    const res = await h.post('/v1/permissions/subjects', {
      resource: ref('document:d1'),
      permission: 'view',
      subjectObjectType: 'user',
    });
    const ids = (await h.lines(res)).map((l) => l.result.subject.subjectObjectId);
    expect(ids.sort()).toEqual(['ann', 'bob']);
    const pub = await h.lines(
      await h.post('/v1/permissions/subjects', {
        resource: ref('document:pub'),
        permission: 'view',
        subjectObjectType: 'user',
      }),
    );
    expect(pub.map((l) => l.result.subjectObjectId)).toContain('*');
    const noWild = await h.lines(
      await h.post('/v1/permissions/subjects', {
        resource: ref('document:pub'),
        permission: 'view',
        subjectObjectType: 'user',
        wildcardOption: 'WILDCARD_OPTION_EXCLUDE_WILDCARDS',
      }),
    );
    expect(noWild.map((l) => l.result.subjectObjectId)).not.toContain('*');
  });

  it('/clove/v1/permissions/of lists what a subject has', async () => {
    const res = await h.json(
      '/clove/v1/permissions/of',
      { resource: ref('document:d1'), subject: sub('user:ann') },
      KEYS.reader,
    );
    expect(res.status).toBe(200);
    const names = res.body.permissions.map((p: { name: string }) => p.name);
    expect(names).toEqual(['edit', 'owner', 'view']);
    expect(res.body.permissions.find((p: Body) => p.name === 'owner').kind).toBe('relation');
  });
});

describe('/v1/relationships', () => {
  it('read streams matches with cursors that resume', async () => {
    const all = await h.lines(
      await h.post(
        '/v1/relationships/read',
        { relationshipFilter: { resourceType: 'document' } },
        KEYS.reader,
      ),
    );
    expect(all).toHaveLength(4);
    expect(all[0].result.relationship.resource.objectType).toBe('document');
    const firstTwo = await h.lines(
      await h.post('/v1/relationships/read', {
        relationshipFilter: { resourceType: 'document' },
        optionalLimit: 2,
      }),
    );
    expect(firstTwo).toHaveLength(2);
    const rest = await h.lines(
      await h.post('/v1/relationships/read', {
        relationshipFilter: { resourceType: 'document' },
        optionalCursor: firstTwo[1].result.afterResultCursor,
      }),
    );
    expect([...firstTwo, ...rest].map((l) => JSON.stringify(l.result.relationship))).toEqual(
      all.map((l) => JSON.stringify(l.result.relationship)),
    );
  });

  it('read results carry the metadata of the write that created each relationship', async () => {
    const meta = { actor: 'user:ann', agent: 'agent_session:s1', task: 'share' };
    const w = await h.json('/v1/relationships/write', {
      ...touch('document:d3#viewer@user:cat', 'document:d1#owner@user:ann'),
      optionalTransactionMetadata: meta,
    });
    expect(w.status).toBe(200);
    const lines = await h.lines(
      await h.post(
        '/v1/relationships/read',
        { relationshipFilter: { resourceType: 'document', optionalRelation: 'owner' } },
        KEYS.reader,
      ),
    );
    expect(lines).toHaveLength(1);
    // The TOUCH re-created ann's ownership: the newer write (with metadata) is the one named.
    expect(lines[0].result.optionalTransactionMetadata).toEqual(meta);
    const viewers = await h.lines(
      await h.post('/v1/relationships/read', {
        relationshipFilter: { resourceType: 'document', optionalRelation: 'viewer' },
      }),
    );
    const byId = Object.fromEntries(
      viewers.map((l) => [
        l.result.relationship.subject.object.objectId,
        l.result.optionalTransactionMetadata,
      ]),
    );
    // The setup write carried no metadata: the field is absent, not null.
    expect(Object.keys(byId).sort()).toEqual(['*', 'bob', 'cat', 'eng']);
    expect(byId.cat).toEqual(meta);
    expect(
      viewers
        .filter((l) => 'optionalTransactionMetadata' in l.result)
        .map((l) => l.result.relationship.subject.object.objectId),
    ).toEqual(['cat']);
  });

  it('read filters by subject', async () => {
    const lines = await h.lines(
      await h.post('/v1/relationships/read', {
        relationshipFilter: {
          resourceType: 'document',
          optionalSubjectFilter: { subjectType: 'group', optionalRelation: { relation: 'member' } },
        },
      }),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0].result.relationship.subject.optionalRelation).toBe('member');
  });

  it('CREATE of an existing tuple → 409 tuple_already_exists', async () => {
    const r = await h.json('/v1/relationships/write', {
      updates: [{ operation: 'OPERATION_CREATE', relationship: rel('document:d1#owner@user:ann') }],
    });
    expect([r.status, r.body.error.code]).toEqual([409, 'tuple_already_exists']);
  });

  it('preconditions: MUST_MATCH failing → 412 precondition_failed; passing → written', async () => {
    const bad = await h.json('/v1/relationships/write', {
      ...touch('document:d3#owner@user:ann'),
      optionalPreconditions: [
        {
          operation: 'OPERATION_MUST_MATCH',
          filter: { resourceType: 'document', optionalResourceId: 'nope' },
        },
      ],
    });
    expect([bad.status, bad.body.error.code]).toEqual([412, 'precondition_failed']);
    const good = await h.json('/v1/relationships/write', {
      ...touch('document:d3#owner@user:ann'),
      optionalPreconditions: [
        {
          operation: 'OPERATION_MUST_NOT_MATCH',
          filter: { resourceType: 'document', optionalResourceId: 'd3' },
        },
      ],
      optionalTransactionMetadata: { actor: 'test' },
    });
    expect(good.status).toBe(200);
  });

  it.each([
    ['document:d1#view@user:ann', 'write_to_permission'],
    ['document:d1#nosuch@user:ann', 'unknown_relation'],
    ['folder:f1#viewer@user:ann', 'unknown_definition'],
    ['document:d1#owner@group:eng', 'subject_type_not_allowed'],
  ])('writing %s → 400 %s', async (text, code) => {
    const r = await h.json('/v1/relationships/write', touch(text));
    expect([r.status, r.body.error.code]).toEqual([400, code]);
  });

  it('the same tuple twice in one batch → 400 duplicate_tuple_in_batch', async () => {
    const r = await h.json(
      '/v1/relationships/write',
      touch('document:d9#owner@user:ann', 'document:d9#owner@user:ann'),
    );
    expect([r.status, r.body.error.code]).toEqual([400, 'duplicate_tuple_in_batch']);
  });

  it('writes before a schema → 404 schema_not_found', async () => {
    const fresh = createHarness();
    const r = await fresh.json('/v1/relationships/write', touch('document:d1#owner@user:ann'));
    expect([r.status, r.body.error.code]).toEqual([404, 'schema_not_found']);
  });

  it('delete by filter, with limit semantics', async () => {
    const over = await h.json('/v1/relationships/delete', {
      relationshipFilter: { resourceType: 'document' },
      optionalLimit: 1,
    });
    expect([over.status, over.body.error.code]).toEqual([422, 'limit_exceeded']);
    const partial = await h.json('/v1/relationships/delete', {
      relationshipFilter: { resourceType: 'document' },
      optionalLimit: 1,
      optionalAllowPartialDeletions: true,
    });
    expect(partial.body.deletionProgress).toBe('DELETION_PROGRESS_PARTIAL');
    const rest = await h.json('/v1/relationships/delete', {
      relationshipFilter: { resourceType: 'document' },
    });
    expect(rest.status).toBe(200);
    expect(rest.body.deletionProgress).toBe('DELETION_PROGRESS_COMPLETE');
    expect(rest.body.relationshipsDeletedCount).toBe('3');
  });

  it('optionalResourceIdPrefix is refused explicitly', async () => {
    const r = await h.json('/v1/relationships/read', {
      relationshipFilter: { resourceType: 'document', optionalResourceIdPrefix: 'd' },
    });
    expect([r.status, r.body.error.code]).toEqual([400, 'invalid_request']);
  });
});

describe('import and export', () => {
  it('importbulk creates relationships; exportbulk pages them', async () => {
    const r = await h.json('/v1/relationships/importbulk', {
      relationships: [rel('document:i1#owner@user:ann'), rel('document:i2#owner@user:ann')],
    });
    expect(r.status).toBe(200);
    expect(r.body.numLoaded).toBe('2');
    const pages = await h.lines(
      await h.post('/v1/relationships/exportbulk', { optionalLimit: 3 }, KEYS.reader),
    );
    const all = pages.flatMap((p) => p.result.relationships);
    expect(all).toHaveLength(7);
    expect(pages[0].result.relationships).toHaveLength(3);
  });

  it('exportbulk refuses a resume cursor explicitly', async () => {
    const r = await h.json('/v1/relationships/exportbulk', { optionalCursor: { token: 'x' } });
    expect([r.status, r.body.error.code]).toEqual([400, 'invalid_request']);
  });

  it('NDJSON and text import, text export', async () => {
    const body = [
      'document:t1#owner@user:ann',
      '// a comment',
      '',
      JSON.stringify(rel('document:t2#owner@user:bob')),
    ].join('\n');
    const res = await h.app.request('/clove/v1/relationships/import', {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.writer}`, 'content-type': 'application/x-ndjson' },
      body,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Body).numLoaded).toBe('2');
    const exp = await h.post('/clove/v1/relationships/export', { format: 'text' }, KEYS.reader);
    expect(exp.headers.get('clove-zookie')).toBeTruthy();
    const lines = (await exp.text()).trim().split('\n');
    expect(lines).toContain('document:t1#owner@user:ann');
    expect(lines).toContain('document:d1#viewer@group:eng#member');
    expect(lines).toHaveLength(7);
  });

  it('the streaming import is exempt from the body limit', async () => {
    const small = createHarness({ CLOVE_BODY_LIMIT_BYTES: '2048' });
    await small.post('/v1/schema/write', { schema: SCHEMA });
    const body = Array.from({ length: 300 }, (_, i) => `document:big${i}#owner@user:u${i}`).join(
      '\n',
    );
    expect(body.length).toBeGreaterThan(2048);
    const res = await small.app.request('/clove/v1/relationships/import', {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.writer}` },
      body,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { numLoaded: string }).numLoaded).toBe('300');
  });

  it('a bad import line fails the whole import with its line number', async () => {
    const res = await h.app.request('/clove/v1/relationships/import', {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.writer}` },
      body: 'document:t1#owner@user:ann\nnot a tuple\n',
    });
    expect(res.status).toBe(400);
    const json = (await res.json()) as Body;
    expect(json.error.code).toBe('invalid_tuple');
    expect(json.error.details.line).toBe(2);
    const read = await h.lines(
      await h.post('/v1/relationships/read', {
        relationshipFilter: { resourceType: 'document', optionalResourceId: 't1' },
      }),
    );
    expect(read).toHaveLength(0);
  });
});

describe('/v1/watch', () => {
  it('streams writes after the start zookie', async () => {
    const ctrl = new AbortController();
    const res = await h.app.request('/v1/watch', {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.reader}` },
      body: JSON.stringify({ optionalStartCursor: { token } }),
      signal: ctrl.signal,
    });
    expect(res.status).toBe(200);
    const w = await h.json('/v1/relationships/write', {
      ...touch('document:w1#owner@user:ann'),
      optionalTransactionMetadata: { actor: 'watcher-test' },
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const dec = new TextDecoder();
    let buf = '';
    let msg: Body;
    while (!msg) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value);
      for (const line of buf.split('\n').slice(0, -1)) {
        const m = JSON.parse(line).result;
        if (m.updates.length > 0) msg = m;
      }
    }
    ctrl.abort();
    await reader.cancel().catch(() => {});
    expect(msg.updates[0].operation).toBe('OPERATION_TOUCH');
    expect(msg.updates[0].relationship).toEqual(rel('document:w1#owner@user:ann'));
    expect(msg.changesThrough.token).toBe(w.body.writtenAt.token);
    expect(msg.optionalTransactionMetadata).toEqual({ actor: 'watcher-test' });
  });

  it('filters changes by relationship filter; filtered-out transactions become checkpoints', async () => {
    const ctrl = new AbortController();
    const res = await h.app.request('/v1/watch', {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.reader}` },
      body: JSON.stringify({
        optionalStartCursor: { token },
        optionalRelationshipFilters: [{ resourceType: 'document', optionalRelation: 'owner' }],
      }),
      signal: ctrl.signal,
    });
    await h.json('/v1/relationships/write', touch('group:eng#member@user:zoe'));
    await h.json(
      '/v1/relationships/write',
      touch('document:w2#viewer@user:ann', 'document:w2#owner@user:ann'),
    );
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const dec = new TextDecoder();
    let buf = '';
    const seen: { updates: { relationship: { relation: string } }[]; isCheckpoint?: boolean }[] =
      [];
    while (!seen.some((m) => m.updates.length > 0)) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      for (const line of parts) if (line) seen.push(JSON.parse(line).result);
    }
    ctrl.abort();
    await reader.cancel().catch(() => {});
    expect(seen[0]?.isCheckpoint).toBe(true);
    const withChanges = seen.find((m) => m.updates.length > 0);
    expect(withChanges?.updates.map((u) => u.relationship.relation)).toEqual(['owner']);
  });
});
