/**
 * The answers of `/v1/permissions/resources` and `/v1/permissions/subjects` as NDJSON answers
 * (`ndjson.ts`): the node front of the lookup routes (`lookup-front.ts`) writes them on node's
 * response, and the hono routes in `permissions.ts` wrap them in a web Response (`answerResponse`).
 * `test/api/lookup-front.test.ts` sends the same requests both ways and compares status, headers
 * and bytes.
 */
import type { z } from '@hono/zod-openapi';
import { AppError } from '../../errors.ts';
import { type NdjsonAnswer, ndjsonAnswer } from '../ndjson.ts';
import type { AppDeps, CallContext } from '../route.ts';
import { toConsistency, toObjectRef, toSubjectRef } from '../wire/convert.ts';
import { lookupResourcesLine, lookupSubjectsLine } from '../wire/lines.ts';
import type * as W from '../wire/permissions.ts';

type LookupResourcesBody = z.infer<typeof W.LookupResourcesRequest>;
type LookupSubjectsBody = z.infer<typeof W.LookupSubjectsRequest>;

/** Answers a validated lookup-resources body: its lines built as text (wire/lines.ts). */
export async function answerLookupResources(
  deps: AppDeps,
  body: LookupResourcesBody,
  call: CallContext,
): Promise<NdjsonAnswer> {
  const { results, zookie } = await deps.clove.lookupResources(
    {
      resourceType: body.resourceObjectType,
      permission: body.permission,
      subject: toSubjectRef(body.subject),
      ...(body.context ? { context: body.context } : {}),
      ...(body.optionalLimit ? { limit: body.optionalLimit } : {}),
      ...(body.optionalCursor ? { cursor: body.optionalCursor.token } : {}),
    },
    {
      consistency: toConsistency(body.consistency),
      signal: call.signal,
      caller: call.caller,
      deadline: call.deadline,
    },
  );
  return ndjsonAnswer(results, lookupResourcesLine(zookie), {
    logger: call.logger,
    onEnd: call.done,
    raw: true,
  });
}

/** Answers a validated lookup-subjects body (`invalid_request` for a cursor: not resumable yet). */
export async function answerLookupSubjects(
  deps: AppDeps,
  body: LookupSubjectsBody,
  call: CallContext,
): Promise<NdjsonAnswer> {
  if (body.optionalCursor)
    throw new AppError('invalid_request', 'lookupSubjects cannot resume from a cursor yet', {
      details: { field: 'optionalCursor' },
    });
  const { subjects, zookie } = await deps.clove.lookupSubjects(
    {
      resource: toObjectRef(body.resource),
      permission: body.permission,
      subjectType: body.subjectObjectType,
      ...(body.optionalSubjectRelation ? { subjectRelation: body.optionalSubjectRelation } : {}),
      ...(body.context ? { context: body.context } : {}),
      ...(body.optionalConcreteLimit ? { limit: body.optionalConcreteLimit } : {}),
    },
    {
      consistency: toConsistency(body.consistency),
      signal: call.signal,
      caller: call.caller,
      deadline: call.deadline,
    },
  );
  const excludeWildcards = body.wildcardOption === 'WILDCARD_OPTION_EXCLUDE_WILDCARDS';
  const shown = excludeWildcards ? subjects.filter((s) => s.subjectId !== '*') : subjects;
  // Lines built as text (wire/lines.ts): the bytes of the wire object the hono route stringifies.
  return ndjsonAnswer(toAsync(shown), lookupSubjectsLine(zookie), {
    logger: call.logger,
    onEnd: call.done,
    raw: true,
  });
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
