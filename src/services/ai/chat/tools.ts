/**
 * docs/ai.md "Assistant tools": what the assistant may look at, and its one way to propose a change.
 *
 * Every read tool calls the same service as the HTTP API with the caller's own ServiceContext, so a tool
 * sees exactly what `GET /tasks` etc. would show this user – another user's id reads as "not found". No tool
 * writes user data: `suggest_action` stores a suggestion (validated against the direct endpoint's schema,
 * its target checked to be the caller's) that the user confirms or rejects.
 */
import { z } from "zod";
import type { Tool } from "@openai/agents";
import { ApiError } from "../../../errors/api-error";
import type { ServiceContext } from "../../context";
import { listNotes } from "../../notes/list";
import { listTemplates } from "../../recurring/read";
import { listTaskReminders } from "../../reminders/list";
import { getTask } from "../../tasks/get";
import { listTasks } from "../../tasks/list";
import type { Task } from "../../tasks/present";
import type { AiSdk } from "../../../ai-sdk";
import { addSuggestionNow } from "../suggestions/store";
import { CHAT_ACTION_TYPES, type Suggestion } from "../suggestions/types";

export interface ToolScope {
  ctx: ServiceContext;
  conversationId: string;
  interactionId: string;
  /** Called once a suggestion is stored, to send its `suggestion` event at once. */
  onSuggestion(suggestion: Suggestion): void;
}

/** What the model sees of a task: enough to reason and to name it in a proposal. */
function taskSummary(task: Task) {
  return {
    id: task.id,
    title: task.title,
    description: task.description.slice(0, 300),
    priority: task.priority,
    due_date: task.due_date,
    completed: task.completed,
    tags: task.tags,
    subtasks: `${task.subtasks_completed}/${task.subtask_count}`,
    version: task.version,
  };
}

/** A service's "not found" (another user's id, a made-up one) is an answer the model can act on, not a failure. */
async function orNotFound<T>(work: () => Promise<T>): Promise<T | { error: string }> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError && (error.code === "NOT_FOUND" || error.code === "VALIDATION_ERROR")) return { error: error.message };
    throw error;
  }
}

export function assistantTools(sdk: AiSdk, scope: ToolScope): Tool[] {
  const { ctx } = scope;
  return [
    sdk.tool({
      name: "list_tasks",
      description: "The user's tasks, most recently created first. Filter by words in title/description (q) and completion.",
      parameters: z.object({
        q: z.string().nullable().describe("Words to search for, or null."),
        completed: z.boolean().nullable().describe("true: only completed, false: only open, null: both."),
        limit: z.number().int().min(1).max(50).describe("At most this many (1–50)."),
      }),
      execute: async ({ q, completed, limit }) => {
        const page = await listTasks({
          ctx,
          input: { hidden: false, archived: false, sort: "created_at", limit, ...(q !== null && q.trim() !== "" && { q }), ...(completed !== null && { completed }) },
        });
        return { tasks: page.data.map(taskSummary), more: page.next_cursor !== null };
      },
    }),
    sdk.tool({
      name: "get_task",
      description: "One task of the user with its subtasks, reminders and tags.",
      parameters: z.object({ task_id: z.string().describe("The task's id.") }),
      execute: async ({ task_id }) =>
        orNotFound(async () => {
          if (!z.uuid().safeParse(task_id).success) return { error: "Task not found." };
          const task = await getTask({ ctx, input: { id: task_id } });
          return { ...taskSummary(task), subtask_list: task.subtasks.map((s) => ({ id: s.id, title: s.title, completed: s.completed })) };
        }),
    }),
    sdk.tool({
      name: "list_templates",
      description: "The user's recurring task templates (RRULE, zone, next occurrence).",
      parameters: z.object({}),
      execute: async () => {
        const page = await listTemplates({ ctx, input: { limit: 20 } });
        return { templates: page.data.map((t) => ({ id: t.id, title: t.title, rrule: t.rrule, timezone: t.timezone, active: t.active })) };
      },
    }),
    sdk.tool({
      name: "list_notes",
      description: "The user's notes, optionally of one task or matching words.",
      parameters: z.object({ task_id: z.string().nullable(), q: z.string().nullable() }),
      execute: async ({ task_id, q }) =>
        orNotFound(async () => {
          if (task_id !== null && !z.uuid().safeParse(task_id).success) return { error: "Task not found." };
          const page = await listNotes({ ctx, input: { archived: false, limit: 20, ...(task_id !== null && { task_id }), ...(q !== null && q.trim() !== "" && { q }) } });
          return { notes: page.data.map((n) => ({ id: n.id, task_id: n.task_id, content: n.content.slice(0, 500) })) };
        }),
    }),
    sdk.tool({
      name: "list_reminders",
      description: "The reminders of one task.",
      parameters: z.object({ task_id: z.string() }),
      execute: async ({ task_id }) =>
        orNotFound(async () => {
          if (!z.uuid().safeParse(task_id).success) return { error: "Task not found." };
          const reminders = await listTaskReminders({ ctx, input: { taskId: task_id } });
          return { reminders: reminders.map((r) => ({ id: r.id, remind_at: r.remind_at, offset_minutes: r.offset_minutes })) };
        }),
    }),
    sdk.tool({
      name: "suggest_action",
      description:
        "Propose ONE change for the user to confirm; nothing changes until they do. payload_json is a JSON object with the fields of the matching API request: " +
        "create_task {title, description?, priority?, due_date? (ISO instant), tags?}; update_task {task_id, version, …fields}; complete_task {task_id}; " +
        "add_subtasks {task_id, subtasks: [{title}]}; create_template {title, rrule (RFC 5545, e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;BYHOUR=16;BYMINUTE=0), timezone (IANA), dtstart (ISO instant)}; " +
        "create_reminder {task_id, remind_at (ISO instant)}; convert_note {note_id, title, description?, priority?, due_date?, subtasks?}.",
      parameters: z.object({
        action_type: z.enum(CHAT_ACTION_TYPES),
        payload_json: z.string().describe("The payload as a JSON object."),
      }),
      execute: async ({ action_type, payload_json }) => {
        let payload: unknown;
        try {
          payload = JSON.parse(payload_json);
        } catch {
          return { stored: false, reason: "payload_json is not valid JSON." };
        }
        const taskId = typeof payload === "object" && payload !== null && "task_id" in payload && typeof payload.task_id === "string" ? payload.task_id : undefined;
        const outcome = await addSuggestionNow(ctx, {
          kind: "chat_action",
          actionType: action_type,
          payload,
          conversationId: scope.conversationId,
          interactionId: scope.interactionId,
          ...(taskId !== undefined && { taskId }),
        });
        if (!outcome.stored) return { stored: false, reason: outcome.reason };
        scope.onSuggestion(outcome.suggestion);
        return { stored: true, suggestion_id: outcome.suggestion.id, note: "Shown to the user to confirm." };
      },
    }),
  ];
}
