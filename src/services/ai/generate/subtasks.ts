/**
 * docs/ai.md "Subtask generator": `POST /ai/tasks/{id}/subtasks`. The SubtaskGenerator agent answers
 * structured output (a zod `outputType`); the answer becomes ONE stored suggestion of kind `subtasks`,
 * which the user confirms (`POST /ai/suggestions/{id}/confirm`) – nothing is written to the task here.
 *
 * Never more suggestions than the task's free subtask slots: the slots are counted in round trip 1 (the
 * plan's per-task limit with perks, minus the task's subtasks); no free slot → 409 LIMIT_EXCEEDED before
 * anything is charged; the model is told the number and anything beyond it is cut off.
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import { ApiError, LimitExceeded } from "../../../errors/api-error";
import type { ServiceContext } from "../../context";
import { limitsColumns, limitsPerksJoin, toUserLimits, type LimitsRow } from "../../limits/read-limits";
import { checkTaskWritable, taskForWriteStatement } from "../../tasks/write-support";
import type { Task } from "../../tasks/present";
import { requireUserId } from "../../users/get-me";
import { addSuggestion } from "../suggestions/store";
import { runChargedAiCall, type Charged } from "../charged-call";
import { ModelFailure, runStructured } from "../model";
import { DATA_RULE, quoteUserData, summarise, todayLine } from "./prompt";

export interface GeneratedSubtasks extends Charged {
  suggestion_id: string;
  suggestions: { title: string }[];
}

/** What the model answers (strict structured output: every field required). */
const answerSchema = z.object({
  subtasks: z.array(z.object({ title: z.string().describe("A concrete, actionable step, at most 200 characters.") })),
});

interface Prepared {
  task: Task;
  slots: number;
  timezone: string;
}

export async function generateSubtasks({ ctx, input }: { ctx: ServiceContext; input: { taskId: string; hint?: string } }): Promise<GeneratedSubtasks> {
  const userId = requireUserId(ctx);
  return runChargedAiCall<Prepared, { title: string }[], GeneratedSubtasks>(ctx, {
    kind: "subtasks",
    operation: "ai.subtasks",
    reason: "ai_subtasks",
    credits: ctx.config.AI_CREDIT_SUBTASK,
    countTaskId: input.taskId,
    status: 201,
    prepare(unit) {
      const taskRows = unit.read(taskForWriteStatement(unit.ctx, userId, input.taskId));
      const userRows = unit.read(userStatement(unit.ctx, userId));
      return () => {
        const task = checkTaskWritable(taskRows.result.rows[0]?.task, undefined);
        const user = userRows.result.rows[0];
        const { limits } = toUserLimits(unit.ctx, user);
        const slots = limits.max_subtasks - task.subtask_count;
        if (slots <= 0) throw new LimitExceeded("subtasks on this task", limits.max_subtasks, task.subtask_count);
        if (task.completed) throw new ApiError("VALIDATION_ERROR", { message: "The task is completed; reopen it to plan more steps.", details: [{ field: "path.id", reason: "The task is completed." }] });
        return { task, slots, timezone: user?.timezone ?? "UTC" };
      };
    },
    summary: ({ task, slots }) => `subtasks for "${summarise(task.title)}" (${slots} free slots)${input.hint === undefined ? "" : ` hint: ${summarise(input.hint, 80)}`}`,
    async call({ task, slots, timezone }, run) {
      const agent = new run.sdk.Agent({
        name: "SubtaskGenerator",
        instructions: [
          "You break one task of a personal task manager into concrete, actionable subtasks, in the order they should be done.",
          `Propose between 1 and ${slots} subtasks (the task has room for ${slots} more). Each title is short (at most 200 characters), starts with a verb and is in the language of the task.`,
          DATA_RULE,
          todayLine(ctx.clock.now(), timezone),
        ].join("\n"),
        outputType: answerSchema,
      });
      const { output, usage } = await runStructured(run, agent, quoteUserData({ task_title: task.title, task_description: task.description, user_hint: input.hint }));
      const parsed = answerSchema.safeParse(output);
      if (!parsed.success) throw new ModelFailure("failure", "The model's answer did not fit the subtask schema.");
      return { result: parsed.data.subtasks, usage };
    },
    finish(unit, { task, slots }, proposed, ticket) {
      const titles = proposed
        .map((item) => item.title.trim().slice(0, 200))
        .filter((title) => title.length > 0)
        .slice(0, slots);
      if (titles.length === 0) throw new ModelFailure("failure", "The model proposed no subtasks.");
      const subtasks = titles.map((title) => ({ title }));
      const outcome = addSuggestion(unit, { kind: "subtasks", taskId: task.id, payload: { subtasks }, interactionId: ticket.interactionId });
      if (!outcome.stored) throw new ModelFailure("failure", `The model's subtasks were not usable (${outcome.reason}).`);
      return { suggestion_id: outcome.suggestion.id, suggestions: subtasks, ...ticket.charged };
    },
    output: (proposed) => ({ subtasks: proposed }),
    links: ({ task }) => ({ taskId: task.id }),
  });
}

/** The limits row plus the user's zone (round trip 1), from the same columns as every limit check. */
export function userStatement(ctx: ServiceContext, userId: string) {
  return ctx.db.execute<LimitsRow & { timezone: string }>(sql`select ${limitsColumns}, u.timezone from users u ${limitsPerksJoin} where u.id = ${userId}`);
}
