import { changeCompletion, type CompletionAction } from "../../services/tasks/complete";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { completionBody, completionResultSchema } from "./schemas";
import { uuidParam, WRITE_ERRORS, writeHeaders } from "../shared-schemas";

const OPERATIONS: Record<CompletionAction, { path: string; summary: string; description: string }> = {
  complete: {
    path: "/tasks/{id}/complete",
    summary: "Complete a task",
    description:
      "docs/tasks.md: `completed_by: manual`. Completing a completed task changes nothing and answers it as it is. Open subtasks stay open (use force-complete to close them too).",
  },
  reopen: {
    path: "/tasks/{id}/reopen",
    summary: "Reopen a completed task",
    description: "docs/tasks.md: clears completion; subtasks keep their state. The task becomes active again, so the active-task limit applies (`409 LIMIT_EXCEEDED`).",
  },
  force_complete: {
    path: "/tasks/{id}/force-complete",
    summary: "Complete a task and all its open subtasks",
    description: "docs/tasks.md: completes every open subtask and the task (`completed_by: force`) in one atomic step.",
  },
};

function completionRoute(action: CompletionAction) {
  const operation = OPERATIONS[action];
  return defineRoute({
    method: "post",
    path: operation.path,
    tags: ["Tasks"],
    summary: operation.summary,
    unitOfWork: true,
    description: `${operation.description} \`version\` (body or \`If-Match\`) is optional; a stale one answers \`409 VERSION_CONFLICT\`. Archived tasks → \`409 TASK_ARCHIVED\`. Answers \`{task, unlocked_achievements, next_instance}\`. Requires \`Idempotency-Key\`.`,
    errors: [...WRITE_ERRORS, "NOT_FOUND", "VERSION_CONFLICT", "TASK_ARCHIVED", ...(action === "reopen" ? (["LIMIT_EXCEEDED"] as const) : [])],
    request: {
      params: uuidParam("The task id."),
      headers: writeHeaders,
      body: { required: false, content: { "application/json": { schema: completionBody } } },
    },
    responses: {
      200: { description: "The task after the change.", content: { "application/json": { schema: dataEnvelope(completionResultSchema) } } },
    },
  });
}

function registerCompletion(router: AppRouter, action: CompletionAction): void {
  router.openapi(completionRoute(action), async (c) => {
    // The body is optional: a POST without one has no version to check.
    const body = c.req.header("content-type")?.includes("json") ? c.req.valid("json") : {};
    const result = await changeCompletion({
      ctx: c.get("services"),
      input: { id: c.req.valid("param").id, action, version: body.version, ifMatch: c.req.valid("header")["if-match"] },
    });
    return c.json({ data: result }, 200);
  });
}

export const registerCompleteTask = (router: AppRouter) => registerCompletion(router, "complete");
export const registerReopenTask = (router: AppRouter) => registerCompletion(router, "reopen");
export const registerForceCompleteTask = (router: AppRouter) => registerCompletion(router, "force_complete");
