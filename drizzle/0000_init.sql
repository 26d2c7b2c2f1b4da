CREATE TABLE "clove_revisions" (
	"revision" bigint PRIMARY KEY NOT NULL,
	"committed_at" bigint NOT NULL,
	"metadata" text
);
--> statement-breakpoint
CREATE TABLE "clove_schemas" (
	"revision" bigint PRIMARY KEY NOT NULL,
	"text" text NOT NULL,
	"ir" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "clove_store_meta" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "clove_tuples" (
	"resource_type" text NOT NULL,
	"resource_id" text NOT NULL,
	"relation" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" text NOT NULL,
	"subject_relation" text NOT NULL,
	"caveat_name" text,
	"caveat_context" text,
	"expires_at" bigint,
	"created_rev" bigint NOT NULL,
	"deleted_rev" bigint
);
--> statement-breakpoint
CREATE INDEX "clove_revisions_committed_at_idx" ON "clove_revisions" USING btree ("committed_at");--> statement-breakpoint
CREATE INDEX "clove_tuples_resource_idx" ON "clove_tuples" USING btree ("resource_type","relation","resource_id","subject_type","subject_id","subject_relation");--> statement-breakpoint
CREATE INDEX "clove_tuples_subject_idx" ON "clove_tuples" USING btree ("resource_type","relation","subject_type","subject_id","subject_relation");--> statement-breakpoint
CREATE UNIQUE INDEX "clove_tuples_live_key" ON "clove_tuples" USING btree ("resource_type","relation","resource_id","subject_type","subject_id","subject_relation") WHERE deleted_rev IS NULL;--> statement-breakpoint
CREATE INDEX "clove_tuples_created_rev_idx" ON "clove_tuples" USING btree ("created_rev");--> statement-breakpoint
CREATE INDEX "clove_tuples_deleted_rev_idx" ON "clove_tuples" USING btree ("deleted_rev") WHERE deleted_rev IS NOT NULL;--> statement-breakpoint
CREATE INDEX "clove_tuples_expires_at_idx" ON "clove_tuples" USING btree ("expires_at") WHERE expires_at IS NOT NULL;