CREATE TABLE "achievement_definitions" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"metric" text NOT NULL,
	"threshold" integer NOT NULL,
	"perk_type" text NOT NULL,
	"perk_value" integer NOT NULL,
	"sort_order" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "achievement_definitions_id_format" CHECK ("achievement_definitions"."id" ~ '^[a-z][a-z0-9_]{0,63}$'),
	CONSTRAINT "achievement_definitions_name_length" CHECK (char_length("achievement_definitions"."name") between 1 and 100),
	CONSTRAINT "achievement_definitions_description_length" CHECK (char_length("achievement_definitions"."description") between 1 and 500),
	CONSTRAINT "achievement_definitions_metric_values" CHECK ("achievement_definitions"."metric" in ('tasks_completed', 'streak', 'focus_completed', 'notes_converted')),
	CONSTRAINT "achievement_definitions_threshold_positive" CHECK ("achievement_definitions"."threshold" > 0),
	CONSTRAINT "achievement_definitions_perk_type_values" CHECK ("achievement_definitions"."perk_type" in ('max_tasks', 'max_subtasks', 'max_notes', 'daily_ai_credits')),
	CONSTRAINT "achievement_definitions_perk_value_positive" CHECK ("achievement_definitions"."perk_value" > 0)
);
--> statement-breakpoint
CREATE TABLE "user_achievement_states" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"lifetime_tasks_completed" integer DEFAULT 0 NOT NULL,
	"current_streak" integer DEFAULT 0 NOT NULL,
	"longest_streak" integer DEFAULT 0 NOT NULL,
	"last_completion_date" date,
	"focus_completions" integer DEFAULT 0 NOT NULL,
	"notes_converted" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_achievement_states_lifetime_non_negative" CHECK ("user_achievement_states"."lifetime_tasks_completed" >= 0),
	CONSTRAINT "user_achievement_states_current_streak_non_negative" CHECK ("user_achievement_states"."current_streak" >= 0),
	CONSTRAINT "user_achievement_states_longest_streak" CHECK ("user_achievement_states"."longest_streak" >= "user_achievement_states"."current_streak"),
	CONSTRAINT "user_achievement_states_focus_non_negative" CHECK ("user_achievement_states"."focus_completions" >= 0),
	CONSTRAINT "user_achievement_states_notes_non_negative" CHECK ("user_achievement_states"."notes_converted" >= 0)
);
--> statement-breakpoint
CREATE TABLE "user_achievements" (
	"user_id" uuid NOT NULL,
	"achievement_id" text NOT NULL,
	"unlocked_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_achievements_pk" PRIMARY KEY("user_id","achievement_id")
);
--> statement-breakpoint
CREATE TABLE "focus_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"task_id" uuid,
	"planned_minutes" integer DEFAULT 25 NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone,
	"elapsed_seconds" integer,
	"completed" boolean DEFAULT false NOT NULL,
	CONSTRAINT "focus_sessions_planned_minutes_range" CHECK ("focus_sessions"."planned_minutes" between 5 and 180),
	CONSTRAINT "focus_sessions_elapsed_non_negative" CHECK ("focus_sessions"."elapsed_seconds" >= 0),
	CONSTRAINT "focus_sessions_ended_has_elapsed" CHECK ((("focus_sessions"."ended_at" is null) = ("focus_sessions"."elapsed_seconds" is null))),
	CONSTRAINT "focus_sessions_completed_has_ended" CHECK (not "focus_sessions"."completed" or "focus_sessions"."ended_at" is not null)
);
--> statement-breakpoint
ALTER TABLE "user_achievement_states" ADD CONSTRAINT "user_achievement_states_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_achievements" ADD CONSTRAINT "user_achievements_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_achievements" ADD CONSTRAINT "user_achievements_achievement_id_achievement_definitions_id_fk" FOREIGN KEY ("achievement_id") REFERENCES "public"."achievement_definitions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "focus_sessions" ADD CONSTRAINT "focus_sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "focus_sessions" ADD CONSTRAINT "focus_sessions_task_fk" FOREIGN KEY ("task_id") REFERENCES "public"."task_instances"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "focus_sessions_one_running_per_user" ON "focus_sessions" USING btree ("user_id") WHERE "focus_sessions"."ended_at" is null;--> statement-breakpoint
-- Hand-written: the achievement catalogue (docs/achievements-and-streaks.md). Chosen perks, and why:
--   tasks_5            Task Starter         complete 5 tasks            max_tasks +15   (SPEC's own example)
--   tasks_25           Getting Things Done  complete 25 tasks           max_tasks +25
--   tasks_100          Centurion            complete 100 tasks          max_tasks +50   (free: 50 → 140 active)
--   streak_3           On a Roll            3-day streak                max_notes +10
--   streak_7           Week Warrior         7-day streak                daily_ai_credits +2
--   streak_30          Unstoppable          30-day streak               daily_ai_credits +5
--   focus_10           Deep Focus           10 completed focus sessions max_subtasks +2  (free: 4 → 6 per task)
--   notes_converted_5  Idea Machine         5 notes converted by AI     max_notes +20
-- Task-count perks reward the users who hit the free task cap; streak perks reward habit with AI credits;
-- each perk type is reachable. ON CONFLICT DO NOTHING keeps edits made in production to the catalogue.
INSERT INTO "achievement_definitions"
  ("id", "name", "description", "metric", "threshold", "perk_type", "perk_value", "sort_order")
VALUES
  ('tasks_5', 'Task Starter', 'Complete 5 tasks.', 'tasks_completed', 5, 'max_tasks', 15, 10),
  ('tasks_25', 'Getting Things Done', 'Complete 25 tasks.', 'tasks_completed', 25, 'max_tasks', 25, 20),
  ('tasks_100', 'Centurion', 'Complete 100 tasks.', 'tasks_completed', 100, 'max_tasks', 50, 30),
  ('streak_3', 'On a Roll', 'Complete at least one task on 3 consecutive days.', 'streak', 3, 'max_notes', 10, 40),
  ('streak_7', 'Week Warrior', 'Complete at least one task on 7 consecutive days.', 'streak', 7, 'daily_ai_credits', 2, 50),
  ('streak_30', 'Unstoppable', 'Complete at least one task on 30 consecutive days.', 'streak', 30, 'daily_ai_credits', 5, 60),
  ('focus_10', 'Deep Focus', 'Complete 10 focus sessions.', 'focus_completed', 10, 'max_subtasks', 2, 70),
  ('notes_converted_5', 'Idea Machine', 'Turn 5 notes into tasks with the AI assistant.', 'notes_converted', 5, 'max_notes', 20, 80)
ON CONFLICT ("id") DO NOTHING;
