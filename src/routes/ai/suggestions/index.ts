import { z } from "@hono/zod-openapi";
import { AI_SUGGESTION_STATUSES } from "../../../db/schema/ai";
import { confirmSuggestion, rejectSuggestion } from "../../../services/ai/suggestions/confirm";
import { getSuggestion, listSuggestions } from "../../../services/ai/suggestions/read";
import { dataEnvelope } from "../../define-route";
import type { AppRouter } from "../../router";
import { AUTHED_ERRORS, idempotencyHeaders, listEnvelope, uuidParam, WRITE_ERRORS } from "../../shared-schemas";
import { cursorParam, limitParam } from "../../tasks/list-query";
import { defineAiRoute } from "../define-ai-route";
import { confirmationSchema, confirmBody, suggestionSchema } from "./schemas";

const list = defineAiRoute({
  method: "get",
  path: "/ai/suggestions",
  tags: ["AI"],
  summary: "List AI suggestions",
  description: "docs/ai.md#confirmation: newest first, cursor pagination; `status` filters (a pending suggestion past its 24 h reads and filters as `expired`). One database round trip.",
  errors: [...AUTHED_ERRORS],
  request: {
    query: z.strictObject({
      status: z.enum(AI_SUGGESTION_STATUSES).optional().openapi({ description: "Only suggestions in this status, e.g. `pending`." }),
      limit: limitParam,
      cursor: cursorParam,
    }),
  },
  responses: { 200: { description: "A page of suggestions.", content: { "application/json": { schema: listEnvelope(suggestionSchema) } } } },
});

const get = defineAiRoute({
  method: "get",
  path: "/ai/suggestions/{id}",
  tags: ["AI"],
  summary: "An AI suggestion",
  description: "docs/ai.md#confirmation. Another user's suggestion → 404. One database round trip.",
  errors: [...AUTHED_ERRORS, "NOT_FOUND"],
  request: { params: uuidParam("The suggestion id.") },
  responses: { 200: { description: "The suggestion.", content: { "application/json": { schema: dataEnvelope(suggestionSchema) } } } },
});

const DIRECT_ERRORS = ["NOT_FOUND", "VERSION_CONFLICT", "TASK_ARCHIVED", "LIMIT_EXCEEDED", "SUGGESTION_NOT_PENDING"] as const;

const confirm = defineAiRoute({
  method: "post",
  path: "/ai/suggestions/{id}/confirm",
  tags: ["AI"],
  summary: "Confirm an AI suggestion",
  description:
    "docs/ai.md#confirmation: performs the proposed change through the direct endpoint's own service, as the user, recorded with `actor: ai` in the activity log, and answers what that endpoint answers (`result`, with its status: 201 for creations, 200 for update/complete) plus the suggestion, now `confirmed`. Optional `edits` (fields of the payload) are merged first and re-validated with the endpoint's schema (`400 VALIDATION_ERROR` naming `edits.<field>`). The endpoint's errors (limits, versions, archived task, a target that is gone) leave the suggestion pending. Already confirmed, rejected or expired → `409 SUGGESTION_NOT_PENDING`; of parallel confirms exactly one takes effect. Two database round trips. Requires `Idempotency-Key`.",
  errors: [...WRITE_ERRORS, ...DIRECT_ERRORS],
  request: {
    params: uuidParam("The suggestion id."),
    headers: idempotencyHeaders,
    body: { required: false, content: { "application/json": { schema: confirmBody } } },
  },
  responses: {
    200: { description: "Confirmed: an update or completion.", content: { "application/json": { schema: dataEnvelope(confirmationSchema) } } },
    201: { description: "Confirmed: something was created.", content: { "application/json": { schema: dataEnvelope(confirmationSchema) } } },
  },
});

const reject = defineAiRoute({
  method: "post",
  path: "/ai/suggestions/{id}/reject",
  tags: ["AI"],
  summary: "Reject an AI suggestion",
  description: "docs/ai.md#confirmation: discards it (`rejected`). Already confirmed, rejected or expired → `409 SUGGESTION_NOT_PENDING`. Requires `Idempotency-Key`.",
  errors: [...WRITE_ERRORS, "NOT_FOUND", "SUGGESTION_NOT_PENDING"],
  request: { params: uuidParam("The suggestion id."), headers: idempotencyHeaders },
  responses: { 200: { description: "The rejected suggestion.", content: { "application/json": { schema: dataEnvelope(suggestionSchema) } } } },
});

/** docs/ai.md#confirmation. Mounted after the AI gate (../gate.ts). */
export function mountAiSuggestions(router: AppRouter): void {
  router.openapi(list, async (c) => c.json(await listSuggestions({ ctx: c.get("services"), input: c.req.valid("query") }), 200));
  router.openapi(get, async (c) => c.json({ data: await getSuggestion({ ctx: c.get("services"), input: { id: c.req.valid("param").id } }) }, 200));
  router.openapi(confirm, async (c) => {
    // The body is optional: a confirm without edits may send none.
    const body = c.req.header("content-type")?.includes("json") ? c.req.valid("json") : {};
    const { status, confirmation } = await confirmSuggestion({ ctx: c.get("services"), input: { id: c.req.valid("param").id, edits: body.edits } });
    return status === 201 ? c.json({ data: confirmation }, 201) : c.json({ data: confirmation }, 200);
  });
  router.openapi(reject, async (c) => c.json({ data: await rejectSuggestion({ ctx: c.get("services"), input: { id: c.req.valid("param").id } }) }, 200));
}
