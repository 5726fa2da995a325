import type { FieldChanges } from "../../lib/patch";
import type { CompletedBy } from "../../db/schema/tasks";
import type { Subtask, Task } from "../tasks/present";
import type { UserView } from "../users/user-view";

/**
 * The domain events of tasks (docs/tasks.md, docs/recovery-and-activity.md). A service that changes data describes the change as events;
 * the handlers in ./handlers.ts turn them into more SQL for the same atomic batch (activity log now;
 * achievements, streaks, reminders, recurring generation later) and into after-commit work (real-time
 * fan-out later). Events carry the presented resources – exactly what the response says.
 */
export type DomainEvent =
  | { type: "task.created"; task: Task }
  | { type: "task.updated"; task: Task; changes: FieldChanges }
  | { type: "task.completed"; task: Task; completedBy: CompletedBy; changes: FieldChanges }
  | { type: "task.reopened"; task: Task; changes: FieldChanges }
  | { type: "task.deleted"; taskId: string; title: string; tombstoneId: string }
  | { type: "task.restored"; task: Task; tombstoneId: string }
  | { type: "subtask.created"; subtask: Subtask }
  | { type: "subtask.updated"; subtask: Subtask; changes: FieldChanges }
  | { type: "subtask.completed"; subtask: Subtask; changes: FieldChanges }
  | { type: "subtask.reopened"; subtask: Subtask; changes: FieldChanges }
  | { type: "subtask.deleted"; subtask: Subtask }
  | { type: "subtasks.reordered"; taskId: string; ids: string[] }
  | { type: "tag.deleted"; tagId: string; name: string }
  | { type: "user.updated"; user: UserView; changes: FieldChanges };

export type DomainEventType = DomainEvent["type"];
