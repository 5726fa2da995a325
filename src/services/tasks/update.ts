import { sql } from "drizzle-orm";
import { LimitExceeded } from "../../errors/api-error";
import { diffFields, expectedVersion } from "../../lib/patch";
import type { ServiceContext } from "../context";
import { activeTaskLimitGuard } from "../limits/guards";
import { limitsStatement, toUserLimits } from "../limits/read-limits";
import { setTaskTagsStatements } from "../tags/attach";
import { normalizeTags } from "../tags/normalize";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { presentTask, type Task } from "./present";
import { checkTierRules } from "./rules";
import {
  checkTaskWritable,
  taskForWriteStatement,
  taskUnchangedGuard,
  taskUnchangedSql,
  taskUpdatedGuard,
} from "./write-support";
import type { CreateTaskInput } from "./create";

export interface UpdateTaskInput extends Partial<CreateTaskInput> {
  id: string;
  version?: number | undefined;
  ifMatch?: string | undefined;
  archived?: boolean | undefined;
}

const PATCHABLE = ["title", "description", "priority", "due_date", "estimated_duration", "tags", "hidden", "archived"] as const;

/**
 * `PATCH /tasks/{id}` (docs/conventions.md#patch-semantics, docs/conventions.md#optimistic-locking, docs/tasks.md): omitted = unchanged, null = cleared, `version` required (body or
 * If-Match). Archived tasks accept only a PATCH that un-archives them (it may change other fields at the
 * same time). Un-archiving an open task counts against the active-task limit. A PATCH that changes nothing
 * answers the task as it is, without a new version or an activity entry.
 */
export function updateTask({ ctx, input }: { ctx: ServiceContext; input: UpdateTaskInput }): Promise<Task> {
  const expected = expectedVersion({ bodyVersion: input.version, ifMatch: input.ifMatch, required: true });
  return runWrite(ctx, { operation: "tasks.update" }, (unit) => update(unit, input, expected));
}

async function update(unit: WriteUnit, input: UpdateTaskInput, expected: number | undefined): Promise<Task> {
  const ctx = unit.ctx;
  const userId = requireUserId(ctx);
  const now = ctx.clock.now();
  const taskRows = unit.read(taskForWriteStatement(ctx, userId, input.id));
  const limitRows = unit.read(limitsStatement(ctx, userId));
  await unit.load();
  const current = checkTaskWritable(taskRows.result.rows[0]?.task, expected, { unarchiving: input.archived === false });
  const { limits, activeTasks } = toUserLimits(ctx, limitRows.result.rows[0]);

  const next: Task = {
    ...current,
    ...(input.title !== undefined && { title: input.title }),
    ...(input.description !== undefined && { description: input.description }),
    ...(input.priority !== undefined && { priority: input.priority }),
    ...(input.due_date !== undefined && { due_date: input.due_date === null ? null : new Date(input.due_date).toISOString() }),
    ...(input.estimated_duration !== undefined && { estimated_duration: input.estimated_duration }),
    ...(input.tags !== undefined && { tags: normalizeTags(input.tags) }),
    ...(input.hidden !== undefined && { hidden: input.hidden }),
    ...(input.archived !== undefined && { archived: input.archived }),
  };
  const changes = diffFields(current, next, PATCHABLE);
  checkTierRules(limits, now, {
    ...("description" in changes && { description: next.description }),
    ...("due_date" in changes && { due_date: next.due_date }),
  });

  if (Object.keys(changes).length === 0) {
    // Nothing to change: still one atomic step, so the idempotency record is stored only if the version held.
    unit.write(taskUnchangedGuard(ctx, userId, current));
    return current;
  }

  const unarchivingOpen = current.archived && !next.archived && !next.completed;
  if (unarchivingOpen && limits.max_tasks !== null && activeTasks >= limits.max_tasks) {
    throw new LimitExceeded("active tasks", limits.max_tasks, activeTasks);
  }
  const stamp = now.toISOString();
  const task = presentTask({ ...next, version: current.version + 1, updated_at: stamp });
  unit.writeAll([
    ...(unarchivingOpen ? activeTaskLimitGuard(ctx, userId, limits.max_tasks) : []),
    ctx.db.execute(sql`
      update task_instances set title = ${task.title}, description = ${task.description}, priority = ${task.priority},
        due_date = ${task.due_date}::timestamptz, estimated_duration = ${task.estimated_duration}::int, hidden = ${task.hidden},
        archived = ${task.archived}, version = ${task.version}, updated_at = ${stamp}::timestamptz
      where id = ${task.id} and user_id = ${userId} and ${taskUnchangedSql(current)}`),
    taskUpdatedGuard(ctx, userId, task.id),
    ...("tags" in changes ? setTaskTagsStatements(ctx, userId, task.id, task.tags, { fresh: false }) : []),
  ]);
  unit.emit({ type: "task.updated", task, changes });
  return task;
}
