ALTER TABLE "focus_sessions" DROP CONSTRAINT "focus_sessions_completed_has_ended";--> statement-breakpoint
ALTER TABLE "focus_sessions" ADD COLUMN "status" text DEFAULT 'running' NOT NULL;--> statement-breakpoint
-- Hand-written: ended sessions keep what `completed` said.
UPDATE "focus_sessions" SET "status" = CASE WHEN "completed" THEN 'completed' ELSE 'ended_early' END WHERE "ended_at" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "task_instances" ADD COLUMN "first_completed_at" timestamp with time zone;--> statement-breakpoint
-- Hand-written: tasks completed before this migration count as completed once (at their completion time),
-- and the lifetime counters start from them (docs/achievements-and-streaks.md).
UPDATE "task_instances" SET "first_completed_at" = "completed_at" WHERE "completed" AND "first_completed_at" IS NULL;--> statement-breakpoint
INSERT INTO "user_achievement_states" ("user_id", "lifetime_tasks_completed")
  SELECT "user_id", count(*) FROM "task_instances" WHERE "first_completed_at" IS NOT NULL GROUP BY "user_id"
  ON CONFLICT ("user_id") DO UPDATE SET "lifetime_tasks_completed" = greatest("user_achievement_states"."lifetime_tasks_completed", excluded."lifetime_tasks_completed");--> statement-breakpoint
ALTER TABLE "focus_sessions" DROP COLUMN "completed";--> statement-breakpoint
ALTER TABLE "focus_sessions" ADD CONSTRAINT "focus_sessions_status_values" CHECK ("focus_sessions"."status" in ('running', 'completed', 'ended_early', 'abandoned'));--> statement-breakpoint
ALTER TABLE "focus_sessions" ADD CONSTRAINT "focus_sessions_running_not_ended" CHECK ((("focus_sessions"."status" = 'running') = ("focus_sessions"."ended_at" is null)));--> statement-breakpoint
ALTER TABLE "task_instances" ADD CONSTRAINT "task_instances_first_completion_kept" CHECK (not "task_instances"."completed" or "task_instances"."first_completed_at" is not null);