/**
 * Schema-change safety: which tuple usages a new schema would stop admitting, and how many live tuples
 * still use each. The store enforces this atomically in `writeSchema` (refusing with `schema_in_use`);
 * this module lets the service and CLI preview the same answer without writing (a dry run).
 */
import type { SchemaIR } from '../schema/ir.ts';
import {
  describeUsage,
  findRemovedUsages,
  matchesUsage,
  type SchemaUsage,
  type SchemaUsageCount,
  type TupleStore,
} from '../store/index.ts';

/**
 * Usages (resource type, relation, and subject type/relation/wildcard + caveat + expiration shape)
 * admitted by `before` but not by `after`. With no previous schema nothing is removed.
 */
export function diffSchemaUsages(before: SchemaIR | undefined, after: SchemaIR): SchemaUsage[] {
  return findRemovedUsages(before, after);
}

/**
 * Dry run of a schema write at head: the removed usages that live tuples still hold, with counts.
 * Empty means `writeSchema(next)` would be accepted (unless tuples are written in between).
 */
export async function previewSchemaChange(
  store: TupleStore,
  next: SchemaIR,
): Promise<SchemaUsageCount[]> {
  const head = await store.headRevision();
  const current = await store.readSchema(head);
  const snap = store.snapshot(head);
  const out: SchemaUsageCount[] = [];
  for (const u of findRemovedUsages(current?.ir, next)) {
    const tuples = await snap.query({ resourceType: u.resourceType, relation: u.relation });
    const count = tuples.filter((t) => matchesUsage(t, u)).length;
    if (count > 0) out.push({ ...u, count });
  }
  return out;
}

/** One line per usage, e.g. `document#viewer@user:*: 2 tuple(s)`. */
export function formatUsages(usages: readonly SchemaUsageCount[]): string[] {
  return usages.map((u) => `${describeUsage(u)}: ${u.count} tuple(s)`);
}
