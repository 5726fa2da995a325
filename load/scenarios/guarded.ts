import { randomUUID } from "node:crypto";
import type { Request } from "autocannon";
import { seedUsersWithTokens } from "../seed-users.ts";
import { defineScenario } from "../scenario.ts";

/**
 * What the edge guards (docs/conventions.md#idempotency, docs/conventions.md#rate-limits: the per-user UserGuard rate-limit RPC and the idempotency layer)
 * cost a request: an authenticated `GET /api/v1/users/me` (one database round trip) against the Worker
 * (src/index.ts) and against the same Worker built without the guards (load/unguarded-worker.ts), both
 * started by this run with the same variables, database and Neon endpoint, measured in alternation
 * (load/compare.ts). Issue 4's target: p50 of the guarded Worker ≤ 1.2 × the unguarded one; issue 17 adds the
 * same comparison for a write (`guarded-writes`).
 *
 * Each request goes out as the next of USERS seeded users in turn, so the guard work is spread over many
 * UserGuard instances as it is in production (one per user), not one hot object; the general limit is lifted
 * so every request is admitted – the point is the cost of asking, not refusals. Few connections: per-request
 * overhead, not saturation (with N connections latency ≈ N ÷ throughput, so queueing would swamp it).
 */
const USERS = 300;

/**
 * The scenario for one kind of request: `read` is `GET /users/me` (1 round trip; the guard decides while it
 * runs), `write` is `POST /tasks` (2 round trips; the read round trip runs while the guard decides, the commit
 * waits for the decision, and the guarded side also keeps its Idempotency-Key record in those two round
 * trips). `guarded-writes` (load/scenarios/guarded-writes.ts) is the write segment.
 */
export function guardedScenario(kind: "read" | "write") {
  const operation = kind === "read" ? "GET /users/me" : "POST /tasks";
  return defineScenario({
    name: kind === "read" ? "guarded" : "guarded-writes",
    description: `${operation} with the edge guards (rate limit + idempotency) vs without, alternating`,
    defaults: { durationSeconds: 20, connections: 10, warmupSeconds: 3 },
    vars: { RATE_LIMIT_GENERAL: "100000" },
    baseline: { label: "unguarded", script: "load/unguarded-worker.ts" },
    async setup(stack) {
      const users = await seedUsersWithTokens(stack, USERS);
      const first = users[0];
      if (first === undefined) throw new Error("no seeded users");
      // The comparison means something only if the guard really runs on one side (it fails open, silently for
      // the load, when unreachable) and not on the other: only guarded answers carry RateLimit headers.
      await expectRateLimitHeader(stack.baseUrl, first.token, true);
      if (stack.baselineUrl !== undefined) await expectRateLimitHeader(stack.baselineUrl, first.token, false);

      let next = 0;
      const token = () => users[next++ % users.length]?.token ?? "missing";
      // Free users: under 50 tasks each in any run the bench allows (300 users, ~50 requests/s per side).
      const write = (request: Request): Request => ({
        ...request,
        headers: { authorization: `Bearer ${token()}`, "content-type": "application/json", "idempotency-key": randomUUID() },
        body: JSON.stringify({ title: "Guarded bench task" }),
      });
      const read = (request: Request): Request => ({ ...request, headers: { authorization: `Bearer ${token()}` } });
      return {
        requests: [
          kind === "read"
            ? { method: "GET", path: "/api/v1/users/me", setupRequest: read }
            : { method: "POST", path: "/api/v1/tasks", setupRequest: write },
        ],
      };
    },
  });
}

export default guardedScenario("read");

async function expectRateLimitHeader(baseUrl: string, token: string, present: boolean): Promise<void> {
  const response = await fetch(`${baseUrl}/api/v1/users/me`, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`GET ${baseUrl}/api/v1/users/me answered ${response.status}, not 200`);
  if (response.headers.has("ratelimit") !== present) {
    throw new Error(`${baseUrl} ${present ? "sent no" : "sent a"} RateLimit header: the guard is ${present ? "not running (failing open?)" : "running"}`);
  }
}
