CREATE TABLE "credit_ledger" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"lot_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"amount" integer NOT NULL,
	"balance_after" integer NOT NULL,
	"reason" text NOT NULL,
	"reference" text,
	"request_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credit_ledger_kind_values" CHECK ("credit_ledger"."kind" in ('grant', 'consume', 'expire', 'refund', 'carryover')),
	CONSTRAINT "credit_ledger_amount_sign" CHECK (("credit_ledger"."kind" in ('grant', 'refund', 'carryover') and "credit_ledger"."amount" > 0)
        or ("credit_ledger"."kind" in ('consume', 'expire') and "credit_ledger"."amount" < 0)),
	CONSTRAINT "credit_ledger_balance_non_negative" CHECK ("credit_ledger"."balance_after" >= 0),
	CONSTRAINT "credit_ledger_reason_length" CHECK (char_length("credit_ledger"."reason") between 1 and 64),
	CONSTRAINT "credit_ledger_reference_length" CHECK (char_length("credit_ledger"."reference") between 1 and 255),
	CONSTRAINT "credit_ledger_request_id_length" CHECK (char_length("credit_ledger"."request_id") between 1 and 128)
);
--> statement-breakpoint
CREATE TABLE "credit_lots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"amount" integer NOT NULL,
	"remaining" integer NOT NULL,
	"expires_at" timestamp with time zone,
	"source" text NOT NULL,
	"reference" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expired_at" timestamp with time zone,
	CONSTRAINT "credit_lots_kind_values" CHECK ("credit_lots"."kind" in ('daily', 'subscription', 'purchased', 'kickstart')),
	CONSTRAINT "credit_lots_amount_positive" CHECK ("credit_lots"."amount" > 0),
	CONSTRAINT "credit_lots_remaining_range" CHECK ("credit_lots"."remaining" >= 0 and "credit_lots"."remaining" <= "credit_lots"."amount"),
	CONSTRAINT "credit_lots_source_length" CHECK (char_length("credit_lots"."source") between 1 and 64),
	CONSTRAINT "credit_lots_reference_length" CHECK (char_length("credit_lots"."reference") between 1 and 255),
	CONSTRAINT "credit_lots_expired_is_empty" CHECK ("credit_lots"."expired_at" is null or "credit_lots"."remaining" = 0)
);
--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"status" text DEFAULT 'none' NOT NULL,
	"current_period_start" timestamp with time zone,
	"current_period_end" timestamp with time zone,
	"grace_period_end" timestamp with time zone,
	"cancel_at_period_end" boolean DEFAULT false NOT NULL,
	"cancelled_at" timestamp with time zone,
	"failed_payment_count" integer DEFAULT 0 NOT NULL,
	"checkout_customer_id" text,
	"checkout_instrument_id" text,
	"checkout_session_id" text,
	"checkout_last_payment_id" text,
	"last_event_created_on" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "subscriptions_status_values" CHECK ("subscriptions"."status" in ('none', 'active', 'past_due', 'grace', 'cancelled', 'expired')),
	CONSTRAINT "subscriptions_failed_payment_count_non_negative" CHECK ("subscriptions"."failed_payment_count" >= 0),
	CONSTRAINT "subscriptions_period_order" CHECK ("subscriptions"."current_period_start" is null or "subscriptions"."current_period_end" is null or "subscriptions"."current_period_end" > "subscriptions"."current_period_start"),
	CONSTRAINT "subscriptions_grace_has_end" CHECK ("subscriptions"."status" <> 'grace' or "subscriptions"."grace_period_end" is not null)
);
--> statement-breakpoint
CREATE TABLE "webhook_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"provider" text DEFAULT 'checkout' NOT NULL,
	"event_id" text NOT NULL,
	"type" text NOT NULL,
	"created_on" timestamp with time zone NOT NULL,
	"payload" jsonb NOT NULL,
	"user_id" uuid,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	"last_error" text,
	CONSTRAINT "webhook_events_provider_event_unique" UNIQUE("provider","event_id"),
	CONSTRAINT "webhook_events_provider_format" CHECK ("webhook_events"."provider" ~ '^[a-z][a-z0-9_.]*$' and char_length("webhook_events"."provider") <= 32),
	CONSTRAINT "webhook_events_event_id_length" CHECK (char_length("webhook_events"."event_id") between 1 and 255),
	CONSTRAINT "webhook_events_type_length" CHECK (char_length("webhook_events"."type") between 1 and 100)
);
--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_lot_id_credit_lots_id_fk" FOREIGN KEY ("lot_id") REFERENCES "public"."credit_lots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_lots" ADD CONSTRAINT "credit_lots_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_events" ADD CONSTRAINT "webhook_events_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "credit_lots_user_kind_reference_unique" ON "credit_lots" USING btree ("user_id","kind","reference") WHERE "credit_lots"."reference" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "credit_lots_one_kickstart_per_user" ON "credit_lots" USING btree ("user_id") WHERE "credit_lots"."kind" = 'kickstart';--> statement-breakpoint
-- Hand-written: credit_ledger is append-only (see perpetua_refuse_append_only_change in 0001_initial_schema).
CREATE TRIGGER "credit_ledger_append_only_row" BEFORE UPDATE OR DELETE ON "credit_ledger"
  FOR EACH ROW EXECUTE FUNCTION perpetua_refuse_append_only_change();
--> statement-breakpoint
CREATE TRIGGER "credit_ledger_append_only_truncate" BEFORE TRUNCATE ON "credit_ledger"
  FOR EACH STATEMENT EXECUTE FUNCTION perpetua_refuse_append_only_change();
