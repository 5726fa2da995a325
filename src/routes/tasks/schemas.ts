import { z } from "@hono/zod-openapi";
import { COMPLETED_BY, DESCRIPTION_MAX, SUBTASK_SOURCES, TASK_PRIORITIES, TITLE_MAX } from "../../db/schema/tasks";
import { REMINDER_CHANNELS, REMINDER_KINDS, REMINDER_STATUSES } from "../../db/schema/reminders";
import { TAG_NAME_MAX } from "../../db/schema/tags";
import { instantInput, storableText, versionSchema } from "../shared-schemas";

const instant = (description: string) => z.string().openapi({ format: "date-time", description, example: "2026-03-01T09:00:00.000Z" });

export const titleSchema = storableText(z.string().trim().min(1).max(TITLE_MAX)).openapi({ description: `1–${TITLE_MAX} characters (trimmed).`, example: "Write the quarterly report" });
export const descriptionSchema = storableText(z.string().max(DESCRIPTION_MAX)).openapi({ description: "≤ 1000 characters on the free plan, ≤ 2000 on Pro (configurable, docs/tasks.md).", example: "Numbers from the finance sheet." });
export const prioritySchema = z.enum(TASK_PRIORITIES).openapi({ description: "Default `medium`." });
export const dueDateSchema = instantInput().openapi({ description: "RFC 3339 instant; free plan: at most 30 days ahead (configurable).", example: "2026-03-05T17:00:00Z" });
export const durationSchema = z.number().int().min(1).max(720).openapi({ description: "Estimated minutes, 1–720.", example: 45 });
/** Needs the `u` flag for `\p{Cc}`; the document carries its source alone (JSON Schema patterns have no flags). */
export const TAG_NAME_PATTERN = /^[^,\p{Cc}]*$/u;
/**
 * Runtime accepts up to TAG_NAME_MAX + 100 raw characters (surrounding whitespace is trimmed away before the
 * service checks 1–TAG_NAME_MAX); the document states the limit that holds for a tag itself.
 */
export const tagNameSchema = z
  .string()
  .max(TAG_NAME_MAX + 100)
  .regex(TAG_NAME_PATTERN, "No commas or control characters.")
  .openapi({
    maxLength: TAG_NAME_MAX,
    pattern: TAG_NAME_PATTERN.source,
    description: `1–${TAG_NAME_MAX} characters after trimming; stored lowercased.`,
    example: "work",
  });
export const tagsSchema = z.array(tagNameSchema).max(10).openapi({ description: "At most 10 tags; normalised (trimmed, lowercased, de-duplicated).", example: ["work", "q1"] });

export const taskSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    description: z.string(),
    priority: z.enum(TASK_PRIORITIES),
    due_date: instant("Due instant or null.").nullable(),
    estimated_duration: z.number().int().nullable().openapi({ description: "Minutes, 1–720, or null." }),
    tags: z.array(z.string()).openapi({ description: "Sorted tag names." }),
    focus_time_seconds: z.number().int(),
    completed: z.boolean(),
    completed_at: instant("When it was completed.").nullable(),
    completed_by: z.enum(COMPLETED_BY).nullable().openapi({ description: "manual, auto (last subtask), force, or null while open." }),
    hidden: z.boolean(),
    archived: z.boolean().openapi({ description: "Archived tasks are read-only until un-archived." }),
    template_id: z.uuid().nullable(),
    occurrence_at: instant("The occurrence of a recurring template this task is.").nullable(),
    subtask_count: z.number().int(),
    subtasks_completed: z.number().int(),
    version: z.number().int().openapi({ description: "Optimistic-locking version (docs/conventions.md#optimistic-locking)." }),
    created_at: instant("Creation time."),
    updated_at: instant("Last change."),
  })
  .openapi("Task", {
    example: {
      id: "3f0a7c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b",
      title: "Write the quarterly report",
      description: "Numbers from the finance sheet.",
      priority: "high",
      due_date: "2026-03-05T17:00:00.000Z",
      estimated_duration: 45,
      tags: ["q1", "work"],
      focus_time_seconds: 0,
      completed: false,
      completed_at: null,
      completed_by: null,
      hidden: false,
      archived: false,
      template_id: null,
      occurrence_at: null,
      subtask_count: 2,
      subtasks_completed: 1,
      version: 3,
      created_at: "2026-03-01T09:00:00.000Z",
      updated_at: "2026-03-01T10:30:00.000Z",
    },
  });

