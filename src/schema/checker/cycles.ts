/**
 * Rule: permissions need a base case (docs/schema-language.md § Cycles). Within one definition a
 * permission is *grounded* when its expression can be satisfied without re-entering itself:
 * relations, `nil`, `self` and arrows are grounded (arrows walk data, so `view = viewer +
 * parent->view` is fine); a union needs one grounded operand, an intersection needs all, an
 * exclusion needs its base. Permissions that stay ungrounded after the fixpoint and lie on a
 * reference cycle (`p = p`, `p = q` + `q = p`, `p = viewer & p`) are reported as permission_cycle;
 * permissions that merely depend on such a cycle are not reported again.
 */
import type { DefinitionDecl, Expr, PermissionDecl } from '../ast.ts';
import { type CheckContext, diag } from './context.ts';

/** Reports permission_cycle at the name of each permission on an ungrounded cycle. */
export function checkCycles(ctx: CheckContext): void {
  for (const def of ctx.definitions.values()) checkDefinition(ctx, def);
}

function checkDefinition(ctx: CheckContext, def: DefinitionDecl): void {
  const table = ctx.members.get(def.name.text);
  const perms = def.members.filter(
    (m): m is PermissionDecl => m.kind === 'permission' && table?.get(m.name.text) === m,
  );
  if (perms.length === 0) return;
  const byName = new Map(perms.map((p) => [p.name.text, p]));
  const grounded = new Set<string>();
  // Least fixpoint: keep marking permissions whose expression is grounded given the current set.
  for (let changed = true; changed; ) {
    changed = false;
    for (const p of perms) {
      if (grounded.has(p.name.text)) continue;
      if (isGrounded(p.expr, byName, grounded)) {
        grounded.add(p.name.text);
        changed = true;
      }
    }
  }
  for (const p of perms) {
    if (grounded.has(p.name.text)) continue;
    const path = findCycle(p.name.text, byName, grounded);
    if (!path) continue;
    ctx.report(
      diag(
        'permission_cycle',
        `permission \`${p.name.text}\` in \`${def.name.text}\` references itself with no base case: ${path.join(' → ')}`,
        p.name.span,
        'add a relation, `nil` or an arrow to the expression so it can be satisfied without recursion',
      ),
    );
  }
}

function isGrounded(e: Expr, perms: Map<string, PermissionDecl>, grounded: Set<string>): boolean {
  switch (e.kind) {
    case 'nil':
    case 'self':
    case 'arrow':
      return true;
    case 'ref':
      // Relations (and unknown names, reported elsewhere) are base cases.
      return !perms.has(e.name) || grounded.has(e.name);
    case 'union':
      return isGrounded(e.left, perms, grounded) || isGrounded(e.right, perms, grounded);
    case 'intersection':
      return isGrounded(e.left, perms, grounded) && isGrounded(e.right, perms, grounded);
    case 'exclusion':
      return isGrounded(e.left, perms, grounded);
  }
}

/** Direct references to ungrounded permissions (the edges that can close a cycle). */
function ungroundedRefs(
  e: Expr,
  perms: Map<string, PermissionDecl>,
  grounded: Set<string>,
  out: string[],
): void {
  switch (e.kind) {
    case 'ref':
      if (perms.has(e.name) && !grounded.has(e.name)) out.push(e.name);
      return;
    case 'union':
    case 'intersection':
      ungroundedRefs(e.left, perms, grounded, out);
      ungroundedRefs(e.right, perms, grounded, out);
      return;
    case 'exclusion':
      ungroundedRefs(e.left, perms, grounded, out);
      return;
    default:
      return;
  }
}

/** Breadth-first search for the shortest path from `start` back to itself; undefined if none. */
function findCycle(
  start: string,
  perms: Map<string, PermissionDecl>,
  grounded: Set<string>,
): string[] | undefined {
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const cur = queue.shift() as string;
    const next: string[] = [];
    ungroundedRefs((perms.get(cur) as PermissionDecl).expr, perms, grounded, next);
    for (const n of next) {
      if (n === start) {
        const path = [start];
        for (
          let at: string | undefined = cur;
          at !== undefined && at !== start;
          at = parent.get(at)
        )
          path.splice(1, 0, at);
        path.push(start);
        return path;
      }
      if (!parent.has(n)) {
        parent.set(n, cur);
        queue.push(n);
      }
    }
  }
  return undefined;
}
