import { sql } from "drizzle-orm";
import type { ServiceContext } from "../../context";

/**
 * Every-minute job (cron/index.ts `expire_ai_suggestions`, docs/ai.md#confirmation): pending suggestions past
 * `expires_at` become `expired`, resolved at their expiry instant. One set-based statement on the partial
 * index `ai_suggestions_pending_expiry_idx`; idempotent (an expired row is no longer pending), and a confirm
 * racing it is decided by the row lock – the confirm's own guard requires `expires_at > now` anyway. Reads
 * already show such a row as expired before this job runs (./present.ts).
 */
export async function expireSuggestions({ ctx }: { ctx: ServiceContext }): Promise<Record<string, unknown>> {
  const now = ctx.clock.now().toISOString();
  const result = await ctx.db.execute<{ expired: string }>(sql`
    with expired as (
      update ai_suggestions set status = 'expired', resolved_at = expires_at
      where status = 'pending' and expires_at <= ${now}::timestamptz
      returning 1)
    select count(*)::text as expired from expired`);
  return { expired: Number(result.rows[0]?.expired ?? 0) };
}
