CREATE TABLE "ai_conversations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"task_id" uuid,
	"title" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ai_conversations_title_length" CHECK (char_length("ai_conversations"."title") between 1 and 200)
);
--> statement-breakpoint
CREATE TABLE "ai_interactions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"session_id" uuid,
	"task_id" uuid,
	"note_id" uuid,
	"conversation_id" uuid,
	"kind" text NOT NULL,
	"input_summary" text DEFAULT '' NOT NULL,
	"output" jsonb,
	"model" text,
	"prompt_tokens" integer DEFAULT 0 NOT NULL,
	"completion_tokens" integer DEFAULT 0 NOT NULL,
	"credits" integer DEFAULT 0 NOT NULL,
	"latency_ms" integer DEFAULT 0 NOT NULL,
	"outcome" text NOT NULL,
	"error" text,
	"request_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ai_interactions_kind_values" CHECK ("ai_interactions"."kind" in ('chat', 'subtasks', 'note_convert', 'transcription')),
	CONSTRAINT "ai_interactions_outcome_values" CHECK ("ai_interactions"."outcome" in ('success', 'failure', 'timeout', 'refused')),
	CONSTRAINT "ai_interactions_input_summary_length" CHECK (char_length("ai_interactions"."input_summary") between 0 and 2000),
	CONSTRAINT "ai_interactions_prompt_tokens_non_negative" CHECK ("ai_interactions"."prompt_tokens" >= 0),
	CONSTRAINT "ai_interactions_completion_tokens_non_negative" CHECK ("ai_interactions"."completion_tokens" >= 0),
	CONSTRAINT "ai_interactions_credits_non_negative" CHECK ("ai_interactions"."credits" >= 0),
	CONSTRAINT "ai_interactions_latency_non_negative" CHECK ("ai_interactions"."latency_ms" >= 0),
	CONSTRAINT "ai_interactions_error_on_failure" CHECK ("ai_interactions"."outcome" = 'success' or "ai_interactions"."error" is not null)
);
--> statement-breakpoint
CREATE TABLE "ai_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"conversation_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"role" text NOT NULL,
	"content" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ai_messages_role_values" CHECK ("ai_messages"."role" in ('user', 'assistant')),
	CONSTRAINT "ai_messages_content_length" CHECK (char_length("ai_messages"."content") between 0 and 20000)
);
--> statement-breakpoint
CREATE TABLE "ai_suggestions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"action_type" text,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"task_id" uuid,
	"note_id" uuid,
	"conversation_id" uuid,
	"interaction_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "ai_suggestions_kind_values" CHECK ("ai_suggestions"."kind" in ('chat_action', 'subtasks', 'note_convert')),
	CONSTRAINT "ai_suggestions_status_values" CHECK ("ai_suggestions"."status" in ('pending', 'confirmed', 'rejected', 'expired')),
	CONSTRAINT "ai_suggestions_action_type_for_chat" CHECK ((("ai_suggestions"."kind" = 'chat_action') = ("ai_suggestions"."action_type" is not null))),
	CONSTRAINT "ai_suggestions_action_type_format" CHECK ("ai_suggestions"."action_type" ~ '^[a-z][a-z0-9_.]*$' and char_length("ai_suggestions"."action_type") <= 64),
	CONSTRAINT "ai_suggestions_resolved_when_not_pending" CHECK ((("ai_suggestions"."status" = 'pending') = ("ai_suggestions"."resolved_at" is null)))
);
--> statement-breakpoint
ALTER TABLE "ai_conversations" ADD CONSTRAINT "ai_conversations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ai_conversations" ADD CONSTRAINT "ai_conversations_task_id_task_instances_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."task_instances"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ai_interactions" ADD CONSTRAINT "ai_interactions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ai_messages" ADD CONSTRAINT "ai_messages_conversation_id_ai_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."ai_conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ai_messages" ADD CONSTRAINT "ai_messages_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ai_suggestions" ADD CONSTRAINT "ai_suggestions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ai_suggestions" ADD CONSTRAINT "ai_suggestions_task_id_task_instances_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."task_instances"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ai_suggestions" ADD CONSTRAINT "ai_suggestions_note_id_notes_id_fk" FOREIGN KEY ("note_id") REFERENCES "public"."notes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ai_suggestions" ADD CONSTRAINT "ai_suggestions_conversation_id_ai_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."ai_conversations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
-- Hand-written: ai_interactions is append-only (see perpetua_refuse_append_only_change in 0001_initial_schema).
CREATE TRIGGER "ai_interactions_append_only_row" BEFORE UPDATE OR DELETE ON "ai_interactions"
  FOR EACH ROW EXECUTE FUNCTION perpetua_refuse_append_only_change();
--> statement-breakpoint
CREATE TRIGGER "ai_interactions_append_only_truncate" BEFORE TRUNCATE ON "ai_interactions"
  FOR EACH STATEMENT EXECUTE FUNCTION perpetua_refuse_append_only_change();
