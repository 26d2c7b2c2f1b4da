/** `/v1/permissions/*`: check (with Clove's `explain`), checkbulk, expand, lookups; and permissionsOf. */
import type { z } from '@hono/zod-openapi';
import { AppError } from '../../errors.ts';
import { answerResponse } from '../ndjson.ts';
import { type App, type AppDeps, type CallContext, addRoute } from '../route.ts';
import {
  fromObjectRef,
  partialCaveatInfo,
  toConsistency,
  toObjectRef,
  toSubjectRef,
  toWirePermissionship,
  toWireTree,
} from '../wire/convert.ts';
import type { ScannedBulk } from '../wire/bulk-scan.ts';
import { checkBulkResponseText, checkBulkResponseTextOf } from '../wire/bulk-text.ts';
import { checkResponseText } from '../wire/check-text.ts';
import { fastCheckBulkRequest, fastCheckRequest } from '../wire/fast-parse.ts';
import * as W from '../wire/permissions.ts';
import { answerLookupResources, answerLookupSubjects } from './lookups.ts';

/** What `c.json` sets: responses built as text carry the same content type. */
const JSON_HEADERS = { 'Content-Type': 'application/json' } as const;

type CheckBody = z.infer<typeof W.CheckPermissionRequest>;
type CheckBulkBody = z.infer<typeof W.CheckBulkPermissionsRequest>;

/**
 * Answers a validated check body: the JSON text of the response (wire/check-text.ts, the same bytes
 * as `c.json` of the wire object). Shared by the hono route and the node front (`hot-routes.ts`).
 */
export async function answerCheck(
  deps: AppDeps,
  body: CheckBody,
  call: CallContext,
): Promise<string> {
  const { answer, zookie } = await deps.clove.check(
    body.context
      ? {
          resource: toObjectRef(body.resource),
          permission: body.permission,
          subject: toSubjectRef(body.subject),
          context: body.context,
        }
      : {
          resource: toObjectRef(body.resource),
          permission: body.permission,
          subject: toSubjectRef(body.subject),
        },
    {
      consistency: toConsistency(body.consistency),
      explain: body.explain === true || body.withTracing === true,
      // No signal: a single check is short and bounded by the deadline; not asking for one
      // saves an AbortController and two listeners per call (see addRoute).
      caller: call.caller,
      deadline: call.deadline,
    },
  );
  return checkResponseText(zookie, answer);
}

/** Throws `batch_too_large` past the configured checkbulk item limit. */
function assertBulkSize(deps: AppDeps, got: number): void {
  const max = deps.config.limits.maxBulkCheckItems;
  if (got > max)
    throw new AppError('batch_too_large', `at most ${max} items per checkbulk request`, {
      details: { max, got },
    });
}

/** The service options of a checkbulk call. */
function bulkOptions(consistency: CheckBulkBody['consistency'], call: CallContext) {
  return {
    consistency: toConsistency(consistency),
    signal: call.signal,
    caller: call.caller,
    deadline: call.deadline,
  };
}

/**
 * Answers a validated checkbulk body (`batch_too_large` past the configured item limit): the JSON
 * text of the response (wire/bulk-text.ts). Shared by the hono route and the node front.
 */
export async function answerCheckBulk(
  deps: AppDeps,
  body: CheckBulkBody,
  call: CallContext,
): Promise<string> {
  assertBulkSize(deps, body.items.length);
  const checks = body.items.map((i) =>
    i.context
      ? {
          resource: toObjectRef(i.resource),
          permission: i.permission,
          subject: toSubjectRef(i.subject),
          context: i.context,
        }
      : {
          resource: toObjectRef(i.resource),
          permission: i.permission,
          subject: toSubjectRef(i.subject),
        },
  );
  const { answers, zookie } = await deps.clove.bulkCheck(
    checks,
    bulkOptions(body.consistency, call),
  );
  return checkBulkResponseText(zookie, body.items, answers);
}

/**
 * `answerCheckBulk` for a body the node front scanned from its text (wire/bulk-scan.ts): the same
 * steps and the same answer text, from check inputs and request texts read straight off the body.
 */
