import { sql } from "drizzle-orm";
import type { ActivityActor } from "../../db/schema/activity";
import type { ActivityEntry } from "../activity/list";
import type { WriteUnit } from "../unit-of-work";
import type { DomainEvent } from "./types";
import type { EventHandler } from "./handlers";

type ActivityRow = ActivityEntry & { user_id: string };

/**
 * docs/recovery-and-activity.md: what an event means in the activity log (entity, action, field diffs);
 * null for an event the log does not record (an unlock is the user's achievement, not a change of their data).
 */
function describe(event: DomainEvent): Pick<ActivityRow, "entity_type" | "entity_id" | "action" | "changes"> | null {
  switch (event.type) {
    case "task.created": {
      const { id: _id, version: _v, created_at: _c, updated_at: _u, ...fields } = event.task;
      return { entity_type: "task", entity_id: event.task.id, action: "created", changes: fromNothing(fields) };
    }
    case "task.updated":
      return { entity_type: "task", entity_id: event.task.id, action: "updated", changes: event.changes };
    case "task.completed":
      return { entity_type: "task", entity_id: event.task.id, action: "completed", changes: event.changes };
    case "task.reopened":
      return { entity_type: "task", entity_id: event.task.id, action: "reopened", changes: event.changes };
    case "task.deleted":
      return { entity_type: "task", entity_id: event.taskId, action: "deleted", changes: { tombstone_id: { from: null, to: event.tombstoneId } } };
    case "task.restored":
      return { entity_type: "task", entity_id: event.task.id, action: "restored", changes: { tombstone_id: { from: event.tombstoneId, to: null } } };
    case "subtask.created": {
      const { title, task_id, position, source } = event.subtask;
      return { entity_type: "subtask", entity_id: event.subtask.id, action: "created", changes: fromNothing({ task_id, title, position, source }) };
    }
    case "subtask.updated":
      return { entity_type: "subtask", entity_id: event.subtask.id, action: "updated", changes: event.changes };
    case "subtask.completed":
      return { entity_type: "subtask", entity_id: event.subtask.id, action: "completed", changes: event.changes };
    case "subtask.reopened":
      return { entity_type: "subtask", entity_id: event.subtask.id, action: "reopened", changes: event.changes };
    case "subtask.deleted":
      return { entity_type: "subtask", entity_id: event.subtask.id, action: "deleted", changes: { title: { from: event.subtask.title, to: null } } };
    case "subtasks.reordered":
      return { entity_type: "task", entity_id: event.taskId, action: "subtasks_reordered", changes: { subtask_order: { from: null, to: event.ids } } };
    case "note.created": {
      const { id: _id, version: _v, created_at: _c, updated_at: _u, ...fields } = event.note;
      return { entity_type: "note", entity_id: event.note.id, action: "created", changes: fromNothing(fields) };
    }
    case "note.updated":
      return { entity_type: "note", entity_id: event.note.id, action: "updated", changes: event.changes };
    case "note.deleted":
      return { entity_type: "note", entity_id: event.noteId, action: "deleted", changes: { tombstone_id: { from: null, to: event.tombstoneId } } };
    case "note.restored":
      return { entity_type: "note", entity_id: event.note.id, action: "restored", changes: { tombstone_id: { from: event.tombstoneId, to: null } } };
    case "note.converted":
      return { entity_type: "note", entity_id: event.note.id, action: "converted", changes: { ...event.changes, converted_task_id: { from: null, to: event.taskId } } };
    case "note.transcribed":
      return { entity_type: "note", entity_id: event.note.id, action: event.outcome === "done" ? "transcribed" : "transcription_failed", changes: event.changes };
    case "user.updated":
      return { entity_type: "user", entity_id: event.user.id, action: "updated", changes: event.changes };
    case "tag.deleted":
      return { entity_type: "tag", entity_id: event.tagId, action: "deleted", changes: { name: { from: event.name, to: null } } };
    case "achievement.unlocked":
    case "notification.created":
      return null;
    case "focus.ended":
      return {
        entity_type: "focus_session",
        entity_id: event.sessionId,
        action: event.status,
        changes: { elapsed_seconds: { from: null, to: event.elapsedSeconds }, task_id: { from: null, to: event.taskId } },
      };
  }
}

function fromNothing(fields: Record<string, unknown>): Record<string, { from: null; to: unknown }> {
  return Object.fromEntries(Object.entries(fields).map(([field, value]) => [field, { from: null, to: value }]));
}

/** Whose log it is (the write's user) and who acted (user, ai, system job or webhook). */
function actorOf(unit: WriteUnit): { userId: string; type: ActivityActor } {
  const actor = unit.ctx.actor;
  if (actor.type === "anonymous" || unit.userId === undefined) throw new Error("a write without a user has no activity log to write to");
  return { userId: unit.userId, type: actor.type };
}

/**
 * The activity log (docs/recovery-and-activity.md) as an event handler: one multi-row INSERT in the same
 * batch as the change, so an entry exists exactly when the change committed. Ids and times come from the
 * Worker so a single request's entries are ordered by the order of its events (created_at plus a
 * microsecond each).
 */
export const activityLogHandler: EventHandler = {
  name: "activity_log",
  open: (unit) => (events) => {
    const described = events.flatMap((event) => describe(event) ?? []);
    if (described.length === 0) return;
    const ctx = unit.ctx;
    const actor = actorOf(unit);
    const base = ctx.clock.now().getTime();
    const rows: ActivityRow[] = described.map((description, index) => ({
      id: crypto.randomUUID(),
      user_id: actor.userId,
      actor: actor.type,
      request_id: ctx.requestId.slice(0, 128),
      // Same millisecond for the whole request; the microsecond suffix keeps the events' order.
      created_at: `${new Date(base).toISOString().slice(0, 23)}${String(index).padStart(3, "0")}Z`,
      ...description,
    }));
    unit.write(
      ctx.db.execute(sql`
        insert into activity_log (id, user_id, entity_type, entity_id, action, actor, changes, request_id, created_at)
        select r.id, r.user_id, r.entity_type, r.entity_id, r.action, r.actor, r.changes, r.request_id, r.created_at
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id uuid, user_id uuid, entity_type text,
          entity_id uuid, action text, actor text, changes jsonb, request_id text, created_at timestamptz)`),
    );
  },
};
