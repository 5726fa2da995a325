import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { ApiError, LimitExceeded, NotFound, VersionConflict } from "../errors/api-error";
import { focusSessionRunning, presentFocusSession, type FocusSessionRecord } from "./focus/present";
import { presentSubtask, presentTask, type SubtaskRecord, type TaskRecord } from "./tasks/present";
import { toUserView, type UserRow } from "./users/user-view";
import { presentTemplate, type TemplateRecord } from "./recurring/present";
import { AlreadyGenerated } from "./recurring/errors";
import { ReminderMoved } from "./reminders/errors";
import { presentNote, type NoteRecord } from "./notes/present";

/**
 * Write guards (docs/write-protocol.md "Guards"): a condition a concurrent request could break between a
 * write's read and its commit is a `perpetua_guard(ok, code, details)` call inside the commit batch
 * (migration 0009, SQLSTATE PFG01); a failure aborts the whole batch. This is the ONE table from guard code
 * to what it means for the request: a domain error built from the guard's typed `details`, or a re-run of
 * the write on fresh reads (`retry`) when the batch lost a race it can recover from. `runWrite` applies it,
 * so no service catches guard errors itself.
 */
interface GuardEntry<D> {
  details: z.ZodType<D>;
  /** The domain error the failed guard stands for (none: the write is re-run, or it is handled by the unit). */
  error?: (details: D) => Error;
  /** Re-run the write on fresh reads (bounded, services/unit-of-work.ts WRITE_ATTEMPTS). */
  retry?: boolean;
}

/** A row the guard's own SQL built (`to_jsonb` of the table's row): checked to be a row with an id. */
const row = <T>() => z.custom<T>((value) => typeof value === "object" && value !== null && "id" in value && typeof value.id === "string");
const taskRecord = row<TaskRecord>();
const subtaskRecord = row<SubtaskRecord>();
const userRow = row<UserRow>();
const focusSessionRecord = row<FocusSessionRecord>();
const templateRecord = row<TemplateRecord>();
const noteRecord = row<NoteRecord>();
const limitDetails = z.object({ limit: z.coerce.number(), current: z.coerce.number() });
const none = z.unknown();

interface Meaning {
  error?: Error;
  retry: boolean;
}

/** A table entry: parses the guard's details with its own schema before building its error. */
function entry<D>(spec: GuardEntry<D>): (failure: GuardFailed) => Meaning {
  return (failure) => {
    if (spec.retry) return { retry: true };
    if (!spec.error) return { retry: false };
    const details = spec.details.safeParse(failure.details);
    if (!details.success) return { error: new Error(`guard ${failure.code} raised malformed details`, { cause: failure }), retry: false };
    return { error: spec.error(details.data), retry: false };
  };
}

