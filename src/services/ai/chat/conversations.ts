/**
 * docs/ai.md "Conversations": `GET /ai/conversations` (most recently active first, keyset pages on
 * (updated_at, id)), `GET /ai/conversations/{id}` (its messages, oldest first) and
 * `DELETE /ai/conversations/{id}` (messages go with it; suggestions stay, without the link). One round trip each.
 */
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { NotFound } from "../../../errors/api-error";
import { cursorId, cursorTimestamp, decodeCursor, encodeCursor } from "../../../lib/cursor";
import type { ServiceContext } from "../../context";
import { iso } from "../../tasks/present";
import { runWrite } from "../../unit-of-work";
import { requireUserId } from "../../users/get-me";

export interface Conversation {
  id: string;
  title: string | null;
  task_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface ConversationMessage {
  id: string;
  role: "user" | "assistant";
  content: string;
  created_at: string;
}

interface ConversationRow extends Record<string, unknown> {
  id: string;
  title: string | null;
  task_id: string | null;
  created_at: string;
  updated_at: string;
}

const cursorSchema = z.strictObject({ k: cursorTimestamp, id: cursorId });

function present(row: ConversationRow): Conversation {
  return { id: row.id, title: row.title, task_id: row.task_id, created_at: iso(row.created_at), updated_at: iso(row.updated_at) };
}

export async function listConversations({ ctx, input }: { ctx: ServiceContext; input: { limit: number; cursor?: string | undefined } }): Promise<{ data: Conversation[]; next_cursor: string | null }> {
  const userId = requireUserId(ctx);
  const where: SQL[] = [sql`user_id = ${userId}`];
  if (input.cursor !== undefined) {
    const position = decodeCursor(input.cursor, cursorSchema);
    where.push(sql`(updated_at, id) < (${position.k}::timestamptz, ${position.id}::uuid)`);
  }
  const result = await ctx.db.execute<ConversationRow>(sql`
    select id, title, task_id, created_at::text as created_at, updated_at::text as updated_at
    from ai_conversations where ${sql.join(where, sql` and `)}
    order by updated_at desc, id desc limit ${input.limit + 1}`);
  const kept = result.rows.slice(0, input.limit);
  const last = kept.at(-1);
  const next_cursor = result.rows.length > input.limit && last !== undefined ? encodeCursor({ k: last.updated_at, id: last.id }) : null;
  return { data: kept.map(present), next_cursor };
}

export async function getConversation({ ctx, input }: { ctx: ServiceContext; input: { id: string } }): Promise<Conversation & { messages: ConversationMessage[] }> {
  const userId = requireUserId(ctx);
  const result = await ctx.db.execute<ConversationRow & { messages: ConversationMessage[] | null }>(sql`
    select c.id, c.title, c.task_id, c.created_at::text as created_at, c.updated_at::text as updated_at,
      (select json_agg(json_build_object('id', m.id, 'role', m.role, 'content', m.content, 'created_at', m.created_at) order by m.created_at, m.id)
        from ai_messages m where m.conversation_id = c.id) as messages
    from ai_conversations c where c.id = ${input.id} and c.user_id = ${userId}`);
  const row = result.rows[0];
  if (row === undefined) throw new NotFound("Conversation");
  return { ...present(row), messages: (row.messages ?? []).map((m) => ({ ...m, created_at: iso(m.created_at) })) };
}

export async function deleteConversation({ ctx, input }: { ctx: ServiceContext; input: { id: string } }): Promise<void> {
  const userId = requireUserId(ctx);
  const deleted = await runWrite(ctx, { operation: "ai.conversations.delete", status: 204 }, async (unit) => {
    const rows = unit.write(unit.ctx.db.execute<{ id: string }>(sql`delete from ai_conversations where id = ${input.id} and user_id = ${userId} returning id`));
    return { get found() { return rows.result.rows.length > 0; } };
  });
  if (!deleted.found) throw new NotFound("Conversation");
}
