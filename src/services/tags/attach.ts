import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { ServiceContext } from "../context";

/**
 * Statements that make a task's tags exactly `names` (already normalised): find-or-create each tag of the
 * user (INSERT … ON CONFLICT on the per-user unique name – a concurrent creator of the same tag makes us
 * wait, then we see its row), drop the links not in the list, add the missing ones. Names travel as one
 * JSON parameter.
 */
export function setTaskTagsStatements(ctx: ServiceContext, userId: string, taskId: string, names: readonly string[], options: { fresh: boolean }): BatchItem<"pg">[] {
  const list = JSON.stringify(names);
  const statements: BatchItem<"pg">[] = [];
  if (!options.fresh) {
    statements.push(
      ctx.db.execute(sql`delete from task_tags tt using tags g
        where tt.task_id = ${taskId} and tt.user_id = ${userId} and g.id = tt.tag_id
          and not (g.name = any (select jsonb_array_elements_text(${list}::jsonb)))`),
    );
  }
  if (names.length === 0) return statements;
  statements.push(
    ctx.db.execute(sql`insert into tags (user_id, name)
      select ${userId}, n from jsonb_array_elements_text(${list}::jsonb) as n
      on conflict (user_id, name) do nothing`),
    ctx.db.execute(sql`insert into task_tags (task_id, tag_id, user_id)
      select ${taskId}, g.id, ${userId} from tags g
      where g.user_id = ${userId} and g.name = any (select jsonb_array_elements_text(${list}::jsonb))
      on conflict do nothing`),
  );
  return statements;
}
