import { sql } from "drizzle-orm";
import type { TaskPriority } from "../../db/schema/tasks";
import { LimitExceeded } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { activeTaskLimitGuard } from "../limits/guards";
import { limitsStatement, toUserLimits } from "../limits/read-limits";
import { normalizeTags } from "../tags/normalize";
import { setTaskTagsStatements } from "../tags/attach";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { newTask, type Task } from "./present";
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
 * `POST /tasks` (docs/tasks.md). Round trip 1 reads the tier, perks and active-task count (with the
 * idempotency lookup); the Worker validates the per-tier rules and builds the task; round trip 2 commits the
 * response, the limit guard (exact under concurrency), the row, its tags and the activity entry in one
 * batch. Called inside another write (e.g. confirming an AI suggestion), it joins that write.
 */
export function createTask({ ctx, input }: { ctx: ServiceContext; input: CreateTaskInput }): Promise<Task> {
  return runWrite(ctx, { operation: "tasks.create", status: 201 }, (unit) => create(unit, input));
}

async function create(unit: WriteUnit, input: CreateTaskInput): Promise<Task> {
  const ctx = unit.ctx;
  const userId = requireUserId(ctx);
  const now = ctx.clock.now();
  const limitRows = unit.read(limitsStatement(ctx, userId));
  await unit.load();
  const { limits, activeTasks } = toUserLimits(ctx, limitRows.result.rows[0]);
  checkTierRules(limits, now, input);
  const tags = normalizeTags(input.tags ?? []);
  if (limits.max_tasks !== null && activeTasks >= limits.max_tasks) throw new LimitExceeded("active tasks", limits.max_tasks, activeTasks);

  const stamp = now.toISOString();
  const task = newTask(
    {
      id: crypto.randomUUID(),
      title: input.title,
      description: input.description ?? "",
      priority: input.priority ?? "medium",
      due_date: input.due_date ?? null,
      estimated_duration: input.estimated_duration ?? null,
      hidden: input.hidden ?? false,
      template_id: null,
      occurrence_at: null,
      tags,
    },
    stamp,
  );
  unit.writeAll([
    ...activeTaskLimitGuard(ctx, userId, limits.max_tasks),
    ctx.db.execute(sql`
      insert into task_instances (id, user_id, title, description, priority, due_date, estimated_duration, hidden,
                                  version, created_at, updated_at)
      values (${task.id}, ${userId}, ${task.title}, ${task.description}, ${task.priority}, ${task.due_date}::timestamptz,
              ${task.estimated_duration}::int, ${task.hidden}, 1, ${stamp}::timestamptz, ${stamp}::timestamptz)`),
    ...setTaskTagsStatements(ctx, userId, task.id, tags, { fresh: true }),
  ]);
  unit.emit({ type: "task.created", task });
  return task;
}
