CREATE INDEX "auth_sessions_user_idx" ON "auth_sessions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "refresh_tokens_session_idx" ON "refresh_tokens" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "refresh_tokens_user_idx" ON "refresh_tokens" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "refresh_tokens_revoked_at_idx" ON "refresh_tokens" USING btree ("revoked_at") WHERE "refresh_tokens"."revoked_at" is not null;--> statement-breakpoint
CREATE INDEX "refresh_tokens_expires_at_idx" ON "refresh_tokens" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "refresh_tokens_replaced_by_idx" ON "refresh_tokens" USING btree ("replaced_by") WHERE "refresh_tokens"."replaced_by" is not null;--> statement-breakpoint
CREATE INDEX "subtasks_task_position_idx" ON "subtasks" USING btree ("task_id","position");--> statement-breakpoint
CREATE INDEX "task_instances_user_created_idx" ON "task_instances" USING btree ("user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "task_instances_user_updated_idx" ON "task_instances" USING btree ("user_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "task_instances_user_due_idx" ON "task_instances" USING btree ("user_id","due_date","id");--> statement-breakpoint
CREATE INDEX "task_instances_user_priority_idx" ON "task_instances" USING btree ("user_id","priority_rank","created_at","id");--> statement-breakpoint
CREATE INDEX "task_instances_user_active_idx" ON "task_instances" USING btree ("user_id") WHERE not "task_instances"."completed" and not "task_instances"."archived";--> statement-breakpoint
CREATE INDEX "task_instances_search_idx" ON "task_instances" USING gin ("search");--> statement-breakpoint
CREATE INDEX "task_templates_user_created_idx" ON "task_templates" USING btree ("user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "task_templates_next_occurrence_idx" ON "task_templates" USING btree ("next_occurrence_at") WHERE "task_templates"."active" and "task_templates"."next_occurrence_at" is not null;--> statement-breakpoint
CREATE INDEX "task_tags_tag_task_idx" ON "task_tags" USING btree ("tag_id","task_id");--> statement-breakpoint
CREATE INDEX "notes_user_created_idx" ON "notes" USING btree ("user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "notes_task_created_idx" ON "notes" USING btree ("task_id","created_at","id") WHERE "notes"."task_id" is not null;--> statement-breakpoint
CREATE INDEX "notes_user_standalone_idx" ON "notes" USING btree ("user_id") WHERE "notes"."task_id" is null;--> statement-breakpoint
CREATE INDEX "notes_converted_task_idx" ON "notes" USING btree ("converted_task_id") WHERE "notes"."converted_task_id" is not null;--> statement-breakpoint
CREATE INDEX "reminders_task_remind_at_idx" ON "reminders" USING btree ("task_id","remind_at");--> statement-breakpoint
CREATE INDEX "reminders_pending_due_idx" ON "reminders" USING btree ("remind_at") WHERE "reminders"."status" = 'pending' and "reminders"."remind_at" is not null;--> statement-breakpoint
CREATE INDEX "focus_sessions_user_started_idx" ON "focus_sessions" USING btree ("user_id","started_at","id");--> statement-breakpoint
CREATE INDEX "focus_sessions_task_idx" ON "focus_sessions" USING btree ("task_id") WHERE "focus_sessions"."task_id" is not null;--> statement-breakpoint
CREATE INDEX "credit_ledger_user_created_idx" ON "credit_ledger" USING btree ("user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "credit_ledger_lot_idx" ON "credit_ledger" USING btree ("lot_id");--> statement-breakpoint
CREATE INDEX "credit_lots_user_available_idx" ON "credit_lots" USING btree ("user_id","kind","expires_at","created_at") WHERE "credit_lots"."remaining" > 0 and "credit_lots"."expired_at" is null;--> statement-breakpoint
CREATE INDEX "credit_lots_expiring_idx" ON "credit_lots" USING btree ("expires_at") WHERE "credit_lots"."expired_at" is null and "credit_lots"."expires_at" is not null;--> statement-breakpoint
CREATE INDEX "subscriptions_period_end_idx" ON "subscriptions" USING btree ("current_period_end") WHERE "subscriptions"."status" in ('active', 'past_due', 'cancelled');--> statement-breakpoint
CREATE INDEX "subscriptions_grace_end_idx" ON "subscriptions" USING btree ("grace_period_end") WHERE "subscriptions"."status" = 'grace';--> statement-breakpoint
CREATE INDEX "subscriptions_checkout_customer_idx" ON "subscriptions" USING btree ("checkout_customer_id") WHERE "subscriptions"."checkout_customer_id" is not null;--> statement-breakpoint
CREATE INDEX "webhook_events_unprocessed_idx" ON "webhook_events" USING btree ("received_at") WHERE "webhook_events"."processed_at" is null;--> statement-breakpoint
CREATE INDEX "webhook_events_user_idx" ON "webhook_events" USING btree ("user_id") WHERE "webhook_events"."user_id" is not null;--> statement-breakpoint
CREATE INDEX "ai_conversations_user_updated_idx" ON "ai_conversations" USING btree ("user_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "ai_conversations_task_idx" ON "ai_conversations" USING btree ("task_id") WHERE "ai_conversations"."task_id" is not null;--> statement-breakpoint
CREATE INDEX "ai_interactions_user_created_idx" ON "ai_interactions" USING btree ("user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "ai_interactions_created_idx" ON "ai_interactions" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "ai_messages_conversation_created_idx" ON "ai_messages" USING btree ("conversation_id","created_at","id");--> statement-breakpoint
CREATE INDEX "ai_suggestions_user_created_idx" ON "ai_suggestions" USING btree ("user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "ai_suggestions_pending_expiry_idx" ON "ai_suggestions" USING btree ("expires_at") WHERE "ai_suggestions"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "ai_suggestions_task_idx" ON "ai_suggestions" USING btree ("task_id") WHERE "ai_suggestions"."task_id" is not null;--> statement-breakpoint
CREATE INDEX "ai_suggestions_note_idx" ON "ai_suggestions" USING btree ("note_id") WHERE "ai_suggestions"."note_id" is not null;--> statement-breakpoint
CREATE INDEX "ai_suggestions_conversation_idx" ON "ai_suggestions" USING btree ("conversation_id") WHERE "ai_suggestions"."conversation_id" is not null;--> statement-breakpoint
CREATE INDEX "activity_log_user_created_idx" ON "activity_log" USING btree ("user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "activity_log_user_entity_idx" ON "activity_log" USING btree ("user_id","entity_type","entity_id","created_at","id");--> statement-breakpoint
CREATE INDEX "activity_log_created_idx" ON "activity_log" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "deletion_tombstones_user_created_idx" ON "deletion_tombstones" USING btree ("user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "deletion_tombstones_expires_idx" ON "deletion_tombstones" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "notifications_user_unread_idx" ON "notifications" USING btree ("user_id","created_at","id") WHERE "notifications"."read_at" is null;--> statement-breakpoint
CREATE INDEX "notifications_user_created_idx" ON "notifications" USING btree ("user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "push_subscriptions_user_idx" ON "push_subscriptions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "idempotency_records_created_idx" ON "idempotency_records" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "outbox_unsent_idx" ON "outbox" USING btree ("available_at") WHERE "outbox"."sent_at" is null;--> statement-breakpoint
CREATE INDEX "outbox_sent_idx" ON "outbox" USING btree ("sent_at") WHERE "outbox"."sent_at" is not null;--> statement-breakpoint
CREATE INDEX "outbox_user_idx" ON "outbox" USING btree ("user_id") WHERE "outbox"."user_id" is not null;