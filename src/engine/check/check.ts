/**
 * Entry points of a check: request validation, run construction, top-level singleflight and the
 * mapping of three-valued outcomes to `CheckResult`.
 */
import { EngineError } from '../../errors.ts';
import { formatSubject, WILDCARD } from '../../model/index.ts';
import type { CheckRequest, CheckResult, EvalContext } from '../types.ts';
import { MAX_TRIED } from '../proof.ts';
import { cachePrefixOf } from './dispatcher.ts';
import {
  type Dispatch,
  type LatencyGauge,
  type Outcome,
  ReadLoader,
  type Run,
  stableStringify,
} from './run.ts';

/** Throws `wildcard_subject_not_allowed`, `unknown_definition` or `unknown_relation`. */
export function assertValidCheck(ctx: EvalContext, req: CheckRequest): void {
  if (req.subject.id === WILDCARD)
    throw new EngineError(
      'wildcard_subject_not_allowed',
      `cannot check a wildcard subject (${formatSubject(req.subject)}); check a concrete subject`,
    );
  const def = ctx.schema.definitions[req.resource.type];
  if (!def)
    throw new EngineError(
      'unknown_definition',
      `definition "${req.resource.type}" is not in the schema`,
      {
        details: { definition: req.resource.type },
      },
    );
  if (!def.relations[req.permission] && !def.permissions[req.permission])
    throw new EngineError(
      'unknown_relation',
      `"${req.permission}" is neither a relation nor a permission of "${req.resource.type}"`,
      { details: { definition: req.resource.type, relation: req.permission } },
    );
}

/** Shared pieces a run may borrow from a bulk call (one loader and memo for every item). */
export interface RunShare {
  readonly loader: ReadLoader;
  readonly memo: Map<string, Outcome>;
}

/** `subject|context|`: the run-specific prefix of memo and cache keys. */
export function keyPrefixOf(req: CheckRequest): string {
  const context = req.context && Object.keys(req.context).length > 0 ? req.context : undefined;
  return `${formatSubject(req.subject)}|${context ? stableStringify(context) : ''}|`;
}

/** Builds the per-check state. */
export function createRun(
  ctx: EvalContext,
  req: CheckRequest,
  opts: {
    share?: RunShare | undefined;
    prefetch: boolean;
    sequential: boolean;
    gauge?: LatencyGauge | undefined;
  },
): Run {
  const share = opts.share;
  const context = req.context && Object.keys(req.context).length > 0 ? req.context : undefined;
  const explain = req.explain === true;
  const keyPrefix = keyPrefixOf(req);
  return {
    reader: ctx.reader,
    schema: ctx.schema,
    subject: req.subject,
    context,
    keyPrefix,
    cachePrefix: cachePrefixOf(ctx.schema.hash, ctx.reader.revision, keyPrefix),
    explain,
    prefetch: opts.prefetch,
    sequential: opts.sequential,
    signal: ctx.signal,
    deadline: ctx.deadline,
    loader: share && !explain ? share.loader : new ReadLoader(ctx.reader, opts.gauge),
    memo: share && !explain ? share.memo : new Map(),
    flights: new Map(),
    tried: explain ? [] : undefined,
    triedCount: 0,
  };
}

// Shared, frozen: the warm path answers without allocating a result.
const ALLOWED: CheckResult = Object.freeze({ permissionship: 'allowed' });
const DENIED: CheckResult = Object.freeze({ permissionship: 'denied' });

/** The public result of a root outcome without proof (frozen and shared when not conditional). */
export function plainResult(o: Outcome): CheckResult {
  const t = o.tri;
  if (t.v === 'T') return ALLOWED;
  if (t.v === 'F') return DENIED;
  return { permissionship: 'conditional', missingParams: [...(t.missing ?? [])] };
}

/** Maps the root outcome to the public result (with proof or denial summary when explaining). */
export function toCheckResult(run: Run, o: Outcome): CheckResult {
  const t = o.tri;
  const permissionship = t.v === 'T' ? 'allowed' : t.v === 'F' ? 'denied' : 'conditional';
  const out: { -readonly [K in keyof CheckResult]: CheckResult[K] } = { permissionship };
  if (t.v === 'C') out.missingParams = [...(t.missing ?? [])];
  if (run.explain) {
    out.proof =
      t.v !== 'F' && t.proof
        ? t.proof
        : { kind: 'denied', tried: run.tried ?? [], truncated: run.triedCount > MAX_TRIED };
  }
  return out;
}

/**
 * Runs one check through `dispatch`. Identical concurrent top-level checks share one computation
 * (`inflight`). Why only top-level: a nested dispatch joining another in-flight node could wait on
 * an ancestor of its own (a data cycle across two concurrent checks) and deadlock; a top-level
 * request holds nothing, so joining is always safe.
 */
export async function runCheck(
  dispatch: Dispatch,
  run: Run,
  req: CheckRequest,
  maxDepth: number,
  inflight: Map<string, InFlight> | undefined,
): Promise<CheckResult> {
  const root = {
    resource: req.resource,
    name: req.permission,
    lineage: undefined,
    depth: maxDepth,
  };
  if (!inflight || run.explain) return toCheckResult(run, await dispatch(run, root));
  const key = `${run.cachePrefix}${req.resource.type}:${req.resource.id}#${req.permission}`;
  const now = run.reader.now;
  const joined = inflight.get(key);
  if (joined && joined.now <= now) {
    const o = await joined.promise;
    // The shared result saw the leader's clock: usable only if nothing it read has expired since.
    if (now < o.until) return toCheckResult(run, o);
  }
  const promise = dispatch(run, root);
  if (!joined) {
    inflight.set(key, { promise, now });
    const clear = (): void => {
      if (inflight.get(key)?.promise === promise) inflight.delete(key);
    };
    promise.then(clear, clear);
  }
  return toCheckResult(run, await promise);
}

/** A top-level check being computed, with the clock of the reader computing it. */
export interface InFlight {
  readonly promise: Promise<Outcome>;
  readonly now: number;
}
