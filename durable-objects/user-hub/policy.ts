/**
 * The numbers of the real-time stream (SPEC §11; docs/reminders-notifications-realtime.md "Real time: as
 * built"), apart from the Durable Object class so the Worker's routes and the OpenAPI generator (Node) can
 * read them without loading `cloudflare:workers`.
 */

/** At most this many open streams per user; the next one is refused (429). */
export const MAX_CONNECTIONS = 3;
/** `Last-Event-ID` resumes from the last this many events. */
export const BUFFER_SIZE = 100;
/** A `: ping` comment every 30 s keeps idle streams (and the proxies on their way) open. */
export const HEARTBEAT_MS = 30_000;
/** Reconnection delay suggested to EventSource in the first frame of every stream. */
export const RETRY_MS = 3_000;
/** What a refused 4th connection is told to wait: a slot frees only when another stream ends. */
export const BUSY_RETRY_AFTER_SECONDS = 10;
