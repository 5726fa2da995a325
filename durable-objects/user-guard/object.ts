import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../../src/env";

/**
 * UserGuard – one per user id (and one per client IP for /auth/*): the home of sliding-window rate limits
 * and per-(session, task) AI counters (ARCHITECTURE "Durable Objects"). The counters arrive with the
 * edge-guards issue; the foundation wires the class, its binding and SQLite-backed migration.
 */
export class UserGuard extends DurableObject<Bindings> {
  /** Liveness of the binding: answers with the name the object was addressed by. */
  async ping(name: string): Promise<{ name: string; at: string }> {
    return { name, at: new Date().toISOString() };
  }
}