export const subtaskSchema = z
  .object({
    id: z.uuid(),
    task_id: z.uuid(),
    title: z.string(),
    completed: z.boolean(),
    completed_at: instant("When it was completed.").nullable(),
    position: z.number().int().openapi({ description: "Display order within the task, from 0." }),
    source: z.enum(SUBTASK_SOURCES).openapi({ description: "`ai` when created from a confirmed AI suggestion." }),
    version: z.number().int(),
    created_at: instant("Creation time."),
    updated_at: instant("Last change."),
  })
  .openapi("Subtask", {
    example: {
      id: "8d3e1f2a-4b5c-4d6e-8f90-a1b2c3d4e5f6",
      task_id: "3f0a7c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b",
      title: "Collect the numbers",
      completed: false,
      completed_at: null,
      position: 0,
      source: "user",
      version: 1,
      created_at: "2026-03-01T09:05:00.000Z",
      updated_at: "2026-03-01T09:05:00.000Z",
    },
  });

export const reminderSchema = z
  .object({
    id: z.uuid(),
    task_id: z.uuid(),
    kind: z.enum(REMINDER_KINDS),
    remind_at: instant("When it fires (relative: due date + offset).").nullable(),
    offset_minutes: z.number().int().nullable(),
    channel: z.enum(REMINDER_CHANNELS),
    status: z.enum(REMINDER_STATUSES),
    sent_at: instant("When it fired (status `sent` or `failed`); null before.").nullable(),
    created_at: instant("Creation time."),
    updated_at: instant("Last change."),
  })
  .openapi("Reminder");

export const taskDetailSchema = taskSchema
  .extend({ subtasks: z.array(subtaskSchema), reminders: z.array(reminderSchema) })
  .openapi("TaskDetail");

export const achievementUnlockSchema = z
  .object({ id: z.string(), name: z.string(), description: z.string(), perk: z.object({ type: z.string(), value: z.number().int() }) })
  .openapi("UnlockedAchievement");

export const nextInstanceSchema = z
  .object({
    id: z.uuid().openapi({ description: "The id the instance has (or will have once the queue created it)." }),
    occurrence_at: instant("The occurrence (UTC)."),
    due_date: instant("The instance's due date: the occurrence."),
  })
  .openapi("NextInstance", {
    example: { id: "0b8f2c1e-6a7d-8e9f-a0b1-c2d3e4f5a6b7", occurrence_at: "2026-03-30T07:00:00.000Z", due_date: "2026-03-30T07:00:00.000Z" },
  });

export const completionResultSchema = z
  .object({
    task: taskSchema,
    unlocked_achievements: z.array(achievementUnlockSchema).openapi({ description: "Achievements unlocked by this request (docs/achievements-and-streaks.md)." }),
    // A union, not `.nullable()`: on a referenced schema that becomes `allOf: [$ref, {type: [object, null]}]`,
    // which still demands a Task; the union is `anyOf: [$ref, {type: null}]`.
    next_instance: z.union([nextInstanceSchema, z.null()]).openapi({
      description:
        "For an instance of a recurring template (docs/recurring.md): the instance this completion scheduled – it appears in `GET /tasks` once the `recurring` queue created it, with exactly this id. `null` for ordinary tasks and when the series has ended or is paused. Completing an instance twice, or in parallel, names the same next instance.",
    }),
  })
  .openapi("TaskCompletion");


/*
 * Request bodies of the task and subtask writes. They live here, not in the route files, because the AI
 * suggestions validate their payloads with exactly these schemas (services/ai/suggestions/actions.ts).
 */
export const createTaskBody = z
  .strictObject({
    title: titleSchema,
    description: descriptionSchema.optional(),
    priority: prioritySchema.optional(),
    due_date: dueDateSchema.nullable().optional(),
    estimated_duration: durationSchema.nullable().optional(),
    tags: tagsSchema.optional(),
    hidden: z.boolean().optional().openapi({ description: "Hidden tasks are left out of `GET /tasks` unless `hidden=true`." }),
  })
  .openapi("CreateTask", { example: { title: "Write the quarterly report", priority: "high", due_date: "2026-03-05T17:00:00Z", tags: ["work"] } });

export const updateTaskBody = z
  .strictObject({
    title: titleSchema.optional(),
    description: descriptionSchema.optional(),
    priority: prioritySchema.optional(),
    due_date: dueDateSchema.nullable().optional().openapi({ description: "null clears the due date." }),
    estimated_duration: durationSchema.nullable().optional().openapi({ description: "null clears the estimate." }),
    tags: tagsSchema.optional().openapi({ description: "Replaces the task's tags ([] removes all)." }),
    hidden: z.boolean().optional(),
    archived: z.boolean().optional().openapi({ description: "true archives (read-only); false un-archives – the only change an archived task accepts." }),
    version: versionSchema.optional(),
  })
  .openapi("UpdateTask", { example: { title: "Write the Q1 report", due_date: null, version: 3 } });

export const completionBody = z
  .strictObject({ version: versionSchema.optional() })
  .openapi("CompletionRequest", { description: "Optional: the version you read (or send If-Match); checked when given.", example: { version: 3 } });

export const createSubtaskBody = z.strictObject({ title: titleSchema }).openapi("CreateSubtask", { example: { title: "Collect the numbers" } });

