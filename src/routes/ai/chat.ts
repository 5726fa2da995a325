import { z } from "@hono/zod-openapi";
import { startChat, SSE_HEADERS } from "../../services/ai/chat/chat";
import { deleteConversation, getConversation, listConversations } from "../../services/ai/chat/conversations";
import { dataEnvelope } from "../define-route";
import type { AppRouter } from "../router";
import { AUTHED_ERRORS, idempotencyHeaders, listEnvelope, uuidParam, WRITE_ERRORS } from "../shared-schemas";
import { cursorParam, limitParam } from "../tasks/list-query";
import { defineAiRoute } from "./define-ai-route";

const chatBody = z
  .strictObject({
    message: z.string().trim().min(1).max(4000).openapi({ description: "What the user says (1–4000 characters).", example: "Plan my week around the dentist on Thursday" }),
    task_id: z.uuid().optional().openapi({ description: "The task the user is looking at: the assistant is told about it, and the request counts toward that task's per-session AI limit." }),
    conversation_id: z.uuid().optional().openapi({ description: "Continue this conversation (the model sees its latest turns); omitted: a new one is started." }),
  })
  .openapi("ChatRequest");

const chat = defineAiRoute({
  method: "post",
  path: "/ai/chat",
  tags: ["AI"],
  summary: "Chat with the assistant (Server-Sent Events)",
  description: [
    "docs/ai.md#assistant-chat. Answers `200 text/event-stream` with frames, in order:",
    "`event: delta` `{text}` – the answer as the model writes it, each piece sent the moment it arrives;",
    "`event: suggestion` – a proposed change, once stored (the stored suggestion: confirm it with `POST /ai/suggestions/{id}/confirm`);",
    "`event: done` `{credits_used, credits_remaining, conversation_id, ai_request_warning}` – last frame;",
    "or, instead of `done`, `event: error` `{code, message}` when the model fails, times out or answers nothing – the credit is then refunded.",
    "Checked before the stream opens, as ordinary JSON errors: credits (`402 INSUFFICIENT_CREDITS`), the per-task limit (`429 AI_TASK_LIMIT_REACHED`, and `ai_request_warning` from the 5th request), the AI rate limit, another user's (or an unknown) `task_id` / `conversation_id` (`404`).",
    "1 credit per message. The assistant only reads the user's own data and cannot change anything itself. Requires `Idempotency-Key`: a retry replays the same stream without a second charge or model call.",
  ].join(" "),
  errors: [...WRITE_ERRORS, "NOT_FOUND", "INSUFFICIENT_CREDITS", "AI_TASK_LIMIT_REACHED"],
  request: { headers: idempotencyHeaders, body: { required: true, content: { "application/json": { schema: chatBody } } } },
  responses: {
    200: {
      description: "The answer as a Server-Sent Events stream.",
      content: {
        "text/event-stream": {
          schema: z.string().openapi({
            description: "Server-Sent Events (WHATWG HTML §9.2): `delta`, `suggestion`, then `done` or `error`.",
            example: 'event: delta\ndata: {"text":"Sure – "}\n\nevent: done\ndata: {"credits_used":1,"credits_remaining":9,"ai_request_warning":false,"conversation_id":"5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"}\n\n',
          }),
        },
      },
    },
  },
});

const conversationSchema = z
  .object({
    id: z.uuid(),
    title: z.string().nullable().openapi({ description: "The start of its first message." }),
    task_id: z.uuid().nullable(),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime().openapi({ description: "Time of its last message." }),
  })
  .openapi("Conversation");

const messageSchema = z.object({ id: z.uuid(), role: z.enum(["user", "assistant"]), content: z.string(), created_at: z.iso.datetime() }).openapi("ConversationMessage");

const list = defineAiRoute({
  method: "get",
  path: "/ai/conversations",
  tags: ["AI"],
  summary: "List chat conversations",
  description: "docs/ai.md#contract-details: most recently active first, cursor pages. One database round trip.",
  errors: [...AUTHED_ERRORS],
  request: { query: z.strictObject({ limit: limitParam, cursor: cursorParam }) },
  responses: { 200: { description: "A page of conversations.", content: { "application/json": { schema: listEnvelope(conversationSchema) } } } },
});

const get = defineAiRoute({
  method: "get",
  path: "/ai/conversations/{id}",
  tags: ["AI"],
  summary: "A conversation with its messages",
  description: "docs/ai.md#contract-details: the messages oldest first. Another user's conversation → 404. One database round trip.",
  errors: [...AUTHED_ERRORS, "NOT_FOUND"],
  request: { params: uuidParam("The conversation id.") },
  responses: {
    200: { description: "The conversation.", content: { "application/json": { schema: dataEnvelope(conversationSchema.extend({ messages: z.array(messageSchema) }).openapi("ConversationWithMessages")) } } },
  },
});

const remove = defineAiRoute({
  method: "delete",
  path: "/ai/conversations/{id}",
  tags: ["AI"],
  summary: "Delete a conversation",
  description: "Deletes it and its messages; suggestions made in it stay (without the link). Another user's → 404.",
  errors: [...AUTHED_ERRORS, "NOT_FOUND"],
  request: { params: uuidParam("The conversation id.") },
  responses: { 204: { description: "Deleted." } },
});

/** docs/ai.md chat and conversations. Mounted after the AI gate (./gate.ts). */
export function mountAiChat(router: AppRouter): void {
  router.openapi(chat, async (c) => {
    const body = c.req.valid("json");
    const stream = await startChat({
      ctx: c.get("services"),
      input: { message: body.message, ...(body.task_id !== undefined && { taskId: body.task_id }), ...(body.conversation_id !== undefined && { conversationId: body.conversation_id }) },
    });
    c.set("logOutcome", "stream_opened");
    return new Response(stream, { status: 200, headers: { ...SSE_HEADERS, "cache-control": "no-store", "x-accel-buffering": "no" } });
  });
  router.openapi(list, async (c) => c.json(await listConversations({ ctx: c.get("services"), input: c.req.valid("query") }), 200));
  router.openapi(get, async (c) => c.json({ data: await getConversation({ ctx: c.get("services"), input: { id: c.req.valid("param").id } }) }, 200));
  router.openapi(remove, async (c) => {
    await deleteConversation({ ctx: c.get("services"), input: { id: c.req.valid("param").id } });
    return c.body(null, 204);
  });
}
