import { sql } from "drizzle-orm";
import type { TaskPriority } from "../../db/schema/tasks";
import { LimitExceeded } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { commitWithEvents } from "../events/commit";
import { jsonResponse, type StoredResponse } from "../idempotency/types";
import { activeTaskLimitGuard, limitGuardError } from "../limits/guards";
import { limitsStatement, toUserLimits } from "../limits/read-limits";
import { normalizeTags } from "../tags/normalize";
import { setTaskTagsStatements } from "../tags/attach";
import { requireUserId } from "../users/get-me";
import { readForWrite } from "../writes";
import { presentTask, type Task } from "./present";
import { checkTierRules } from "./rules";

export interface CreateTaskInput {
  title: string;
  description?: string | undefined;
  priority?: TaskPriority | undefined;
  due_date?: string | null | undefined;
  estimated_duration?: number | null | undefined;
  tags?: string[] | undefined;
  hidden?: boolean | undefined;
}

/**
 * `POST /tasks` (SPEC §3). Round trip 1 reads the tier, perks and active-task count (with the idempotency
 * lookup); the Worker validates the per-tier rules and builds the task and its 201 response; round trip 2
 * commits the response, the limit guard (exact under concurrency), the row, its tags and the activity
 * entry in one batch.
 */
export async function createTask({ ctx, input }: { ctx: ServiceContext; input: CreateTaskInput }): Promise<{ value: Task; response: StoredResponse }> {
  const userId = requireUserId(ctx);
  const now = ctx.clock.now();
  const [limitRows] = await readForWrite(ctx, [limitsStatement(ctx, userId)]);
  const { limits, activeTasks } = toUserLimits(ctx, limitRows.rows[0]);
  checkTierRules(limits, now, input);
  const tags = normalizeTags(input.tags ?? []);
  if (limits.max_tasks !== null && activeTasks >= limits.max_tasks) throw new LimitExceeded("active tasks", limits.max_tasks, activeTasks);

  const stamp = now.toISOString();
  const task = presentTask({
    id: crypto.randomUUID(),
    title: input.title,
    description: input.description ?? "",
    priority: input.priority ?? "medium",
    due_date: input.due_date ?? null,
    estimated_duration: input.estimated_duration ?? null,
    focus_time_seconds: 0,
    completed: false,
    completed_at: null,
    completed_by: null,
    hidden: input.hidden ?? false,
    archived: false,
    template_id: null,
    occurrence_at: null,
    subtask_count: 0,
    subtasks_completed: 0,
    version: 1,
    created_at: stamp,
    updated_at: stamp,
    tags,
  });
  const response = jsonResponse(201, { data: task });
  try {
    await commitWithEvents(
      ctx,
      [
        ...activeTaskLimitGuard(ctx, userId, limits.max_tasks),
        ctx.db.execute(sql`
          insert into task_instances (id, user_id, title, description, priority, due_date, estimated_duration, hidden,
                                      version, created_at, updated_at)
          values (${task.id}, ${userId}, ${task.title}, ${task.description}, ${task.priority}, ${task.due_date}::timestamptz,
                  ${task.estimated_duration}::int, ${task.hidden}, 1, ${stamp}::timestamptz, ${stamp}::timestamptz)`),
        ...setTaskTagsStatements(ctx, userId, task.id, tags, { fresh: true }),
      ],
      [{ type: "task.created", task }],
      { userId, now },
      response,
    );
  } catch (error) {
    throw limitGuardError(error, "active tasks");
  }
  return { value: task, response };
}
