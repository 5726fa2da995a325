CREATE TABLE "subtasks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"task_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"title" text NOT NULL,
	"completed" boolean DEFAULT false NOT NULL,
	"completed_at" timestamp with time zone,
	"position" integer NOT NULL,
	"source" text DEFAULT 'user' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "subtasks_title_length" CHECK (char_length("subtasks"."title") between 1 and 200),
	CONSTRAINT "subtasks_completion_consistent" CHECK ((("subtasks"."completed") = ("subtasks"."completed_at" is not null))),
	CONSTRAINT "subtasks_position_non_negative" CHECK ("subtasks"."position" >= 0),
	CONSTRAINT "subtasks_source_values" CHECK ("subtasks"."source" in ('user', 'ai')),
	CONSTRAINT "subtasks_version_positive" CHECK ("subtasks"."version" >= 1)
);
--> statement-breakpoint
CREATE TABLE "task_instances" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"priority" text DEFAULT 'medium' NOT NULL,
	"priority_rank" smallint GENERATED ALWAYS AS (case priority when 'high' then 3 when 'medium' then 2 else 1 end) STORED NOT NULL,
	"due_date" timestamp with time zone,
	"estimated_duration" integer,
	"focus_time_seconds" integer DEFAULT 0 NOT NULL,
	"completed" boolean DEFAULT false NOT NULL,
	"completed_at" timestamp with time zone,
	"completed_by" text,
	"hidden" boolean DEFAULT false NOT NULL,
	"archived" boolean DEFAULT false NOT NULL,
	"template_id" uuid,
	"occurrence_at" timestamp with time zone,
	"subtask_count" integer DEFAULT 0 NOT NULL,
	"subtasks_completed" integer DEFAULT 0 NOT NULL,
	"search" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'B')) STORED NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "task_instances_template_occurrence_unique" UNIQUE("template_id","occurrence_at"),
	CONSTRAINT "task_instances_id_user_unique" UNIQUE("id","user_id"),
	CONSTRAINT "task_instances_title_length" CHECK (char_length("task_instances"."title") between 1 and 200),
	CONSTRAINT "task_instances_description_length" CHECK (char_length("task_instances"."description") between 0 and 2000),
	CONSTRAINT "task_instances_priority_values" CHECK ("task_instances"."priority" in ('low', 'medium', 'high')),
	CONSTRAINT "task_instances_estimated_duration_range" CHECK ("task_instances"."estimated_duration" between 1 and 720),
	CONSTRAINT "task_instances_focus_time_non_negative" CHECK ("task_instances"."focus_time_seconds" >= 0),
	CONSTRAINT "task_instances_completed_by_values" CHECK ("task_instances"."completed_by" in ('manual', 'auto', 'force')),
	CONSTRAINT "task_instances_completion_consistent" CHECK ((("task_instances"."completed") = ("task_instances"."completed_at" is not null)) and (("task_instances"."completed") = ("task_instances"."completed_by" is not null))),
	CONSTRAINT "task_instances_occurrence_with_template" CHECK ("task_instances"."template_id" is null or "task_instances"."occurrence_at" is not null),
	CONSTRAINT "task_instances_subtask_counters" CHECK ("task_instances"."subtasks_completed" >= 0 and "task_instances"."subtasks_completed" <= "task_instances"."subtask_count"),
	CONSTRAINT "task_instances_version_positive" CHECK ("task_instances"."version" >= 1)
);
--> statement-breakpoint
CREATE TABLE "task_templates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"priority" text DEFAULT 'medium' NOT NULL,
	"estimated_duration" integer,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"rrule" text NOT NULL,
	"timezone" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"until" timestamp with time zone,
	"count" integer,
	"active" boolean DEFAULT true NOT NULL,
	"next_occurrence_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "task_templates_title_length" CHECK (char_length("task_templates"."title") between 1 and 200),
	CONSTRAINT "task_templates_description_length" CHECK (char_length("task_templates"."description") between 0 and 2000),
	CONSTRAINT "task_templates_priority_values" CHECK ("task_templates"."priority" in ('low', 'medium', 'high')),
	CONSTRAINT "task_templates_estimated_duration_range" CHECK ("task_templates"."estimated_duration" between 1 and 720),
	CONSTRAINT "task_templates_tags_max" CHECK (cardinality("task_templates"."tags") <= 10),
	CONSTRAINT "task_templates_rrule_length" CHECK (char_length("task_templates"."rrule") between 1 and 500),
	CONSTRAINT "task_templates_timezone_length" CHECK (char_length("task_templates"."timezone") between 1 and 64),
	CONSTRAINT "task_templates_until_xor_count" CHECK ("task_templates"."until" is null or "task_templates"."count" is null),
	CONSTRAINT "task_templates_count_range" CHECK ("task_templates"."count" between 1 and 10000),
	CONSTRAINT "task_templates_version_positive" CHECK ("task_templates"."version" >= 1)
);
--> statement-breakpoint
CREATE TABLE "tags" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tags_user_name_unique" UNIQUE("user_id","name"),
	CONSTRAINT "tags_id_user_unique" UNIQUE("id","user_id"),
	CONSTRAINT "tags_name_length" CHECK (char_length("tags"."name") between 1 and 50),
	CONSTRAINT "tags_name_normalised" CHECK ("tags"."name" = lower(btrim("tags"."name")))
);
--> statement-breakpoint
CREATE TABLE "task_tags" (
	"task_id" uuid NOT NULL,
	"tag_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	CONSTRAINT "task_tags_pk" PRIMARY KEY("task_id","tag_id")
);
--> statement-breakpoint
ALTER TABLE "subtasks" ADD CONSTRAINT "subtasks_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subtasks" ADD CONSTRAINT "subtasks_task_owner_fk" FOREIGN KEY ("task_id","user_id") REFERENCES "public"."task_instances"("id","user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_instances" ADD CONSTRAINT "task_instances_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_instances" ADD CONSTRAINT "task_instances_template_fk" FOREIGN KEY ("template_id") REFERENCES "public"."task_templates"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_templates" ADD CONSTRAINT "task_templates_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tags" ADD CONSTRAINT "tags_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_tags" ADD CONSTRAINT "task_tags_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_tags" ADD CONSTRAINT "task_tags_task_owner_fk" FOREIGN KEY ("task_id","user_id") REFERENCES "public"."task_instances"("id","user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_tags" ADD CONSTRAINT "task_tags_tag_owner_fk" FOREIGN KEY ("tag_id","user_id") REFERENCES "public"."tags"("id","user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "task_instances_one_open_per_template" ON "task_instances" USING btree ("template_id") WHERE "task_instances"."template_id" is not null and not "task_instances"."completed" and not "task_instances"."archived";