/**
 * The SQL tables shared by Postgres and PGlite; `drizzle/` migrations are generated from this file
 * (`npx drizzle-kit generate`). Ids are `text` (SpiceDB allows up to 1024 characters). JSON payloads
 * (caveat context, schema IR, metadata) are `text`, not jsonb: jsonb reorders keys, and tuples and
 * schemas must read back exactly as written.
 */
import { sql } from 'drizzle-orm';
import { bigint, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';

/** Key/value facts about the store itself (`store_id`). */
export const storeMeta = pgTable('clove_store_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/**
 * One row per committed transaction. Why a table and not a sequence: the row is inserted while the
 * writer holds the store's advisory lock, so revision order is commit order and `max(revision)` over
 * committed rows is a head no later commit can go below. `committed_at` (epoch ms, never decreasing)
 * decides which revisions the GC window still covers.
 */
export const revisions = pgTable(
  'clove_revisions',
  {
    revision: bigint('revision', { mode: 'number' }).primaryKey(),
    committedAt: bigint('committed_at', { mode: 'number' }).notNull(),
    metadata: text('metadata'),
  },
  (t) => [index('clove_revisions_committed_at_idx').on(t.committedAt)],
);

/**
 * Every version of every tuple (MVCC): visible at R when `created_rev <= R AND (deleted_rev IS NULL
 * OR deleted_rev > R)` and not expired (`expires_at`, epoch ms). Indexes follow the engine's query
 * shapes: forward (type, relation, id, ...; also the read-pagination order) and reverse (subject,
 * then type and relation). At most one undeleted version per tuple (`clove_tuples_live_key`). The six
 * identity columns are `COLLATE "C"` (migration 0001, which drizzle-kit cannot express): bytewise
 * order, the same as the memory store's, in every locale.
 */
export const tuples = pgTable(
  'clove_tuples',
  {
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id').notNull(),
    relation: text('relation').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    subjectRelation: text('subject_relation').notNull(),
    caveatName: text('caveat_name'),
    caveatContext: text('caveat_context'),
    expiresAt: bigint('expires_at', { mode: 'number' }),
    createdRev: bigint('created_rev', { mode: 'number' }).notNull(),
    deletedRev: bigint('deleted_rev', { mode: 'number' }),
  },
  (t) => [
    index('clove_tuples_resource_idx').on(
      t.resourceType,
      t.relation,
      t.resourceId,
      t.subjectType,
      t.subjectId,
      t.subjectRelation,
    ),
    // Subject columns lead (not resource type and relation) so that, even without statistics (a
    // fresh table, or PGlite without autovacuum), the planner can never pick this index for a
    // lookup by resource id: it only matches queries that name subject ids.
    index('clove_tuples_subject_idx').on(
      t.subjectType,
      t.subjectId,
      t.resourceType,
      t.relation,
      t.subjectRelation,
    ),
    uniqueIndex('clove_tuples_live_key')
      .on(t.resourceType, t.relation, t.resourceId, t.subjectType, t.subjectId, t.subjectRelation)
      .where(sql`deleted_rev IS NULL`),
    index('clove_tuples_created_rev_idx').on(t.createdRev),
    index('clove_tuples_deleted_rev_idx').on(t.deletedRev).where(sql`deleted_rev IS NOT NULL`),
    index('clove_tuples_expires_at_idx').on(t.expiresAt).where(sql`expires_at IS NOT NULL`),
  ],
);

/** Every schema written, keyed by the revision that wrote it. */
export const schemas = pgTable('clove_schemas', {
  revision: bigint('revision', { mode: 'number' }).primaryKey(),
  text: text('text').notNull(),
  ir: text('ir').notNull(),
  hash: text('hash').notNull(),
});
