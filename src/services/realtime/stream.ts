import { openHubStream } from "../../../durable-objects/user-hub/client";
import { MAX_CONNECTIONS } from "../../../durable-objects/user-hub/policy";
import { ApiError } from "../../errors/api-error";
import type { EventTicket } from "../../lib/event-ticket";
import type { ServiceContext } from "../context";

export interface StreamInput {
  /** The authenticated user (from the access token or the ticket). */
  userId: string;
  /** The ticket the client authenticated with, verified but not yet consumed. */
  ticket?: EventTicket;
  lastEventId?: string;
}

export interface OpenedStream {
  body: ReadableStream<Uint8Array>;
  replayed: number;
  reset: string | null;
}

/**
 * `GET /events/stream` (docs/reminders-notifications-realtime.md "Real time: as built"): one call to the
 * user's hub, which spends the ticket, enforces the cap of MAX_CONNECTIONS streams and replays after
 * `Last-Event-ID`; the body is the hub's stream. No database round trip.
 */
export async function openEventStream({ ctx, input }: { ctx: ServiceContext; input: StreamInput }): Promise<OpenedStream> {
  const outcome = await openHubStream(ctx.env, input.userId, {
    ...(input.lastEventId === undefined ? {} : { lastEventId: input.lastEventId }),
    ...(input.ticket === undefined ? {} : { ticket: { jti: input.ticket.jti, expiresAt: input.ticket.expiresAt } }),
    now: ctx.clock.now().getTime(),
  });
  switch (outcome.outcome) {
    case "ticket_used":
      throw new ApiError("UNAUTHORIZED", { message: "The ticket was already used; get a new one from POST /events/tickets." });
    case "busy":
      throw new ApiError("RATE_LIMITED", {
        message: `At most ${MAX_CONNECTIONS} event streams per user are open at once; close one first.`,
        headers: { "Retry-After": String(outcome.retryAfterSeconds) },
        details: { limit: MAX_CONNECTIONS, retry_after_seconds: outcome.retryAfterSeconds },
      });
    case "open":
      return { body: outcome.stream, replayed: outcome.replayed, reset: outcome.reset };
  }
}
