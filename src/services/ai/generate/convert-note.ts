/**
 * docs/ai.md "Note converter": `POST /ai/notes/{id}/convert`. The NoteConverter agent turns a note into one
 * task proposal `{title, description, priority, due_date, subtasks}` (structured output), stored as ONE
 * suggestion of kind `note_convert`; confirming it creates the task, links and archives the note
 * (suggestions/convert-note.ts). A note already converted → 409 before anything is charged.
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import { ApiError, NotFound } from "../../../errors/api-error";
import type { ServiceContext } from "../../context";
import { toUserLimits } from "../../limits/read-limits";
import { noteJsonSql, presentNote, type Note, type NoteRecord } from "../../notes/present";
import { requireUserId } from "../../users/get-me";
import { runChargedAiCall, type Charged } from "../charged-call";
import { ModelFailure, runStructured } from "../model";
import { addSuggestion } from "../suggestions/store";
import { DATA_RULE, quoteUserData, summarise, todayLine } from "./prompt";
import { userStatement } from "./subtasks";

export interface TaskProposal {
  title: string;
  description: string;
  priority: "low" | "medium" | "high";
  due_date: string | null;
  subtasks: { title: string }[];
}

export interface ConvertedNote extends Charged {
  suggestion_id: string;
  suggestion: TaskProposal;
}

const answerSchema = z.object({
  title: z.string().describe("The task's title, at most 200 characters."),
  description: z.string().describe("What the note says that the title does not, at most 1000 characters; empty when nothing is left."),
  priority: z.enum(["low", "medium", "high"]),
  due_date: z.string().nullable().describe("An ISO 8601 instant with offset when the note names a deadline, else null."),
  subtasks: z.array(z.object({ title: z.string() })).describe("Concrete steps the note lists, possibly none."),
});

interface Prepared {
  note: Note;
  maxSubtasks: number;
  maxDescription: number;
  timezone: string;
}

export async function convertNoteWithAi({ ctx, input }: { ctx: ServiceContext; input: { noteId: string } }): Promise<ConvertedNote> {
  const userId = requireUserId(ctx);
  return runChargedAiCall<Prepared, TaskProposal, ConvertedNote>(ctx, {
    kind: "note_convert",
    operation: "ai.note_convert",
    reason: "ai_note_convert",
    credits: ctx.config.AI_CREDIT_CONVERSION,
    status: 201,
    prepare(unit) {
      const noteRows = unit.read(
        unit.ctx.db.execute<{ note: NoteRecord; converted: boolean; task_archived: boolean | null }>(sql`
          select ${noteJsonSql("n")} as note, n.converted_at is not null as converted, t.archived as task_archived
          from notes n left join task_instances t on t.id = n.task_id and t.user_id = n.user_id
          where n.id = ${input.noteId} and n.user_id = ${userId}`),
      );
      const userRows = unit.read(userStatement(unit.ctx, userId));
      return () => {
        const row = noteRows.result.rows[0];
        if (row === undefined) throw new NotFound("Note");
        const note = presentNote(row.note);
        if (row.converted) throw new ApiError("VERSION_CONFLICT", { message: "The note was already converted into a task.", details: { current: note } });
        if (row.task_archived === true) throw new ApiError("TASK_ARCHIVED", { message: "The note's task is archived; un-archive the task first." });
        if (note.content.trim() === "") {
          throw new ApiError("VALIDATION_ERROR", { message: "The note is empty: there is nothing to convert.", details: [{ field: "path.id", reason: "The note has no content." }] });
        }
        const user = userRows.result.rows[0];
        const { tier, limits } = toUserLimits(unit.ctx, user);
        const maxDescription = tier === "pro" ? ctx.config.PRO_DESCRIPTION_MAX : ctx.config.FREE_DESCRIPTION_MAX;
        return { note, maxSubtasks: limits.max_subtasks, maxDescription, timezone: user?.timezone ?? "UTC" };
      };
    },
    summary: ({ note }) => `convert note "${summarise(note.content)}"`,
    async call({ note, maxSubtasks, maxDescription, timezone }, run) {
      const agent = new run.sdk.Agent({
        name: "NoteConverter",
        instructions: [
          "You turn one note of a personal task manager into a single task.",
          `Title: what has to be done, at most 200 characters. Description: the rest of what matters, at most ${maxDescription} characters. Priority: high only when the note says it is urgent or important, low when it says it can wait, else medium.`,
          "due_date: only when the note names a deadline; an ISO 8601 instant with offset in the user's time zone (a day without a time means 09:00 local); otherwise null.",
          `subtasks: the concrete steps the note lists, at most ${maxSubtasks}; none when it lists none.`,
          DATA_RULE,
          todayLine(ctx.clock.now(), timezone),
        ].join("\n"),
        outputType: answerSchema,
      });
      const { output, usage } = await runStructured(run, agent, quoteUserData({ note: note.content }));
      const parsed = answerSchema.safeParse(output);
      if (!parsed.success) throw new ModelFailure("failure", "The model's answer did not fit the task schema.");
      return { result: parsed.data, usage };
    },
    finish(unit, { note, maxSubtasks, maxDescription }, answer, ticket) {
      const title = answer.title.trim().slice(0, 200);
      if (title === "") throw new ModelFailure("failure", "The model proposed a task without a title.");
      const suggestion: TaskProposal = {
        title,
        description: answer.description.trim().slice(0, maxDescription),
        priority: answer.priority,
        due_date: answer.due_date,
        subtasks: answer.subtasks
          .map((item) => ({ title: item.title.trim().slice(0, 200) }))
          .filter((item) => item.title !== "")
          .slice(0, maxSubtasks),
      };
      const outcome = addSuggestion(unit, { kind: "note_convert", noteId: note.id, payload: suggestion, interactionId: ticket.interactionId });
      if (!outcome.stored) throw new ModelFailure("failure", `The model's task was not usable (${outcome.reason}).`);
      return { suggestion_id: outcome.suggestion.id, suggestion, ...ticket.charged };
    },
    output: (answer) => answer,
    links: ({ note }) => ({ noteId: note.id, taskId: note.task_id }),
  });
}
