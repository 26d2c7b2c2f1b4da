/**
 * Caveat evaluation with partial (missing-context) results. The merged context is the request
 * context overlaid by the tuple's stored context (stored values win key by key, as in SpiceDB).
 * A parameter absent from both is unbound: @bufbuild/cel reports it as an "unresolved attribute"
 * error that `&&`/`||` absorb when the other side decides, so `a == 1 && b < 3` with `a = 2` is
 * false while with `a = 1` it is conditional on `b`.
 */
import {
  type CelInput,
  celEnv,
  celMethod,
  CelScalar,
  isCelError,
  parse,
  plan,
} from '@bufbuild/cel';
import { LRUCache } from 'lru-cache';
import { EngineError } from '../../errors.ts';
import type { SchemaIR } from '../../schema/ir.ts';
import { IP_TARGET, toCel } from './convert.ts';
import { ipInCidr } from './ip.ts';
import { collectIdents, residualParams } from './residual.ts';

/** The outcome of one caveat: decided, or conditional on the listed (sorted) missing parameters. */
export interface CaveatOutcome {
  readonly result: 'true' | 'false' | 'conditional';
  readonly missingParams: string[];
}

interface CompiledCaveat {
  readonly run: (bindings: Record<string, CelInput>) => unknown;
  /** The parsed AST, walked to find the residual parameters of a conditional result. */
  readonly ast: Parameters<typeof residualParams>[1];
  /** Declared parameters the expression actually mentions, in declaration order. */
  readonly referenced: readonly string[];
  readonly params: Readonly<Record<string, string>>;
}

const ENV = celEnv({
  funcs: [
    celMethod('in_cidr', IP_TARGET, [CelScalar.STRING], CelScalar.BOOL, function (cidr) {
      return ipInCidr(this as string, cidr);
    }),
  ],
});

// Why a cache: parsing and planning CEL costs tens of microseconds; a check may evaluate the same
// caveat thousands of times. Keys carry the schema hash, so a new schema never sees stale programs.
const COMPILED = new LRUCache<string, CompiledCaveat>({ max: 2_000 });

function compile(schema: SchemaIR, name: string): CompiledCaveat {
  const key = `${schema.hash}\u0000${name}`;
  const hit = COMPILED.get(key);
  if (hit) return hit;
  const ir = schema.caveats[name];
  if (!ir) throw new EngineError('unknown_caveat', `caveat "${name}" is not defined in the schema`);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(ir.expression);
  } catch (cause) {
    throw new EngineError('caveat_evaluation_error', `caveat "${name}" does not parse`, { cause });
  }
  const idents = new Set<string>();
  collectIdents(parsed.expr, idents);
  const compiled: CompiledCaveat = {
    run: plan(ENV, parsed) as (b: Record<string, CelInput>) => unknown,
    ast: parsed.expr as unknown as Parameters<typeof residualParams>[1],
    referenced: Object.keys(ir.params).filter((p) => idents.has(p)),
    params: ir.params,
  };
  COMPILED.set(key, compiled);
  return compiled;
}

/**
 * Evaluates caveat `caveatName` of `schema` over `requestContext` overlaid by `storedContext`.
 * Returns true/false, or conditional with the missing parameters its residual expression still needs.
 * Throws `unknown_caveat`, `invalid_caveat_context` (a value of the wrong type) or
 * `caveat_evaluation_error` (a CEL runtime error not caused by missing context, or a non-bool).
 */
export function evaluateCaveat(
  schema: SchemaIR,
  caveatName: string,
  storedContext: Readonly<Record<string, unknown>> | undefined,
  requestContext: Readonly<Record<string, unknown>> | undefined,
): CaveatOutcome {
  const c = compile(schema, caveatName);
  const bindings: Record<string, CelInput> = {};
  const missing: string[] = [];
  for (const p of c.referenced) {
    const type = c.params[p] as string;
    const value =
      storedContext && Object.hasOwn(storedContext, p)
        ? storedContext[p]
        : requestContext && Object.hasOwn(requestContext, p)
          ? requestContext[p]
          : undefined;
    if (value === undefined) missing.push(p);
    else bindings[p] = toCel(p, type, value) as CelInput;
  }
  const out = c.run(bindings);
  if (out === true) return { result: 'true', missingParams: [] };
  if (out === false) return { result: 'false', missingParams: [] };
  if (isCelError(out) && missing.length > 0) {
    // One missing parameter is necessarily the one needed; with several, report only those the
    // residual expression still mentions, as SpiceDB does.
    const needed = missing.length === 1 ? missing : residualParams(ENV, c.ast, missing, bindings);
    return { result: 'conditional', missingParams: needed };
  }
  const why = isCelError(out) ? out.message : `a ${typeof out} instead of a bool`;
  throw new EngineError('caveat_evaluation_error', `caveat "${caveatName}" failed: ${why}`, {
    details: { caveat: caveatName },
  });
}
