import { describe, expect, it } from "vitest";
import { registeredRouteFlags } from "../../../src/middleware/route-flags";
import { authHeaders } from "../../support/auth";
import { createSubtask, createTask, dbRows, expectData, newClient, sql, type TestClient } from "../../support/factories";
import { createProbeApp, probe } from "../../support/probe-app";

/**
 * A write whose read round trip runs while the UserGuard decides (route flag `unitOfWork`,
 * middleware/rate-limit.ts) and is then refused must leave nothing behind: no effect, no activity entry, no
 * outbox message, not even an Idempotency-Key record – and answer 429 whatever its handler concluded.
 */
const app = createProbeApp();

/** Every row the user owns in the tables a task, subtask, tag, restore or profile write touches. */
async function footprint(userId: string): Promise<string> {
  const rows = await dbRows<{ state: unknown }>(sql`select jsonb_build_object(
    'user', (select to_jsonb(u) from users u where u.id = ${userId}),
    'tasks', (select coalesce(jsonb_agg(to_jsonb(t) order by t.id), '[]') from task_instances t where t.user_id = ${userId}),
    'subtasks', (select coalesce(jsonb_agg(to_jsonb(s) order by s.id), '[]') from subtasks s where s.user_id = ${userId}),
    'tags', (select coalesce(jsonb_agg(to_jsonb(g) order by g.name), '[]') from tags g where g.user_id = ${userId}),
    'tombstones', (select coalesce(jsonb_agg(to_jsonb(d) order by d.id), '[]') from deletion_tombstones d where d.user_id = ${userId}),
    'activity', (select count(*) from activity_log a where a.user_id = ${userId}),
    'keys', (select count(*) from idempotency_records i where i.user_id = ${userId}),
    'outbox', (select count(*) from outbox o where o.user_id = ${userId})
  ) as state`);
  return JSON.stringify(rows[0]?.state);
}

/** A request in a window of its own (5 minutes ahead, within the access token's life) with `limit` per window. */
function limited(client: TestClient, at: Date, limit: number) {
  return (method: string, path: string, body?: unknown) =>
    probe(app, `/api/v1${path}`, {
      method,
      headers: authHeaders(client.accessToken, {
        "X-Test-Now": at.toISOString(),
        ...(method === "POST" || method === "PATCH" ? { "Idempotency-Key": crypto.randomUUID() } : {}),
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      env: { RATE_LIMIT_GENERAL: String(limit) },
    });
}

describe("a write refused by the rate limiter leaves no trace", () => {
  it("every unit-of-work write of tasks, subtasks, tags, recovery and users → 429 and nothing changed", async () => {
    const client = await newClient({ tier: "pro" });
    const task = await createTask(client, { title: "Kept as it is", tags: ["kept"] });
    const subtask = await createSubtask(client, task.id);
    const doomed = await createTask(client, { title: "Deleted before" });
    expect((await client.request("DELETE", `/tasks/${doomed.id}`)).status).toBe(200);
    const [tombstone] = await dbRows<{ id: string }>(sql`select id from deletion_tombstones where user_id = ${client.userId}`);
    const me = await expectData<{ version: number }>(await client.request("GET", "/users/me"));
    const before = await footprint(client.userId);

    const send = limited(client, new Date(Date.now() + 5 * 60_000), 1);
    expect((await send("GET", "/users/me")).status).toBe(200); // the window's one admitted request
    const writes: [string, string, unknown?][] = [
      ["POST", "/tasks", { title: "Never created", tags: ["never"] }],
      ["PATCH", `/tasks/${task.id}`, { title: "Never renamed", version: task.version }],
      ["POST", `/tasks/${task.id}/complete`],
      ["POST", `/tasks/${task.id}/force-complete`],
      ["DELETE", `/tasks/${task.id}`],
      ["POST", `/tasks/${task.id}/subtasks`, { title: "Never added" }],
      ["PATCH", `/subtasks/${subtask.id}`, { completed: true }],
      ["DELETE", `/subtasks/${subtask.id}`],
      ["PUT", `/tasks/${task.id}/subtasks/order`, { ids: [subtask.id] }],
      ["DELETE", "/tags/kept"],
      ["POST", `/recovery/${tombstone?.id ?? ""}/restore`],
      ["PATCH", "/users/me", { name: "Never renamed", version: me.version }],
      // Its handler fails on its own (another id → 404); the answer is still the refusal.
      ["PATCH", `/tasks/${crypto.randomUUID()}`, { title: "Nobody's", version: 1 }],
    ];
    const answers = await Promise.all(writes.map(([method, path, body]) => send(method, path, body)));
    for (const [index, response] of answers.entries()) {
      const [method, path] = writes[index] ?? [];
      expect({ method, path, status: response.status, code: ((await response.json()) as { error?: { code: string } }).error?.code }).toEqual({ method, path, status: 429, code: "RATE_LIMITED" });
      expect(response.headers.get("Retry-After")).not.toBeNull();
    }
    expect(await footprint(client.userId)).toBe(before);
  });

  it("10 parallel creates with 3 left → 3 created, 7 × 429, and only the 3 admitted keys are recorded", async () => {
    const client = await newClient({ tier: "pro" });
    const send = limited(client, new Date(Date.now() + 10 * 60_000), 3);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, index) => send("POST", "/tasks", { title: `Parallel ${index}` })));
    const statuses = answers.map((response) => response.status).sort();
    expect(statuses).toEqual([201, 201, 201, 429, 429, 429, 429, 429, 429, 429]);
    const [counts] = await dbRows<{ tasks: number; keys: number }>(sql`select
      (select count(*)::int from task_instances where user_id = ${client.userId}) as tasks,
      (select count(*)::int from idempotency_records where user_id = ${client.userId}) as keys`);
    expect(counts).toEqual({ tasks: 3, keys: 3 });
  });

  it("the overlapping operations are exactly the writes of tasks, subtasks, tags, recovery and the profile", () => {
    const overlapping = [...registeredRouteFlags()].filter(([, flags]) => flags.unitOfWork === true).map(([operation]) => operation).sort();
    expect(overlapping).toEqual([
      "DELETE /subtasks/:id",
      "DELETE /tags/:name",
      "DELETE /tasks/:id",
      "PATCH /subtasks/:id",
      "PATCH /tasks/:id",
      "PATCH /users/me",
      "POST /recovery/:tombstone_id/restore",
      "POST /tasks",
      "POST /tasks/:id/complete",
      "POST /tasks/:id/force-complete",
      "POST /tasks/:id/reopen",
      "POST /tasks/:id/subtasks",
      "PUT /tasks/:id/subtasks/order",
    ]);
  });
});
