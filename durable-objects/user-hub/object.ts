import { DurableObject } from "cloudflare:workers";

/**
 * UserHub – one per user: holds SSE/WebSocket subscribers and the ring buffer of recent events for
 * `Last-Event-ID` resume (docs/reminders-notifications-realtime.md). The fan-out arrives with the real-time issue; the foundation wires the
 * class, its binding and SQLite-backed migration.
 */
export class UserHub extends DurableObject {
  async ping(name: string): Promise<{ name: string; at: string }> {
    return { name, at: new Date().toISOString() };
  }
}
