import { z } from "@hono/zod-openapi";
import { TICKET_TTL_SECONDS } from "../../lib/event-ticket";
import { issueEventTicket } from "../../services/realtime/tickets";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { idempotencyHeaders, WRITE_ERRORS } from "../shared-schemas";

const ticketSchema = z
  .object({
    ticket: z.string().openapi({ description: "Pass as `?ticket=` to `GET /events/stream`. Opaque; single use." }),
    expires_at: z.string().openapi({ format: "date-time", description: `${TICKET_TTL_SECONDS} s after issue.` }),
  })
  .openapi("EventTicket", { example: { ticket: "eyJhbGciOiJSUzI1NiIsImtpZCI6…", expires_at: "2026-03-01T09:01:00.000Z" } });

const route = defineRoute({
  method: "post",
  path: "/events/tickets",
  tags: ["Real time"],
  summary: "A ticket to open the event stream from a browser",
  description:
    "docs/reminders-notifications-realtime.md#tickets: a browser's `EventSource` cannot send `Authorization`, and an access token never goes in a URL – so it asks for a ticket (single use, valid 60 s, bound to you) and opens `GET /events/stream?ticket=…`. No request body. Requires `Idempotency-Key` (a retry with the same key answers the same ticket). One database round trip (the Idempotency-Key record).",
  errors: [...WRITE_ERRORS],
  request: { headers: idempotencyHeaders },
  responses: { 201: { description: "The ticket.", content: { "application/json": { schema: dataEnvelope(ticketSchema) } } } },
});

export function registerEventTickets(router: AppRouter): void {
  router.openapi(route, async (c) => c.json({ data: await issueEventTicket({ ctx: c.get("services") }) }, 201));
}
