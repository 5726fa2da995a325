ALTER TABLE "credit_ledger" ADD COLUMN "seq" bigint NOT NULL GENERATED ALWAYS AS IDENTITY (sequence name "credit_ledger_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1);--> statement-breakpoint
CREATE INDEX "credit_ledger_user_seq_idx" ON "credit_ledger" USING btree ("user_id","seq");--> statement-breakpoint
CREATE INDEX "credit_ledger_user_reference_idx" ON "credit_ledger" USING btree ("user_id","reference") WHERE "credit_ledger"."kind" in ('consume', 'refund');--> statement-breakpoint
-- Hand-written: the credit operations (docs/credits.md), each ONE statement so it is atomic over neon-http and
-- can ride in a write's commit batch. Every movement of a user first locks that user's row (FOR NO KEY
-- UPDATE; lock order users → lots, docs/write-protocol.md), so concurrent movements of one user run one after
-- another: a consumption computes what is available and takes it without anyone slipping in, and each ledger
-- row's balance_after is the running total of ALL the user's lots' remaining (swept or not), ordered by seq.
-- A lot is usable while remaining > 0, expired_at is null and (expires_at is null or expires_at > now).

-- The consumption order: daily → subscription → purchased → kickstart (src/db/schema/credits.ts).
CREATE OR REPLACE FUNCTION perpetua_credit_kind_rank(kind text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT array_position(ARRAY['daily', 'subscription', 'purchased', 'kickstart'], kind) $$;
--> statement-breakpoint
-- The first UTC midnight strictly after an instant.
CREATE OR REPLACE FUNCTION perpetua_next_utc_midnight(at timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$ SELECT (date_trunc('day', at AT TIME ZONE 'UTC') + interval '1 day') AT TIME ZONE 'UTC' $$;
--> statement-breakpoint
-- Consumes p_amount credits, all or nothing: raises the write guard INSUFFICIENT_CREDITS {required, available}
-- (SQLSTATE PFG01, migration 0009) when fewer are usable, else takes from the usable lots in the consumption
-- order – within a kind the lot expiring first (never-expiring last), then the oldest – writing one `consume`
-- entry per lot. p_reference identifies the consumption (e.g. an ai_interactions id): unique per user among
-- consumptions, a repeat spends nothing and answers what the first one took (`replayed: true`).
-- Returns {consumed, by_kind: {kind: n}, balance (usable after), replayed}.
CREATE OR REPLACE FUNCTION perpetua_consume_credits(
  p_user uuid, p_amount integer, p_reason text, p_reference text, p_request_id text, p_now timestamptz
) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_available integer;
  v_balance integer;
  v_left integer := p_amount;
  v_take integer;
  v_lot record;
  v_by_kind jsonb := '{}'::jsonb;
  v_previous integer;
BEGIN
  IF p_amount IS NULL OR p_amount <= 0 OR p_reference IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'perpetua_consume_credits: amount must be positive and reference set';
  END IF;
  PERFORM 1 FROM users WHERE id = p_user FOR NO KEY UPDATE;

  SELECT -sum(e.amount)::integer INTO v_previous
  FROM credit_ledger e WHERE e.user_id = p_user AND e.kind = 'consume' AND e.reference = p_reference;
  SELECT coalesce(sum(l.remaining) FILTER (WHERE l.expired_at IS NULL AND (l.expires_at IS NULL OR l.expires_at > p_now)), 0)::integer,
         coalesce(sum(l.remaining), 0)::integer
    INTO v_available, v_balance
  FROM credit_lots l WHERE l.user_id = p_user AND l.remaining > 0;

  IF v_previous IS NOT NULL THEN
    SELECT jsonb_object_agg(kind, taken) INTO v_by_kind FROM (
      SELECT l.kind, -sum(e.amount)::integer AS taken
      FROM credit_ledger e JOIN credit_lots l ON l.id = e.lot_id
      WHERE e.user_id = p_user AND e.kind = 'consume' AND e.reference = p_reference
      GROUP BY l.kind) t;
    RETURN jsonb_build_object('consumed', v_previous, 'by_kind', v_by_kind, 'balance', v_available, 'replayed', true);
  END IF;

  IF v_available < p_amount THEN
    PERFORM perpetua_guard(false, 'INSUFFICIENT_CREDITS', jsonb_build_object('required', p_amount, 'available', v_available));
  END IF;

  FOR v_lot IN
    SELECT l.id, l.kind, l.remaining FROM credit_lots l
    WHERE l.user_id = p_user AND l.remaining > 0 AND l.expired_at IS NULL AND (l.expires_at IS NULL OR l.expires_at > p_now)
    ORDER BY perpetua_credit_kind_rank(l.kind), l.expires_at ASC NULLS LAST, l.created_at, l.id
    FOR UPDATE
  LOOP
    v_take := least(v_lot.remaining, v_left);
    UPDATE credit_lots SET remaining = remaining - v_take WHERE id = v_lot.id;
    v_balance := v_balance - v_take;
    INSERT INTO credit_ledger (user_id, lot_id, kind, amount, balance_after, reason, reference, request_id, created_at)
    VALUES (p_user, v_lot.id, 'consume', -v_take, v_balance, p_reason, p_reference, p_request_id, p_now);
    v_by_kind := v_by_kind || jsonb_build_object(v_lot.kind, coalesce((v_by_kind ->> v_lot.kind)::integer, 0) + v_take);
    v_left := v_left - v_take;
    EXIT WHEN v_left = 0;
  END LOOP;

  RETURN jsonb_build_object('consumed', p_amount, 'by_kind', v_by_kind, 'balance', v_available - p_amount, 'replayed', false);
END;
$$;
--> statement-breakpoint
-- Refunds the consumption p_reference exactly: each lot gets back what it gave, one `refund` entry per lot.
-- A lot no longer usable (expired meanwhile, swept or not) is not refilled: what it gave comes back as ONE new
-- lot per kind (source `refund`) expiring at the next UTC midnight after p_now + 1 minute at the earliest, so a
-- refunded credit is never lost to midnight (the minute: a refund stamped 23:59:59.9 that commits after the
-- 00:00 sweep still gets a lot that has not expired). Once only: a repeat (or a refund of nothing) changes nothing.
-- Returns {refunded, replayed, balance (usable after)}.
CREATE OR REPLACE FUNCTION perpetua_refund_credits(
  p_user uuid, p_reference text, p_reason text, p_request_id text, p_now timestamptz
) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_balance integer;
  v_refunded integer := 0;
  v_entry record;
  v_lot uuid;
BEGIN
  PERFORM 1 FROM users WHERE id = p_user FOR NO KEY UPDATE;
  SELECT sum(e.amount)::integer INTO v_refunded
  FROM credit_ledger e WHERE e.user_id = p_user AND e.kind = 'refund' AND e.reference = p_reference;
  IF v_refunded IS NOT NULL THEN
    RETURN jsonb_build_object('refunded', v_refunded, 'replayed', true, 'balance', perpetua_usable_credits(p_user, p_now));
  END IF;
  v_refunded := 0;
  SELECT coalesce(sum(l.remaining), 0)::integer INTO v_balance FROM credit_lots l WHERE l.user_id = p_user;

  -- What each lot gave, grouped by lot; the unusable ones folded per kind.
  FOR v_entry IN
    SELECT l.id, l.kind, l.expires_at, -sum(e.amount)::integer AS taken,
           (l.expired_at IS NULL AND (l.expires_at IS NULL OR l.expires_at > p_now)) AS usable
    FROM credit_ledger e JOIN credit_lots l ON l.id = e.lot_id
    WHERE e.user_id = p_user AND e.kind = 'consume' AND e.reference = p_reference
    GROUP BY l.id
    ORDER BY min(e.seq)
  LOOP
    IF v_entry.usable THEN
      UPDATE credit_lots SET remaining = remaining + v_entry.taken WHERE id = v_entry.id;
      v_lot := v_entry.id;
    ELSE
      SELECT id INTO v_lot FROM credit_lots
      WHERE user_id = p_user AND kind = v_entry.kind AND source = 'refund' AND created_at = p_now AND reference IS NULL
        AND expires_at = greatest(v_entry.expires_at, perpetua_next_utc_midnight(p_now + interval '1 minute'))
        AND id IN (SELECT lot_id FROM credit_ledger WHERE user_id = p_user AND kind = 'refund' AND reference = p_reference);
      IF v_lot IS NULL THEN
        INSERT INTO credit_lots (user_id, kind, amount, remaining, expires_at, source, reference, created_at)
        VALUES (p_user, v_entry.kind, v_entry.taken, v_entry.taken,
                greatest(v_entry.expires_at, perpetua_next_utc_midnight(p_now + interval '1 minute')), 'refund', NULL, p_now)
        RETURNING id INTO v_lot;
      ELSE
        UPDATE credit_lots SET amount = amount + v_entry.taken, remaining = remaining + v_entry.taken WHERE id = v_lot;
      END IF;
    END IF;
    v_balance := v_balance + v_entry.taken;
    v_refunded := v_refunded + v_entry.taken;
    INSERT INTO credit_ledger (user_id, lot_id, kind, amount, balance_after, reason, reference, request_id, created_at)
    VALUES (p_user, v_lot, 'refund', v_entry.taken, v_balance, p_reason, p_reference, p_request_id, p_now);
  END LOOP;

  RETURN jsonb_build_object('refunded', v_refunded, 'replayed', false, 'balance', perpetua_usable_credits(p_user, p_now));
END;
$$;
--> statement-breakpoint
-- Credits usable at an instant (what GET /credits calls total).
CREATE OR REPLACE FUNCTION perpetua_usable_credits(p_user uuid, p_now timestamptz) RETURNS integer
LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(remaining), 0)::integer FROM credit_lots
  WHERE user_id = p_user AND remaining > 0 AND expired_at IS NULL AND (expires_at IS NULL OR expires_at > p_now)
$$;
--> statement-breakpoint
-- Grants a lot and its `grant` entry. Idempotent per (user, kind, reference) – the unique index
-- credit_lots_user_kind_reference_unique – and, for kickstart, once per user (credit_lots_one_kickstart_per_user):
-- a repeat grants nothing and answers {granted: false, lot_id: the existing lot}.
-- Returns {granted, lot_id, balance (usable after)}.
CREATE OR REPLACE FUNCTION perpetua_grant_credits(
  p_user uuid, p_kind text, p_amount integer, p_expires_at timestamptz, p_source text, p_reference text,
  p_reason text, p_request_id text, p_now timestamptz
) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_lot uuid;
  v_balance integer;
BEGIN
  IF p_amount IS NULL OR p_amount <= 0 OR (p_expires_at IS NOT NULL AND p_expires_at <= p_now) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'perpetua_grant_credits: amount must be positive and expires_at in the future';
  END IF;
  PERFORM 1 FROM users WHERE id = p_user FOR NO KEY UPDATE;
  INSERT INTO credit_lots (user_id, kind, amount, remaining, expires_at, source, reference, created_at)
  VALUES (p_user, p_kind, p_amount, p_amount, p_expires_at, p_source, p_reference, p_now)
  ON CONFLICT DO NOTHING
  RETURNING id INTO v_lot;
  IF v_lot IS NULL THEN
    SELECT id INTO v_lot FROM credit_lots
    WHERE user_id = p_user AND kind = p_kind AND (p_kind = 'kickstart' OR reference = p_reference)
    ORDER BY created_at LIMIT 1;
    RETURN jsonb_build_object('granted', false, 'lot_id', v_lot, 'balance', perpetua_usable_credits(p_user, p_now));
  END IF;
  SELECT coalesce(sum(remaining), 0)::integer INTO v_balance FROM credit_lots WHERE user_id = p_user;
  INSERT INTO credit_ledger (user_id, lot_id, kind, amount, balance_after, reason, reference, request_id, created_at)
  VALUES (p_user, v_lot, 'grant', p_amount, v_balance, p_reason, p_reference, p_request_id, p_now);
  RETURN jsonb_build_object('granted', true, 'lot_id', v_lot, 'balance', perpetua_usable_credits(p_user, p_now));
END;
$$;
--> statement-breakpoint
-- The daily credit job for one run date, as of p_run_at (the trigger's scheduled time), set-based: a few
-- statements whatever the number of users, one transaction.
-- 1. claims (job 'daily_credits', run date) in job_runs – a repeated or late run for that date does nothing;
-- 2. locks the rows of every user it touches (id order: no deadlock with itself, users before lots);
-- 3. expires the daily lots with expires_at <= p_run_at (`expire` entries, reason daily_expiry);
-- 4. grants the day's daily lot – Pro: p_pro_daily, plus the daily_ai_credits perks of unlocked achievements
--    (free users with such a perk get the perk amount) – expiring at the next UTC midnight, reference
--    `daily:<run date>` (unique per user and kind, so nothing can grant a day twice);
-- The invariant audit is perpetua_credit_drift(), run by the job as its own statement after this one
-- committed: it reads every lot and ledger entry, and must not hold the users' row locks while it does.
CREATE OR REPLACE FUNCTION perpetua_daily_credits(
  p_run_date date, p_run_at timestamptz, p_pro_daily integer, p_request_id text
) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_reference text := 'daily:' || to_char(p_run_date, 'YYYY-MM-DD');
  v_expires timestamptz := (p_run_date + 1)::timestamp AT TIME ZONE 'UTC';
  v_expired_lots integer;
  v_expired_credits integer;
  v_granted_lots integer;
  v_granted_credits integer;
BEGIN
  INSERT INTO job_runs (job, run_date, started_at, finished_at, outcome)
  VALUES ('daily_credits', p_run_date, p_run_at, clock_timestamp(), 'success')
  ON CONFLICT (job, run_date) DO NOTHING;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('claimed', false);
  END IF;

  DROP TABLE IF EXISTS pg_temp.perpetua_daily_grants;
  CREATE TEMP TABLE perpetua_daily_grants ON COMMIT DROP AS
    SELECT u.id AS user_id, ((CASE WHEN u.tier = 'pro' THEN p_pro_daily ELSE 0 END) + coalesce(p.perk, 0))::integer AS amount
    FROM users u
    LEFT JOIN (
      SELECT a.user_id, sum(d.perk_value) AS perk
      FROM user_achievements a JOIN achievement_definitions d ON d.id = a.achievement_id
      WHERE d.perk_type = 'daily_ai_credits'
      GROUP BY a.user_id) p ON p.user_id = u.id
    WHERE u.tier = 'pro' OR p.perk > 0;

  PERFORM 1 FROM users u
  WHERE u.id IN (SELECT user_id FROM perpetua_daily_grants WHERE amount > 0
                 UNION SELECT user_id FROM credit_lots WHERE kind = 'daily' AND expired_at IS NULL AND expires_at <= p_run_at)
  ORDER BY u.id
  FOR NO KEY UPDATE;

  WITH expiring AS (
    SELECT l.id, l.user_id, l.remaining,
           sum(l.remaining) OVER (PARTITION BY l.user_id ORDER BY l.expires_at, l.created_at, l.id) AS running
    FROM credit_lots l
    WHERE l.kind = 'daily' AND l.expired_at IS NULL AND l.expires_at <= p_run_at
  ),
  totals AS (
    SELECT l.user_id, sum(l.remaining) AS total FROM credit_lots l
    WHERE l.user_id IN (SELECT user_id FROM expiring) GROUP BY l.user_id
  ),
  zeroed AS (
    UPDATE credit_lots l SET remaining = 0, expired_at = p_run_at FROM expiring e WHERE l.id = e.id RETURNING l.id
  ),
  entries AS (
    INSERT INTO credit_ledger (user_id, lot_id, kind, amount, balance_after, reason, reference, request_id, created_at)
    SELECT e.user_id, e.id, 'expire', -e.remaining, (t.total - e.running)::integer, 'daily_expiry', v_reference, p_request_id, p_run_at
    FROM expiring e JOIN totals t ON t.user_id = e.user_id
    WHERE e.remaining > 0
    ORDER BY e.user_id, e.running
    RETURNING amount
  )
  SELECT (SELECT count(*) FROM zeroed), coalesce((SELECT -sum(amount) FROM entries), 0)
    INTO v_expired_lots, v_expired_credits;

  WITH granted AS (
    INSERT INTO credit_lots (user_id, kind, amount, remaining, expires_at, source, reference, created_at)
    SELECT g.user_id, 'daily', g.amount, g.amount, v_expires, 'daily', v_reference, p_run_at
    FROM perpetua_daily_grants g WHERE g.amount > 0
    ON CONFLICT (user_id, kind, reference) WHERE reference IS NOT NULL DO NOTHING
    RETURNING id, user_id, amount
  ),
  totals AS (
    SELECT l.user_id, sum(l.remaining) AS total FROM credit_lots l
    WHERE l.user_id IN (SELECT user_id FROM granted) GROUP BY l.user_id
  ),
  entries AS (
    INSERT INTO credit_ledger (user_id, lot_id, kind, amount, balance_after, reason, reference, request_id, created_at)
    SELECT g.user_id, g.id, 'grant', g.amount, (coalesce(t.total, 0) + g.amount)::integer, 'daily_grant', v_reference, p_request_id, p_run_at
    FROM granted g LEFT JOIN totals t ON t.user_id = g.user_id
    RETURNING amount
  )
  SELECT count(*), coalesce(sum(amount), 0) INTO v_granted_lots, v_granted_credits FROM entries;

  RETURN jsonb_build_object(
    'claimed', true,
    'expired_lots', v_expired_lots, 'expired_credits', v_expired_credits,
    'granted_lots', v_granted_lots, 'granted_credits', v_granted_credits);
END;
$$;
--> statement-breakpoint
-- The invariant for every user: sum(lots.remaining) = the last balance_after (by seq) = sum(amount). Read
-- only, one snapshot, no locks: the users whose figures disagree (all of them, in id order) – drift is
-- reported, never repaired.
CREATE OR REPLACE FUNCTION perpetua_credit_drift() RETURNS uuid[]
LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(user_id ORDER BY user_id), '{}') FROM (
    SELECT coalesce(l.user_id, g.user_id) AS user_id
    FROM (SELECT user_id, sum(remaining) AS lots FROM credit_lots GROUP BY user_id) l
    FULL JOIN (
      SELECT DISTINCT ON (user_id) user_id, sum(amount) OVER (PARTITION BY user_id) AS ledger, balance_after AS last
      FROM credit_ledger ORDER BY user_id, seq DESC) g ON g.user_id = l.user_id
    WHERE coalesce(l.lots, 0) <> coalesce(g.ledger, 0) OR coalesce(l.lots, 0) <> coalesce(g.last, 0)
  ) d
$$;