const GUARDS = {
  /** The idempotency record's own guard: the unit answers with the record that won (services/unit-of-work.ts). */
  IDEMPOTENCY_KEY_TAKEN: entry({ details: none }),
  TASK_VERSION_CONFLICT: entry({
    details: z.object({ current: taskRecord.nullable() }),
    error: ({ current }) => (current === null ? new NotFound("Task") : new VersionConflict(presentTask(current))),
  }),
  SUBTASK_VERSION_CONFLICT: entry({
    details: z.object({ current: subtaskRecord.nullable() }),
    error: ({ current }) => (current === null ? new NotFound("Subtask") : new VersionConflict(presentSubtask(current))),
  }),
  /** A reorder whose subtask list changed meanwhile: 409 with the current list. */
  SUBTASK_SET_CHANGED: entry({
    details: z.object({ current: z.array(subtaskRecord).nullable() }),
    error: ({ current }) => new VersionConflict((current ?? []).map(presentSubtask)),
  }),
  USER_VERSION_CONFLICT: entry({
    details: z.object({ current: userRow.nullable() }),
    error: ({ current }) => (current === null ? new NotFound("User") : new VersionConflict(toUserView(current))),
  }),
  /**
   * A template changed since the client read it (docs/recurring.md): 409 with the template as it is now in
   * `details.current`.
   */
  TEMPLATE_VERSION_CONFLICT: entry({
    details: z.object({ current: templateRecord.nullable() }),
    error: ({ current }) => (current === null ? new NotFound("Template") : new VersionConflict(presentTemplate(current))),
  }),
  TEMPLATE_LIMIT: entry({ details: limitDetails, error: ({ limit, current }) => new LimitExceeded("recurring templates", limit, current) }),
  /** A generate message whose occurrence exists already (a redelivery, a parallel consumer): the consumer acks. */
  RECURRING_ALREADY_GENERATED: entry({ details: none, error: () => new AlreadyGenerated() }),
  /** Reopening an instance while another instance of its template is open (docs/recurring.md). */
  OPEN_INSTANCE_LIMIT: entry({ details: limitDetails, error: ({ limit, current }) => new LimitExceeded("open instances of this recurring template", limit, current) }),
  ACTIVE_TASK_LIMIT: entry({ details: limitDetails, error: ({ limit, current }) => new LimitExceeded("active tasks", limit, current) }),
  SUBTASK_LIMIT: entry({ details: limitDetails, error: ({ limit, current }) => new LimitExceeded("subtasks on this task", limit, current) }),
  /** docs/reminders-notifications-realtime.md#reminders: ≤ 5 per task, counted after the task row's lock. */
  REMINDER_LIMIT: entry({ details: limitDetails, error: ({ limit, current }) => new LimitExceeded("reminders on this task", limit, current) }),
  /** A fire message lost its reminder between read and commit (a parallel delivery fired it, or it changed): the consumer acks. */
  REMINDER_MOVED: entry({ details: none, error: () => new ReminderMoved() }),
  REMINDER_NOT_FOUND: entry({ details: none, error: () => new NotFound("Reminder") }),
  TASK_NOT_FOUND: entry({ details: none, error: () => new NotFound("Task") }),
  TAG_NOT_FOUND: entry({ details: none, error: () => new NotFound("Tag") }),
  PUSH_SUBSCRIPTION_NOT_FOUND: entry({ details: none, error: () => new NotFound("Push subscription") }),
  TOMBSTONE_NOT_FOUND: entry({ details: none, error: () => new NotFound("Tombstone") }),
  TASK_ARCHIVED: entry({ details: none, error: () => new ApiError("TASK_ARCHIVED") }),
  /** A start lost to a session already running (the unique partial index): 409 with that session. */
  FOCUS_SESSION_RUNNING: entry({
    details: z.object({ session: focusSessionRecord }),
    error: ({ session }) => focusSessionRunning(presentFocusSession(session)),
  }),
  TOMBSTONE_EXPIRED: entry({
    details: none,
    error: () => new ApiError("TOMBSTONE_EXPIRED", { message: "This deletion can no longer be undone (7 days, 3 most recent)." }),
  }),
  /** A credit consumption found fewer usable credits than it needs (perpetua_consume_credits, migration 0011). */
  INSUFFICIENT_CREDITS: entry({
    details: z.object({ required: z.coerce.number(), available: z.coerce.number() }),
    error: ({ required, available }) => new ApiError("INSUFFICIENT_CREDITS", { message: `This needs ${required} AI credits; ${available} available.`, details: { required, available } }),
  }),
  /** docs/notes-and-voice.md: a note changed since the client read it → 409 with the note as it is now. */
  NOTE_VERSION_CONFLICT: entry({
    details: z.object({ current: noteRecord.nullable() }),
    error: ({ current }) => (current === null ? new NotFound("Note") : new VersionConflict(presentNote(current))),
  }),
  NOTE_NOT_FOUND: entry({ details: none, error: () => new NotFound("Note") }),
  /** Notes per task (free 10 + perks), counted after the task row's lock. */
  NOTE_LIMIT: entry({ details: limitDetails, error: ({ limit, current }) => new LimitExceeded("notes on this task", limit, current) }),
  /** Standalone notes (free 50 + perks), counted after the users row's lock. */
  STANDALONE_NOTE_LIMIT: entry({ details: limitDetails, error: ({ limit, current }) => new LimitExceeded("standalone notes", limit, current) }),
  /**
   * A claim on an Idempotency-Key (a transcription, an AI call: idempotency/records.ts claimInBatchStatement)
   * lost to a duplicate that claimed (or completed) it between round trips: 409, a retry then replays.
   */
  KEY_CLAIM_LOST: entry({
    details: none,
    error: () => new ApiError("IDEMPOTENCY_IN_PROGRESS", { message: "A request with this Idempotency-Key is still being processed; retry shortly.", headers: { "Retry-After": "1" } }),
  }),
  /** docs/ai.md#confirmation: the suggestion was confirmed, rejected or expired between read and commit (a parallel confirm won). */
  SUGGESTION_NOT_PENDING: entry({ details: none, error: () => new ApiError("SUGGESTION_NOT_PENDING") }),
  /** A note conversion lost to another one (the note's `converted_at` was set meanwhile): 409 with the note as it is. */
  NOTE_ALREADY_CONVERTED: entry({
    details: z.object({ current: noteRecord.nullable() }),
    error: ({ current }) =>
      current === null ? new NotFound("Note") : new ApiError("VERSION_CONFLICT", { message: "The note was already converted into a task.", details: { current: presentNote(current) } }),
  }),
  /** The state a write's response was computed from changed under it (e.g. a task's subtask counters). */
  STATE_MOVED: entry({ details: none, retry: true }),
} as const;

export type GuardCode = keyof typeof GUARDS;

/**
 * A guard as SQL: true when `passed` holds, else `perpetua_guard` aborts the statement with `code` and `details`.
 * Only codes of the table above can be raised. `details` is evaluated only when the guard fails: a function's
 * arguments are all evaluated before it runs, and most details are a subquery (the current row as JSON, a count),
 * which every passing write would otherwise execute for nothing; a CASE branch runs only when it is taken.
 */
export function guard(code: GuardCode, passed: SQL, details?: SQL): SQL {
  return sql`(case when ${passed} then true else perpetua_guard(false, ${code}, ${details ?? sql`null`}) end)`;
}

/** A failed `perpetua_guard` (SQLSTATE PFG01) as the driver reports it. */
export class GuardFailed extends Error {
  constructor(
    readonly code: string,
    readonly details: unknown,
  ) {
    super(`guard failed: ${code}`);
    this.name = "GuardFailed";
  }
}

/** Finds a guard failure in a driver error or its causes. */
export function guardFailure(error: unknown): GuardFailed | undefined {
  if (error instanceof GuardFailed) return error;
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if ("code" in current && current.code === "PFG01") {
      const detail = "detail" in current && typeof current.detail === "string" ? current.detail : undefined;
      return new GuardFailed(current.message, parseDetails(detail));
    }
  }
  return undefined;
}

/** What a failed guard means: its domain error, or a re-run. An unknown code or bad details is a bug. */
export function guardError(failure: GuardFailed): Meaning {
  if (!isGuardCode(failure.code)) return { error: new Error(`unknown write guard ${failure.code}`, { cause: failure }), retry: false };
  return GUARDS[failure.code](failure);
}

function isGuardCode(code: string): code is GuardCode {
  return Object.hasOwn(GUARDS, code);
}

function parseDetails(detail: string | undefined): unknown {
  if (detail === undefined) return null;
  try {
    return JSON.parse(detail);
  } catch {
    return null;
  }
}
