import { checkGuard } from "../../../durable-objects/user-guard/client";
import { ApiError } from "../../errors/api-error";
import type { ServiceContext } from "../context";

/**
 * docs/ai.md per-task AI limit within one login session (`sid`): from the AI_TASK_WARN_AT-th request on the
 * same task the answer carries `ai_request_warning: true`; past AI_TASK_BLOCK_AFTER it is refused with
 * 429 AI_TASK_LIMIT_REACHED. A new session starts at zero. Counted in the user's UserGuard (one RPC).
 */
export async function countAiTaskRequest({ ctx, input }: { ctx: ServiceContext; input: { taskId: string } }): Promise<{ count: number; warning: boolean }> {
  const actor = ctx.actor;
  if (actor.type !== "user" && actor.type !== "ai") throw new ApiError("UNAUTHORIZED");
  const decision = await checkGuard(ctx.env, { kind: "user", userId: actor.userId }, [], ctx.clock.now(), {
    sessionId: actor.sessionId,
    taskId: input.taskId,
    warnAt: ctx.config.AI_TASK_WARN_AT,
    blockAfter: ctx.config.AI_TASK_BLOCK_AFTER,
  });
  const ai = decision.ai;
  if (!ai) throw new Error("UserGuard answered without the AI counter");
  if (ai.blocked) {
    throw new ApiError("AI_TASK_LIMIT_REACHED", {
      message: `You have made ${ctx.config.AI_TASK_BLOCK_AFTER} AI requests on this task in this session.`,
      details: { limit: ctx.config.AI_TASK_BLOCK_AFTER, count: ai.count },
    });
  }
  return { count: ai.count, warning: ai.warn };
}
