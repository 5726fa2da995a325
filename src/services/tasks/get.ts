import { sql } from "drizzle-orm";
import { NotFound } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { requireUserId } from "../users/get-me";
import {
  presentTaskDetail,
  remindersJsonSql,
  subtasksJsonSql,
  taskJsonSql,
  type ReminderRecord,
  type SubtaskRecord,
  type TaskDetail,
  type TaskRecord,
} from "./present";

type DetailRecord = TaskRecord & { subtasks: SubtaskRecord[]; reminders: ReminderRecord[] };

/** The task with its subtasks, reminders and tags, as one JSON value (SQL) – shared with restore. */
export function taskDetailJsonSql(alias: string) {
  return sql`(${taskJsonSql(alias)} || jsonb_build_object('subtasks', ${subtasksJsonSql(alias)}, 'reminders', ${remindersJsonSql(alias)}))`;
}

/** `GET /tasks/{id}` (docs/tasks.md): one round trip; another user's id is 404 like a missing one (docs/conventions.md#ownership). */
export async function getTask({ ctx, input }: { ctx: ServiceContext; input: { id: string } }): Promise<TaskDetail> {
  const userId = requireUserId(ctx);
  const result = await ctx.db.execute<{ task: DetailRecord }>(sql`
    select ${taskDetailJsonSql("t")} as task from task_instances t where t.id = ${input.id} and t.user_id = ${userId}`);
  const row = result.rows[0];
  if (!row) throw new NotFound("Task");
  return presentTaskDetail(row.task);
}
