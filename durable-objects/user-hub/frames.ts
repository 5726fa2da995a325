/**
 * The Server-Sent Events wire format of `GET /events/stream` (docs/reminders-notifications-realtime.md
 * "Real time: as built"; WHATWG HTML §9.2). Every frame is UTF-8 text ending in a blank line.
 */

/** One event as the hub keeps it: `id` is the hub's own monotonic counter (per user), `data` JSON text. */
export interface HubEvent {
  id: number;
  type: string;
  data: string;
}

/** An event a write publishes: its type and the presented resource (serialised once, by the hub). */
export interface PublishedEvent {
  type: string;
  data: unknown;
}

const encoder = new TextEncoder();

export function eventFrame(event: HubEvent): Uint8Array {
  return encoder.encode(`id: ${event.id}\nevent: ${event.type}\ndata: ${event.data}\n\n`);
}

/** The heartbeat: a comment line, ignored by EventSource, that keeps proxies from closing an idle stream. */
export const PING_FRAME: Uint8Array = encoder.encode(": ping\n\n");

/** First bytes of every stream: the reconnection delay EventSource should use (ms). */
export function retryFrame(milliseconds: number): Uint8Array {
  return encoder.encode(`retry: ${milliseconds}\n\n`);
}

/** Why a resume could not be exact; the client should refetch what it shows. */
export type ResetReason = "buffer_exceeded" | "unknown_id";

/**
 * Sent before the replay when the client's `Last-Event-ID` is older than the buffer (or not one of this
 * hub's ids): events may have been missed, and what follows is everything the hub still keeps. No `id:`
 * line, so the client's last event id stays what it was until the first replayed event.
 */
export function resetFrame(reason: ResetReason, replayed: number, oldestId: number | null): Uint8Array {
  return encoder.encode(`event: reset\ndata: ${JSON.stringify({ reason, replayed, oldest_id: oldestId === null ? null : String(oldestId) })}\n\n`);
}
