CREATE TABLE "activity_log" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" uuid NOT NULL,
	"action" text NOT NULL,
	"actor" text NOT NULL,
	"changes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"request_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "activity_log_entity_type_format" CHECK ("activity_log"."entity_type" ~ '^[a-z][a-z0-9_.]*$' and char_length("activity_log"."entity_type") <= 40),
	CONSTRAINT "activity_log_action_format" CHECK ("activity_log"."action" ~ '^[a-z][a-z0-9_.]*$' and char_length("activity_log"."action") <= 40),
	CONSTRAINT "activity_log_actor_values" CHECK ("activity_log"."actor" in ('user', 'ai', 'system', 'webhook')),
	CONSTRAINT "activity_log_request_id_length" CHECK (char_length("activity_log"."request_id") between 1 and 128)
);
--> statement-breakpoint
CREATE TABLE "deletion_tombstones" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" uuid NOT NULL,
	"snapshot" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"restored_at" timestamp with time zone,
	CONSTRAINT "deletion_tombstones_entity_type_values" CHECK ("deletion_tombstones"."entity_type" in ('task', 'note')),
	CONSTRAINT "deletion_tombstones_snapshot_object" CHECK (jsonb_typeof("deletion_tombstones"."snapshot") = 'object')
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"type" text NOT NULL,
	"title" text NOT NULL,
	"body" text DEFAULT '' NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"read_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notifications_type_format" CHECK ("notifications"."type" ~ '^[a-z][a-z0-9_.]*$' and char_length("notifications"."type") <= 64),
	CONSTRAINT "notifications_title_length" CHECK (char_length("notifications"."title") between 1 and 200),
	CONSTRAINT "notifications_body_length" CHECK (char_length("notifications"."body") between 0 and 2000)
);
--> statement-breakpoint
CREATE TABLE "push_subscriptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"endpoint" text NOT NULL,
	"p256dh" text NOT NULL,
	"auth" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_success_at" timestamp with time zone,
	"failure_count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "push_subscriptions_endpoint_unique" UNIQUE("endpoint"),
	CONSTRAINT "push_subscriptions_endpoint_https" CHECK ("push_subscriptions"."endpoint" ~ '^https://' and char_length("push_subscriptions"."endpoint") <= 2048),
	CONSTRAINT "push_subscriptions_p256dh_length" CHECK (char_length("push_subscriptions"."p256dh") between 1 and 256),
	CONSTRAINT "push_subscriptions_auth_length" CHECK (char_length("push_subscriptions"."auth") between 1 and 256),
	CONSTRAINT "push_subscriptions_failure_count_non_negative" CHECK ("push_subscriptions"."failure_count" >= 0)
);
--> statement-breakpoint
CREATE TABLE "idempotency_records" (
	"user_id" uuid NOT NULL,
	"key" text NOT NULL,
	"method" text NOT NULL,
	"path" text NOT NULL,
	"request_hash" text NOT NULL,
	"status" text DEFAULT 'in_progress' NOT NULL,
	"response_status" integer,
	"response_body" text,
	"response_headers" jsonb,
	"locked_until" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "idempotency_records_pk" PRIMARY KEY("user_id","key"),
	CONSTRAINT "idempotency_records_key_printable" CHECK ("idempotency_records"."key" ~ '^[\x20-\x7e]{1,255}$'),
	CONSTRAINT "idempotency_records_method_values" CHECK ("idempotency_records"."method" in ('POST', 'PATCH', 'PUT', 'DELETE')),
	CONSTRAINT "idempotency_records_path_length" CHECK (char_length("idempotency_records"."path") between 1 and 2048),
	CONSTRAINT "idempotency_records_request_hash_hex" CHECK ("idempotency_records"."request_hash" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "idempotency_records_status_values" CHECK ("idempotency_records"."status" in ('in_progress', 'completed')),
	CONSTRAINT "idempotency_records_response_status_range" CHECK ("idempotency_records"."response_status" between 100 and 599),
	CONSTRAINT "idempotency_records_completed_has_response" CHECK ((("idempotency_records"."status" = 'completed') = ("idempotency_records"."completed_at" is not null and "idempotency_records"."response_status" is not null)))
);
--> statement-breakpoint
CREATE TABLE "job_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"job" text NOT NULL,
	"run_date" date NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"outcome" text,
	"details" jsonb,
	CONSTRAINT "job_runs_job_run_date_unique" UNIQUE("job","run_date"),
	CONSTRAINT "job_runs_job_format" CHECK ("job_runs"."job" ~ '^[a-z][a-z0-9_.]*$' and char_length("job_runs"."job") <= 64),
	CONSTRAINT "job_runs_outcome_values" CHECK ("job_runs"."outcome" in ('success', 'failure')),
	CONSTRAINT "job_runs_finished_has_outcome" CHECK ((("job_runs"."finished_at" is null) = ("job_runs"."outcome" is null)))
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid,
	"topic" text NOT NULL,
	"message" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"available_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	CONSTRAINT "outbox_topic_values" CHECK ("outbox"."topic" in ('reminders', 'recurring', 'push')),
	CONSTRAINT "outbox_message_object" CHECK (jsonb_typeof("outbox"."message") = 'object'),
	CONSTRAINT "outbox_attempts_non_negative" CHECK ("outbox"."attempts" >= 0)
);
--> statement-breakpoint
ALTER TABLE "activity_log" ADD CONSTRAINT "activity_log_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deletion_tombstones" ADD CONSTRAINT "deletion_tombstones_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "push_subscriptions" ADD CONSTRAINT "push_subscriptions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "idempotency_records" ADD CONSTRAINT "idempotency_records_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "deletion_tombstones_one_open_per_entity" ON "deletion_tombstones" USING btree ("user_id","entity_type","entity_id") WHERE "deletion_tombstones"."restored_at" is null;--> statement-breakpoint
-- Hand-written: activity_log is append-only (see perpetua_refuse_append_only_change in 0001_initial_schema).
CREATE TRIGGER "activity_log_append_only_row" BEFORE UPDATE OR DELETE ON "activity_log"
  FOR EACH ROW EXECUTE FUNCTION perpetua_refuse_append_only_change();
--> statement-breakpoint
CREATE TRIGGER "activity_log_append_only_truncate" BEFORE TRUNCATE ON "activity_log"
  FOR EACH STATEMENT EXECUTE FUNCTION perpetua_refuse_append_only_change();
