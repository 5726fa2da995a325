/**
 * docs/ai.md#confirmation: `GET /ai/suggestions` and `GET /ai/suggestions/{id}`, one round trip each. A
 * pending suggestion past `expires_at` reads as `expired` (and is filtered as one) whether or not the
 * expiry sweep has marked it yet.
 */
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { AiSuggestionStatus } from "../../../db/schema";
import { NotFound } from "../../../errors/api-error";
import { cursorId, cursorTimestamp, decodeCursor, encodeCursor } from "../../../lib/cursor";
import type { ServiceContext } from "../../context";
import { requireUserId } from "../../users/get-me";
import { presentSuggestion, suggestionJsonSql, type SuggestionRecord } from "./present";
import type { Suggestion } from "./types";

export interface ListSuggestionsInput {
  status?: AiSuggestionStatus | undefined;
  limit: number;
  cursor?: string | undefined;
}

const cursorSchema = z.strictObject({ k: cursorTimestamp, id: cursorId });

/** The status a row reads as at `now` (SQL), matching `presentSuggestion`. */
function statusFilter(status: AiSuggestionStatus, now: string): SQL {
  switch (status) {
    case "pending":
      return sql`s.status = 'pending' and s.expires_at > ${now}::timestamptz`;
    case "expired":
      return sql`(s.status = 'expired' or (s.status = 'pending' and s.expires_at <= ${now}::timestamptz))`;
    default:
      return sql`s.status = ${status}`;
  }
}

/** Newest first, keyset pagination on (created_at, id). */
export async function listSuggestions({ ctx, input }: { ctx: ServiceContext; input: ListSuggestionsInput }): Promise<{ data: Suggestion[]; next_cursor: string | null }> {
  const userId = requireUserId(ctx);
  const now = ctx.clock.now();
  const where: SQL[] = [sql`s.user_id = ${userId}`];
  if (input.status !== undefined) where.push(statusFilter(input.status, now.toISOString()));
  if (input.cursor !== undefined) {
    const position = decodeCursor(input.cursor, cursorSchema);
    where.push(sql`(s.created_at, s.id) < (${position.k}::timestamptz, ${position.id}::uuid)`);
  }
  const result = await ctx.db.execute<{ suggestion: SuggestionRecord; cursor_key: string }>(sql`
    select ${suggestionJsonSql("s")} as suggestion, s.created_at::text as cursor_key
    from ai_suggestions s where ${sql.join(where, sql` and `)}
    order by s.created_at desc, s.id desc
    limit ${input.limit + 1}`);
  const kept = result.rows.slice(0, input.limit);
  const last = kept.at(-1);
  const next_cursor = result.rows.length > input.limit && last !== undefined ? encodeCursor({ k: last.cursor_key, id: last.suggestion.id }) : null;
  return { data: kept.map((row) => presentSuggestion(row.suggestion, now)), next_cursor };
}

export async function getSuggestion({ ctx, input }: { ctx: ServiceContext; input: { id: string } }): Promise<Suggestion> {
  const userId = requireUserId(ctx);
  const result = await ctx.db.execute<{ suggestion: SuggestionRecord }>(sql`
    select ${suggestionJsonSql("s")} as suggestion from ai_suggestions s where s.id = ${input.id} and s.user_id = ${userId}`);
  const row = result.rows[0];
  if (row === undefined) throw new NotFound("Suggestion");
  return presentSuggestion(row.suggestion, ctx.clock.now());
}
