import { signEventTicket } from "../../lib/event-ticket";
import type { ServiceContext } from "../context";
import { runWrite } from "../unit-of-work";
import { requireUserId } from "../users/get-me";

export interface IssuedTicket {
  ticket: string;
  expires_at: string;
}

/**
 * `POST /events/tickets` (docs/reminders-notifications-realtime.md "Tickets"): a signed, single-use, 60 s
 * ticket for `GET /events/stream?ticket=`. Nothing is stored for the ticket itself (the hub records it when
 * used); the one database round trip is the Idempotency-Key record, committed with the answer – so a retry
 * with the same key replays the same ticket (still usable once, if it was not used yet) and a reused key for
 * something else is 422, as for every POST.
 */
export function issueEventTicket({ ctx }: { ctx: ServiceContext }): Promise<IssuedTicket> {
  return runWrite(ctx, { operation: "events.ticket", status: 201 }, async () => {
    const userId = requireUserId(ctx);
    const { ticket, expiresAt } = await signEventTicket(ctx.config, userId, ctx.clock.now());
    return { ticket, expires_at: expiresAt.toISOString() };
  });
}
