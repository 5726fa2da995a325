import { sql } from "drizzle-orm";
import { NotFound } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { remindersJsonSql } from "../tasks/present";
import { requireUserId } from "../users/get-me";
import { presentReminder, type Reminder, type ReminderRecord } from "./present";

/** `GET /tasks/{id}/reminders`: the task's reminders, soonest first (at most 5, no pages). One round trip. */
export async function listTaskReminders({ ctx, input }: { ctx: ServiceContext; input: { taskId: string } }): Promise<Reminder[]> {
  const userId = requireUserId(ctx);
  const result = await ctx.db.execute<{ reminders: ReminderRecord[] }>(sql`
    select ${remindersJsonSql("t")} as reminders from task_instances t where t.id = ${input.taskId} and t.user_id = ${userId}`);
  const row = result.rows[0];
  if (row === undefined) throw new NotFound("Task");
  return row.reminders.map(presentReminder);
}
