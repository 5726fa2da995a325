import { defineScenario } from "../scenario.ts";

/**
 * The floor of the stack: readiness is one database round trip (`select` of the migration state) and
 * no auth, no rate limiting (docs/operations.md) – so the figures show the cost of Worker + local Neon endpoint +
 * Postgres alone, the baseline the other scenarios are compared with.
 */
export default defineScenario({
  name: "health",
  description: "GET /api/v1/health/ready – readiness, one DB round trip, no auth",
  defaults: { durationSeconds: 10, connections: 50, warmupSeconds: 3 },
  async setup() {
    return { requests: [{ method: "GET", path: "/api/v1/health/ready" }] };
  },
});
