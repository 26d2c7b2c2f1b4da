/**
 * Permission use cases: check (with explain), bulk check, expand, lookupResources (streamed, with
 * cursors pinned to the revision), lookupSubjects and permissionsOf. Each resolves consistency once
 * and answers everything at that revision.
 */
import { AppError, ConsistencyError } from '../errors.ts';
import { formatObject, formatSubject, type Revision } from '../model/index.ts';
import { type CheckResult, formatProof } from '../engine/index.ts';
import { lookupSubjects, permissionsOf, streamLookupResources } from '../engine/lookup/index.ts';
import type { Clove, ServiceDeps } from './clove.ts';
import { logLookupStream } from './decision-log.ts';
import type {
  BulkCheckAnswer,
  CheckAnswer,
  CheckInput,
  PermissionOf,
  ResourceFound,
} from './types.ts';

const PERMISSIONSHIP = {
  allowed: 'has_permission',
  denied: 'no_permission',
  conditional: 'conditional_permission',
} as const;

/**
 * The bulk answers of plain allowed / denied results (no missing context), shared and frozen: most
 * items of a bulk call are one of the two, and an object pair per item was pure garbage.
 */
const HAS: CheckAnswer = Object.freeze({ permissionship: 'has_permission' });
const NO: CheckAnswer = Object.freeze({ permissionship: 'no_permission' });
const ALLOWED: BulkCheckAnswer = Object.freeze({ ok: true, answer: HAS });
const DENIED: BulkCheckAnswer = Object.freeze({ ok: true, answer: NO });

/**
 * Engine result → service answer. Plain allowed / denied answers without explain are shared frozen
 * objects (callers only read answers).
 */
export function toAnswer(r: CheckResult, explain = false): CheckAnswer {
  if (!explain && (r.missingParams === undefined || r.missingParams.length === 0)) {
    if (r.permissionship === 'allowed') return HAS;
    if (r.permissionship === 'denied') return NO;
  }
  const answer: {
    permissionship: CheckAnswer['permissionship'];
    missingContext?: readonly string[];
    explanation?: CheckAnswer['explanation'];
  } = { permissionship: PERMISSIONSHIP[r.permissionship] };
  if (r.missingParams && r.missingParams.length > 0) answer.missingContext = r.missingParams;
  if (explain)
    answer.explanation = r.proof
      ? { proof: r.proof, text: formatProof(r.proof) }
      : { proof: null, text: 'no grant was found' };
  return answer;
}

export function createPermissionUseCases(
  deps: ServiceDeps,
): Pick<
  Clove,
  'check' | 'bulkCheck' | 'expand' | 'lookupResources' | 'lookupSubjects' | 'permissionsOf'
