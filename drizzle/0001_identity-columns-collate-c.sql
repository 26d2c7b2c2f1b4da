-- Custom migration (drizzle-kit cannot express column collations): identity columns compare
-- bytewise (COLLATE "C"). Ids are ASCII, so this is the same order as the memory store's, it keeps
-- read pagination order identical across backends and locales, and btree comparisons skip the
-- locale's collation rules, which are much slower in locales such as en_US.UTF-8. Indexes on these
-- columns are rebuilt by ALTER COLUMN TYPE.
ALTER TABLE "clove_tuples"
  ALTER COLUMN "resource_type" TYPE text COLLATE "C",
  ALTER COLUMN "resource_id" TYPE text COLLATE "C",
  ALTER COLUMN "relation" TYPE text COLLATE "C",
  ALTER COLUMN "subject_type" TYPE text COLLATE "C",
  ALTER COLUMN "subject_id" TYPE text COLLATE "C",
  ALTER COLUMN "subject_relation" TYPE text COLLATE "C";
