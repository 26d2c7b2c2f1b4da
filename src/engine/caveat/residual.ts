/**
 * Which missing parameters a conditional caveat still needs. SpiceDB partially evaluates a caveat
 * and reports the parameters its residual expression mentions, so with `label != 'z' && flag ||
 * level == 1` and `flag = false` only `level` is missing: the left conjunction is already false.
 * This walks the boolean skeleton (`&&`, `||`, `!`, `?:`) with three-valued logic; any other
 * sub-expression is a leaf, unknown when it mentions a missing parameter and evaluated otherwise.
 */
import { type CelInput, type CelEnv, plan } from '@bufbuild/cel';

/** The structural part of a CEL AST node that this walk reads (see cel.expr.Expr). */
interface ExprNode {
  readonly exprKind: {
    readonly case?: string;
    readonly value?: { readonly function?: string; readonly args?: readonly ExprNode[] } & Record<
      string,
      unknown
    >;
  };
}

type Tri = boolean | ReadonlySet<string>;

// Why a WeakMap: leaves of a caveat's AST are planned once per compiled caveat, then reused.
const LEAF_PLANS = new WeakMap<object, (b: Record<string, CelInput>) => unknown>();

/** Collects every identifier a node mentions (including comprehension variables; callers filter). */
export function collectIdents(node: unknown, out: Set<string>): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) collectIdents(n, out);
    return;
  }
  const rec = node as Record<string, unknown>;
  const kind = rec.exprKind as { case?: string; value?: { name?: string } } | undefined;
  if (kind?.case === 'identExpr' && typeof kind.value?.name === 'string') out.add(kind.value.name);
  for (const [k, v] of Object.entries(rec)) if (k !== 'sourceInfo') collectIdents(v, out);
}

/**
 * The sorted missing parameters the residual of `root` mentions, given `bindings` for the known
 * ones. Falls back to all of `missing` when the skeleton decides (which the caller's full run says
 * it does not) or when no leaf names a missing parameter.
 */
export function residualParams(
  env: CelEnv,
  root: ExprNode,
  missing: readonly string[],
  bindings: Record<string, CelInput>,
): string[] {
  const absent = new Set(missing);
  const leaf = (node: ExprNode): Tri => {
    const idents = new Set<string>();
    collectIdents(node, idents);
    const needed = new Set([...idents].filter((i) => absent.has(i)));
    if (needed.size > 0) return needed;
    let run = LEAF_PLANS.get(node);
    if (!run) {
      run = plan(env, node as Parameters<typeof plan>[1]) as (
        b: Record<string, CelInput>,
      ) => unknown;
      LEAF_PLANS.set(node, run);
    }
    const out = run(bindings);
    return typeof out === 'boolean' ? out : new Set<string>();
  };
  const walk = (node: ExprNode): Tri => {
    const kind = node.exprKind;
    const args = kind.case === 'callExpr' ? (kind.value?.args ?? []) : [];
    switch (kind.case === 'callExpr' ? kind.value?.function : undefined) {
      case '_&&_':
        return and(walk(args[0] as ExprNode), walk(args[1] as ExprNode));
      case '_||_':
        return or(walk(args[0] as ExprNode), walk(args[1] as ExprNode));
      case '!_': {
        const inner = walk(args[0] as ExprNode);
        return typeof inner === 'boolean' ? !inner : inner;
      }
      case '_?_:_': {
        const cond = walk(args[0] as ExprNode);
        if (typeof cond === 'boolean') return walk(args[cond ? 1 : 2] as ExprNode);
        return union(cond, walk(args[1] as ExprNode), walk(args[2] as ExprNode));
      }
      default:
        return leaf(node);
    }
  };
  const result = walk(root);
  if (typeof result === 'boolean' || result.size === 0) return [...missing].sort();
  return [...result].sort();
}

function and(a: Tri, b: Tri): Tri {
  if (a === false || b === false) return false;
  if (a === true) return b;
  if (b === true) return a;
  return union(a, b);
}

function or(a: Tri, b: Tri): Tri {
  if (a === true || b === true) return true;
  if (a === false) return b;
  if (b === false) return a;
  return union(a, b);
}

function union(...parts: Tri[]): ReadonlySet<string> {
  const out = new Set<string>();
  for (const p of parts) if (typeof p !== 'boolean') for (const v of p) out.add(v);
  return out;
}
