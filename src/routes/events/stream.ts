import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../app-env";
import { BUFFER_SIZE, HEARTBEAT_MS, MAX_CONNECTIONS } from "../../../durable-objects/user-hub/policy";
import { ApiError } from "../../errors/api-error";
import { verifyEventTicket, type EventTicket } from "../../lib/event-ticket";
import { actAsUser, verifiedBearer } from "../../middleware/auth";
import { admitUserRequest } from "../../middleware/rate-limit";
import { openEventStream } from "../../services/realtime/stream";
import { defineRoute } from "../define-route";
import type { AppRouter } from "../router";

export const EVENT_TICKET_SCHEME = "eventTicket";

const route = defineRoute({
  method: "get",
  path: "/events/stream",
  tags: ["Real time"],
  summary: "Your changes as they happen (Server-Sent Events)",
  description: [
    "docs/reminders-notifications-realtime.md#real-time-as-built. A `text/event-stream` of your own changes, each",
    "frame `id: <event id>` / `event: <type>` / `data: <json>`: `task.created`, `task.updated`, `task.completed`,",
    "`task.reopened`, `task.restored` (data: the task), `task.deleted` (data: `{id}`), `notification.created` (the",
    "notification), `achievement.unlocked` (the achievement). Event ids are increasing integers per user.",
    `A \`: ping\` comment every ${HEARTBEAT_MS / 1000} s; \`retry:\` on connect.`,
    `Resume: \`Last-Event-ID\` (EventSource sends it on reconnect; or \`?last_event_id=\`) replays exactly the events after it among the last ${BUFFER_SIZE};`,
    "an id older than that (or not one of yours) first sends `event: reset` (`data: {reason, replayed, oldest_id}`) and then every kept event –",
    "refetch what you show. Authentication: `Authorization: Bearer <access token>`, or `?ticket=` from `POST /events/tickets` (browsers);",
    "both given → both must be valid and of the same user. A used, expired, forged or foreign ticket → 401.",
    `At most ${MAX_CONNECTIONS} open streams per user: the next → \`429 RATE_LIMITED\` with \`Retry-After\`. Opening a stream counts as one request of your general rate limit (a refusal is 429 too). No database round trip.`,
  ].join(" "),
  access: "public",
  database: false,
  errors: ["UNAUTHORIZED", "TOKEN_EXPIRED", "RATE_LIMITED"],
  security: [{ bearerAuth: [] }, { [EVENT_TICKET_SCHEME]: [] }],
  request: {
    query: z.object({
      ticket: z.string().min(1).max(4096).optional().openapi({ description: "From `POST /events/tickets` (instead of `Authorization`)." }),
      last_event_id: z.string().max(64).optional().openapi({ description: "Like the `Last-Event-ID` header (the header wins)." }),
    }),
    headers: z.object({
      "last-event-id": z.string().max(64).optional().openapi({ description: "The last event id you received; replays what came after it.", example: "42" }),
    }),
  },
  responses: {
    200: {
      description: "The stream: frames until you close it (or the server drops a client too far behind; reconnect with `Last-Event-ID`).",
      content: {
        "text/event-stream": {
          schema: z.string().openapi({
            description: "Server-Sent Events (WHATWG HTML §9.2).",
            example: 'retry: 3000\n\nid: 7\nevent: task.created\ndata: {"id":"3f0a7c1e-…","title":"Buy milk",…}\n\n: ping\n\n',
          }),
        },
      },
    },
  },
});

/**
 * Who opens the stream: the bearer's user, or the ticket's. Both given → both must hold and agree (a ticket of
 * user B with user A's token is refused, never "the token wins"). The ticket is only verified here (signature,
 * audience, expiry against the request's clock); the hub spends it.
 */
async function streamIdentity(c: Context<AppEnv>, ticketText: string | undefined): Promise<{ userId: string; ticket?: EventTicket }> {
  const claims = c.req.header("Authorization") !== undefined || ticketText === undefined ? await verifiedBearer(c) : undefined;
  if (claims !== undefined) actAsUser(c, claims);
  if (ticketText === undefined) {
    if (claims === undefined) throw new ApiError("UNAUTHORIZED");
    return { userId: claims.userId };
  }
  const ticket = await verifyEventTicket(c.get("config"), ticketText, c.get("services").clock.now());
  if (ticket === undefined || (claims !== undefined && claims.userId !== ticket.userId)) {
    throw new ApiError("UNAUTHORIZED", { message: "The ticket is not valid (expired, forged or not yours); get a new one from POST /events/tickets." });
  }
  c.set("userId", ticket.userId);
  return { userId: ticket.userId, ticket };
}

export function registerEventStream(router: AppRouter): void {
  router.openAPIRegistry.registerComponent("securitySchemes", EVENT_TICKET_SCHEME, {
    type: "apiKey",
    in: "query",
    name: "ticket",
    description: "Single-use, 60 s ticket from POST /api/v1/events/tickets – for EventSource, which cannot send headers.",
  });
  router.openapi(route, async (c) => {
    const query = c.req.valid("query");
    const lastEventId = c.req.valid("header")["last-event-id"] ?? query.last_event_id;
    const identity = await streamIdentity(c, query.ticket);
    // Counted in the user's request budget (a reconnect loop is bounded), before the hub spends the ticket.
    const rateLimit = await admitUserRequest(c, identity.userId);
    const opened = await openEventStream({
      ctx: c.get("services"),
      input: { ...identity, ...(lastEventId === undefined ? {} : { lastEventId }) },
    });
    c.set("logOutcome", opened.reset === null ? "stream_opened" : `stream_opened_${opened.reset}`);
    return new Response(opened.body, {
      status: 200,
      headers: {
        ...rateLimit,
        "Content-Type": "text/event-stream; charset=utf-8",
        // Proxies (nginx and kin) must pass frames through as they come.
        "X-Accel-Buffering": "no",
      },
    });
  });
}
