CREATE TABLE "notes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"task_id" uuid,
	"content" text DEFAULT '' NOT NULL,
	"source" text DEFAULT 'text' NOT NULL,
	"audio_duration_seconds" integer,
	"transcript_status" text DEFAULT 'none' NOT NULL,
	"archived" boolean DEFAULT false NOT NULL,
	"converted_task_id" uuid,
	"converted_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notes_content_length" CHECK (char_length("notes"."content") between 0 and 10000),
	CONSTRAINT "notes_source_values" CHECK ("notes"."source" in ('text', 'voice')),
	CONSTRAINT "notes_audio_duration_non_negative" CHECK ("notes"."audio_duration_seconds" >= 0),
	CONSTRAINT "notes_transcript_status_values" CHECK ("notes"."transcript_status" in ('none', 'pending', 'done', 'failed')),
	CONSTRAINT "notes_converted_has_time" CHECK ("notes"."converted_task_id" is null or "notes"."converted_at" is not null),
	CONSTRAINT "notes_version_positive" CHECK ("notes"."version" >= 1)
);
--> statement-breakpoint
CREATE TABLE "reminders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"task_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"remind_at" timestamp with time zone,
	"offset_minutes" integer,
	"channel" text DEFAULT 'both' NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"fired_at" timestamp with time zone,
	"enqueued_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reminders_kind_values" CHECK ("reminders"."kind" in ('absolute', 'relative')),
	CONSTRAINT "reminders_channel_values" CHECK ("reminders"."channel" in ('in_app', 'push', 'both')),
	CONSTRAINT "reminders_status_values" CHECK ("reminders"."status" in ('pending', 'sent', 'cancelled', 'failed')),
	CONSTRAINT "reminders_kind_fields" CHECK (("reminders"."kind" = 'absolute' and "reminders"."remind_at" is not null and "reminders"."offset_minutes" is null)
        or ("reminders"."kind" = 'relative' and "reminders"."offset_minutes" is not null)),
	CONSTRAINT "reminders_offset_range" CHECK ("reminders"."offset_minutes" between -43200 and 1440),
	CONSTRAINT "reminders_sent_has_fired_at" CHECK ("reminders"."status" <> 'sent' or "reminders"."fired_at" is not null)
);
--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_task_owner_fk" FOREIGN KEY ("task_id","user_id") REFERENCES "public"."task_instances"("id","user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_converted_task_fk" FOREIGN KEY ("converted_task_id") REFERENCES "public"."task_instances"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminders" ADD CONSTRAINT "reminders_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminders" ADD CONSTRAINT "reminders_task_owner_fk" FOREIGN KEY ("task_id","user_id") REFERENCES "public"."task_instances"("id","user_id") ON DELETE cascade ON UPDATE no action;