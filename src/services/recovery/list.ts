import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context";
import { iso } from "../tasks/present";
import { requireUserId } from "../users/get-me";
import { TOMBSTONES_KEPT } from "./snapshot";

export interface RecoverableItem {
  id: string;
  entity_type: "task" | "note";
  entity_id: string;
  /** The task's title, or the first 100 characters of a note. */
  title: string;
  subtask_count: number;
  deleted_at: string;
  expires_at: string;
}

interface Row extends Record<string, unknown> {
  id: string;
  entity_type: "task" | "note";
  entity_id: string;
  title: string | null;
  subtask_count: number | null;
  created_at: string;
  expires_at: string;
}

/**
 * `GET /recovery` (docs/recovery-and-activity.md): the tombstones that can still be restored – not restored, not purged, not past
 * their 7 days – newest first. At most 3 exist per user, so the list is never paginated (`next_cursor` null).
 */
export async function listRecoverable({ ctx }: { ctx: ServiceContext }): Promise<RecoverableItem[]> {
  const userId = requireUserId(ctx);
  const now = ctx.clock.now().toISOString();
  const result = await ctx.db.execute<Row>(sql`
    select id, entity_type, entity_id,
      coalesce(snapshot->'task'->>'title', left(snapshot->'note'->>'content', 100), '') as title,
      jsonb_array_length(coalesce(snapshot->'subtasks', '[]'::jsonb)) as subtask_count,
      created_at::text as created_at, expires_at::text as expires_at
    from deletion_tombstones
    where user_id = ${userId} and restored_at is null and expires_at > ${now}::timestamptz and not (snapshot ? 'purged')
    order by created_at desc, id desc
    limit ${TOMBSTONES_KEPT}`);
  return result.rows.map((row) => ({
    id: row.id,
    entity_type: row.entity_type,
    entity_id: row.entity_id,
    title: row.title ?? "",
    subtask_count: Number(row.subtask_count ?? 0),
    deleted_at: iso(row.created_at),
    expires_at: iso(row.expires_at),
  }));
}
