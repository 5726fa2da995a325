import type { FieldChanges } from "../../lib/patch";
import type { CompletedBy } from "../../db/schema/tasks";
import type { FocusStatus } from "../../db/schema/focus";
import type { UnlockedAchievement } from "../response-fields";
import type { Subtask, Task } from "../tasks/present";
import type { UserView } from "../users/user-view";
import type { Notification } from "../notifications/present";
import type { Note } from "../notes/present";

/**
 * The domain events of tasks (docs/tasks.md, docs/recovery-and-activity.md). A service that changes data describes the change as events;
 * the handlers in ./handlers.ts turn them into more SQL for the same atomic batch (activity log now;
 * achievements, streaks, reminders, recurring generation later) and into after-commit work (real-time
 * fan-out later). Events carry the presented resources – exactly what the response says.
 */
export type DomainEvent =
  | { type: "task.created"; task: Task }
  | { type: "task.updated"; task: Task; changes: FieldChanges }
  /**
   * `firstCompletion`: the task had never been completed before (docs/achievements-and-streaks.md): only
   * then does it count toward the lifetime completions.
   */
  | { type: "task.completed"; task: Task; completedBy: CompletedBy; firstCompletion: boolean; changes: FieldChanges }
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
  /** docs/notes-and-voice.md notes (a note deleted or restored with its task is part of the task's events). */
  | { type: "note.created"; note: Note }
  | { type: "note.updated"; note: Note; changes: FieldChanges }
  | { type: "note.deleted"; noteId: string; tombstoneId: string }
  | { type: "note.restored"; note: Note; tombstoneId: string }
  /**
   * docs/ai.md#confirmation: a confirmed AI note conversion created `taskId` from the note, linked and archived
   * it (`note` is the note after that). Counts toward the `notes_converted_*` achievements.
   */
  | { type: "note.converted"; note: Note; taskId: string; changes: FieldChanges }
  /** A batch transcription appended its transcript (or failed: `changes` says which). */
  | { type: "note.transcribed"; note: Note; changes: FieldChanges; outcome: "done" | "failed" }
  | { type: "user.updated"; user: UserView; changes: FieldChanges }
  /** A focus session ended (by the user or, `abandoned`, by the minute sweep); docs/reminders-notifications-realtime.md. */
  /** docs/achievements-and-streaks.md: written by the achievements handler in the batch that unlocks it. */
  | { type: "achievement.unlocked"; achievement: UnlockedAchievement }
  | { type: "focus.ended"; sessionId: string; taskId: string | null; status: Exclude<FocusStatus, "running">; elapsedSeconds: number }
  /**
   * An in-app notification was written in this batch (a reminder firing, an achievement, a subscription
   * change): the real-time stream sends it as `notification.created` (docs/reminders-notifications-realtime.md).
   */
  | { type: "notification.created"; notification: Notification };

export type DomainEventType = DomainEvent["type"];
