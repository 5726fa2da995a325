CREATE TABLE "checkout_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"product" text NOT NULL,
	"reference" text NOT NULL,
	"provider_session_id" text NOT NULL,
	"amount" integer NOT NULL,
	"currency" text NOT NULL,
	"status" text DEFAULT 'created' NOT NULL,
	"payment_id" text,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "checkout_sessions_reference_unique" UNIQUE("reference"),
	CONSTRAINT "checkout_sessions_provider_session_unique" UNIQUE("provider_session_id"),
	CONSTRAINT "checkout_sessions_product_format" CHECK ("checkout_sessions"."product" ~ '^[a-z][a-z0-9_.]*$' and char_length("checkout_sessions"."product") <= 64),
	CONSTRAINT "checkout_sessions_reference_length" CHECK (char_length("checkout_sessions"."reference") between 1 and 50),
	CONSTRAINT "checkout_sessions_provider_session_id_length" CHECK (char_length("checkout_sessions"."provider_session_id") between 1 and 255),
	CONSTRAINT "checkout_sessions_amount_non_negative" CHECK ("checkout_sessions"."amount" >= 0),
	CONSTRAINT "checkout_sessions_currency_length" CHECK (char_length("checkout_sessions"."currency") between 3 and 3),
	CONSTRAINT "checkout_sessions_status_values" CHECK ("checkout_sessions"."status" in ('created', 'paid', 'declined'))
);
--> statement-breakpoint
CREATE TABLE "live_transcript_segments" (
	"session_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"note_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "live_transcript_segments_pk" PRIMARY KEY("session_id","seq"),
	CONSTRAINT "live_transcript_segments_seq_non_negative" CHECK ("live_transcript_segments"."seq" >= 0)
);
--> statement-breakpoint
ALTER TABLE "checkout_sessions" ADD CONSTRAINT "checkout_sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "live_transcript_segments" ADD CONSTRAINT "live_transcript_segments_note_id_notes_id_fk" FOREIGN KEY ("note_id") REFERENCES "public"."notes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "checkout_sessions_user_created_idx" ON "checkout_sessions" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "live_transcript_segments_note_idx" ON "live_transcript_segments" USING btree ("note_id");