/**
 * Joining in-flight nodes without deadlock. Operands of one check run concurrently, so two branches
 * often reach the same node (`edit` inside `view` and inside `parent->view`); the second should wait
 * for the first instead of recomputing. Waiting is unsafe when the flight being joined is itself
 * (transitively) waiting on a node of the joiner's lineage (a data cycle across two branches):
 * neither could finish. So a join first walks the wait-for graph from the flight; if it reaches the
 * joiner's lineage, the joiner computes the node itself (its lineage then cuts the cycle).
 */
import type { Flight, Lineage, Outcome } from './run.ts';
import { onLineage } from './run.ts';

/** The flights on a lineage (the joiner's ancestors being computed). */
function lineageFlights(lineage: Lineage | undefined): Set<Flight> {
  const out = new Set<Flight>();
  for (let l = lineage; l; l = l.parent) if (l.flight) out.add(l.flight);
  return out;
}

/** True when `from` waits, directly or transitively, on one of `targets` (done flights wait on nothing). */
function reaches(from: Flight, targets: ReadonlySet<Flight>): boolean {
  if (targets.size === 0) return false;
  const seen = new Set<Flight>();
  const stack = [from];
  while (stack.length > 0) {
    const f = stack.pop() as Flight;
    if (f.done || seen.has(f)) continue;
    if (targets.has(f)) return true;
    seen.add(f);
    for (const w of f.waitsOn) if (!w.done) stack.push(w);
  }
  return false;
}

/** True when joining `flight` from `lineage` cannot deadlock. */
export function canJoin(flight: Flight, lineage: Lineage | undefined): boolean {
  return !reaches(flight, lineageFlights(lineage));
}

/**
 * Whether a joined result holds for the joiner: a result cut off at nodes that are not on the
 * joiner's lineage missed paths the joiner must explore, so it has to be recomputed.
 */
export function usableFor(o: Outcome, lineage: Lineage | undefined): boolean {
  // An unstable result depends on where its cycle was entered: the joiner computes its own.
  if (o.unstable) return false;
  if (!o.cutoffs) return true;
  for (const k of o.cutoffs) if (!onLineage(lineage, k)) return false;
  return true;
}