> {
  const { engine, reads, metrics, decisionLog: log } = deps;
  // Constant label objects: the metrics registry resolves each series once (see metrics.ts).
  const OUTCOME = {
    has_permission: { outcome: 'has_permission' },
    no_permission: { outcome: 'no_permission' },
    conditional_permission: { outcome: 'conditional_permission' },
    error: { outcome: 'error' },
  } as const;
  const count = (outcome: keyof typeof OUTCOME, by = 1) =>
    metrics?.checkOutcomes.inc(OUTCOME[outcome], by);

  return {
    async check(req, opts = {}) {
      const rc = await reads.at(opts);
      // Decision log: sampled decisions are recorded after answering (see decision-log.ts).
      const logged = log !== undefined && log.sample() === true;
      const explain = opts.explain === true || (logged && log?.proofs === 'inline');
      try {
        const result = await engine.check(rc.ctx, explain ? { ...req, explain } : req);
        const answer = toAnswer(result, opts.explain === true);
        count(answer.permissionship);
        if (logged)
          log?.recordCheck(
            { caller: opts.caller, request: req, zookie: rc.zookie, result },
            { engine, ctx: rc.ctx },
          );
        return { zookie: rc.zookie, answer };
      } catch (err) {
        count('error');
        if (logged)
          log?.recordCheck({ caller: opts.caller, request: req, zookie: rc.zookie, error: err });
        throw err;
      }
    },

    async bulkCheck(items, opts = {}) {
      const rc = await reads.at(opts);
      const results = await engine.bulkCheck(rc.ctx, items);
      // Outcomes are tallied and counted once per kind, not once per item.
      let allowed = 0;
      let denied = 0;
      let conditional = 0;
      let failed = 0;
      const answers = results.map((r, i) => {
        if (log?.sample()) {
          const base = { caller: opts.caller, request: items[i] as CheckInput, zookie: rc.zookie };
          if (r.ok)
            log.recordCheck({ ...base, result: r.result, bulkIndex: i }, { engine, ctx: rc.ctx });
          else log.recordCheck({ ...base, error: r.error, bulkIndex: i });
        }
        if (r.ok) {
          const result = r.result;
          const plain = result.missingParams === undefined || result.missingParams.length === 0;
          if (plain && result.permissionship === 'allowed') {
            allowed++;
            return ALLOWED;
          }
          if (plain && result.permissionship === 'denied') {
            denied++;
            return DENIED;
          }
          const answer = toAnswer(result);
          if (answer.permissionship === 'has_permission') allowed++;
          else if (answer.permissionship === 'no_permission') denied++;
          else conditional++;
          return { ok: true as const, answer };
        }
        failed++;
        return {
          ok: false as const,
          error: { code: r.error.code, message: r.error.message, details: r.error.details ?? {} },
        };
      });
      if (allowed > 0) count('has_permission', allowed);
      if (denied > 0) count('no_permission', denied);
      if (conditional > 0) count('conditional_permission', conditional);
      if (failed > 0) count('error', failed);
      return { zookie: rc.zookie, answers };
    },

    async expand(resource, permission, opts = {}) {
      const rc = await reads.at(opts);
      const tree = await engine.expand(rc.ctx, { resource, permission });
      return { zookie: rc.zookie, tree };
    },

    async lookupResources(req, opts = {}) {
      const start = req.cursor ? decodeLookupCursor(req.cursor) : undefined;
      const rc = await reads.at(
        start
          ? {
              ...opts,
              consistency: {
                mode: 'at_exact_snapshot',
                zookie: deps.zookies.encode(start.revision),
              },
            }
          : opts,
      );
      const { cursor: _ignored, ...rest } = req;
      const stream = streamLookupResources(engine, rc.ctx, {
        ...rest,
        ...(start ? { cursor: start.inner } : {}),
      });
      const revision = rc.revision;
      async function* results(): AsyncGenerator<ResourceFound> {
        // Hold one result back so the last one can carry the resume cursor from the summary.
        let held: ResourceFound | undefined;
        for (;;) {
          const step = await stream.next();
          if (step.done) {
            const summary = step.value;
            const cursor = summary.cursor
              ? encodeLookupCursor(revision, summary.cursor)
              : undefined;
            if (summary.truncated?.reason === 'deadline') {
              if (held) yield held;
              throw new AppError('deadline_exceeded', 'lookup ran past its deadline', {
                details: cursor ? { cursor } : {},
              });
            }
            if (held) yield cursor ? { ...held, cursor } : held;
            return;
          }
          if (held) yield held;
          const r = step.value;
          held = {
            resourceId: r.resourceId,
            permissionship:
              r.permissionship === 'allowed' ? 'has_permission' : 'conditional_permission',
            ...(r.missingParams && r.missingParams.length > 0
              ? { missingContext: r.missingParams }
              : {}),
          };
        }
      }
      if (!log?.sample()) return { zookie: rc.zookie, results: results() };
      const summary = {
        kind: 'lookup_resources' as const,
        caller: opts.caller,
        resource: req.resourceType,
        permission: req.permission,
        subject: formatSubject(req.subject),
        zookie: rc.zookie,
      };
      return { zookie: rc.zookie, results: logLookupStream(log, results(), summary) };
    },

    async lookupSubjects(req, opts = {}) {
      const rc = await reads.at(opts);
      const out = await lookupSubjects(engine, rc.ctx, req);
      if (out.truncated?.reason === 'deadline')
        throw new AppError('deadline_exceeded', 'lookup ran past its deadline');
      if (log?.sample())
        log.recordLookup({
          kind: 'lookup_subjects',
          caller: opts.caller,
          resource: formatObject(req.resource),
          permission: req.permission,
          subject: req.subjectRelation
            ? `${req.subjectType}#${req.subjectRelation}`
            : req.subjectType,
          zookie: rc.zookie,
          found: out.subjects.length,
        });
      const lp = (p: 'allowed' | 'conditional') =>
        p === 'allowed' ? ('has_permission' as const) : ('conditional_permission' as const);
      return {
        zookie: rc.zookie,
        // A list cut by `limit` says so (a deadline threw above): callers must not take it as whole.
        ...(out.truncated ? { truncated: { reason: 'limit' as const } } : {}),
        subjects: out.subjects.map((s) => ({
          subjectId: s.subjectId,
          permissionship: lp(s.permissionship),
          ...(s.missingParams && s.missingParams.length > 0
            ? { missingContext: s.missingParams }
            : {}),
          ...(s.excludedSubjects && s.excludedSubjects.length > 0
            ? {
                excluded: s.excludedSubjects.map((e) => ({
                  subjectId: e.subjectId,
                  permissionship: lp(e.permissionship),
                })),
              }
            : {}),
        })),
      };
    },

    async permissionsOf(req, opts = {}) {
      const rc = await reads.at(opts);
      const all = await permissionsOf(engine, rc.ctx, req);
      const def = rc.schema.ir.definitions[req.resource.type];
      const permissions: PermissionOf[] = [];
      for (const [name, result] of Object.entries(all)) {
        if (result.permissionship === 'denied') continue;
        permissions.push({
          name,
          kind: def && name in def.permissions ? 'permission' : 'relation',
          permissionship: PERMISSIONSHIP[result.permissionship] as PermissionOf['permissionship'],
          ...(result.missingParams && result.missingParams.length > 0
            ? { missingContext: result.missingParams }
            : {}),
        });
      }
      permissions.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return { zookie: rc.zookie, permissions };
    },
  };
}

/** Lookup cursors pin the revision, so every page of one lookup answers from the same snapshot. */
function encodeLookupCursor(revision: Revision, inner: string): string {
  return Buffer.from(JSON.stringify({ v: 1, r: revision, c: inner })).toString('base64url');
}

function decodeLookupCursor(token: string): { revision: Revision; inner: string } {
  try {
    const raw = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      v: number;
      r: number;
      c: string;
    };
    if (raw.v === 1 && Number.isSafeInteger(raw.r) && typeof raw.c === 'string')
      return { revision: raw.r, inner: raw.c };
  } catch {
    // fall through
  }
  throw new ConsistencyError('invalid_cursor', 'the cursor is not one Clove issued for a lookup');
}
