import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context";
import { iso } from "../tasks/present";
import { requireUserId } from "../users/get-me";

export interface TagWithCount {
  name: string;
  /** Tasks carrying the tag (completed, hidden and archived ones included). */
  task_count: number;
  created_at: string;
}

/** `GET /tags` (docs/tasks.md): every tag of the user with its task count, by name – one round trip. */
export async function listTags({ ctx }: { ctx: ServiceContext }): Promise<TagWithCount[]> {
  const userId = requireUserId(ctx);
  const result = await ctx.db.execute<{ name: string; task_count: string | number; created_at: string }>(sql`
    select g.name, count(tt.task_id) as task_count, g.created_at::text as created_at
    from tags g left join task_tags tt on tt.tag_id = g.id and tt.user_id = g.user_id
    where g.user_id = ${userId}
    group by g.id
    order by g.name`);
  return result.rows.map((row) => ({ name: row.name, task_count: Number(row.task_count), created_at: iso(row.created_at) }));
}