export async function answerScannedCheckBulk(
  deps: AppDeps,
  body: ScannedBulk,
  call: CallContext,
): Promise<string> {
  assertBulkSize(deps, body.checks.length);
  const { answers, zookie } = await deps.clove.bulkCheck(
    body.checks,
    bulkOptions(body.consistency, call),
  );
  return checkBulkResponseTextOf(zookie, body.requests, answers);
}

export function addPermissionRoutes(app: App, deps: AppDeps): void {
  const { clove } = deps;

  addRoute(
    app,
    deps,
    {
      path: '/v1/permissions/check',
      summary: 'Check a permission',
      description:
        'Whether the subject has the permission (or relation) on the resource. Set `explain: true` ' +
        '(or `withTracing: true`) to get the proof of the answer.',
      tag: 'Permissions',
      role: 'reader',
      body: W.CheckPermissionRequest,
      response: W.CheckPermissionResponse,
      fastBody: fastCheckRequest,
    },
    async (c, body, call) => {
      const text = await answerCheck(deps, body, call);
      // A Response is returned as is by addRoute, which leaves `done` (the deadline timer) to us.
      call.done();
      return c.body(text, 200, JSON_HEADERS);
    },
  );

  addRoute(
    app,
    deps,
    {
      path: '/v1/permissions/checkbulk',
      summary: 'Check many permissions at one revision',
      description: 'Each pair carries either its answer (`item`) or its own `error`.',
      tag: 'Permissions',
      role: 'reader',
      body: W.CheckBulkPermissionsRequest,
      response: W.CheckBulkPermissionsResponse,
      fastBody: fastCheckBulkRequest,
    },
    async (c, body, call) => {
      const text = await answerCheckBulk(deps, body, call);
      call.done();
      return c.body(text, 200, JSON_HEADERS);
    },
  );

  addRoute(
    app,
    deps,
    {
      path: '/v1/permissions/expand',
      summary: 'Expand a permission into its subject tree',
      tag: 'Permissions',
      role: 'reader',
      body: W.ExpandPermissionTreeRequest,
      response: W.ExpandPermissionTreeResponse,
    },
    async (_c, body, call) => {
      const { tree, zookie } = await clove.expand(toObjectRef(body.resource), body.permission, {
        consistency: toConsistency(body.consistency),
        signal: call.signal,
        deadline: call.deadline,
      });
      return { expandedAt: { token: zookie }, treeRoot: toWireTree(tree) };
    },
  );

  addRoute(
    app,
    deps,
    {
      path: '/v1/permissions/resources',
      summary: 'Lookup resources a subject can access',
      tag: 'Permissions',
      role: 'reader',
      body: W.LookupResourcesRequest,
      response: W.LookupResourcesResponse,
      stream: true,
    },
    // The same answer the node front writes (routes/lookups.ts), as a web Response.
    async (_c, body, call) => answerResponse(await answerLookupResources(deps, body, call)),
  );

  addRoute(
    app,
    deps,
    {
      path: '/v1/permissions/subjects',
      summary: 'Lookup subjects that have a permission',
      tag: 'Permissions',
      role: 'reader',
      body: W.LookupSubjectsRequest,
      response: W.LookupSubjectsResponse,
      stream: true,
    },
    async (_c, body, call) => answerResponse(await answerLookupSubjects(deps, body, call)),
  );

  addRoute(
    app,
    deps,
    {
      path: '/clove/v1/permissions/of',
      summary: 'List the permissions and relations a subject has on a resource (Clove extension)',
      tag: 'Clove',
      role: 'reader',
      body: W.PermissionsOfRequest,
      response: W.PermissionsOfResponse,
    },
    async (_c, body, call) => {
      const { permissions, zookie } = await clove.permissionsOf(
        {
          resource: toObjectRef(body.resource),
          subject: toSubjectRef(body.subject),
          ...(body.context ? { context: body.context } : {}),
        },
        {
          consistency: toConsistency(body.consistency),
          signal: call.signal,
          deadline: call.deadline,
        },
      );
      return {
        checkedAt: { token: zookie },
        resource: fromObjectRef(toObjectRef(body.resource)),
        permissions: permissions.map((p) => ({
          name: p.name,
          kind: p.kind,
          permissionship: toWirePermissionship(p.permissionship),
          partialCaveatInfo: partialCaveatInfo(p.missingContext),
        })),
      };
    },
  );
}
