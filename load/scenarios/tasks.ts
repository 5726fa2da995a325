import { randomUUID } from "node:crypto";
import pg from "pg";
import type { BenchStack } from "../scenario.ts";
import { defineScenario } from "../scenario.ts";
import { benchAccessToken } from "../seed-users.ts";

/**
 * The tasks CRUD mix of issue 5 (docs/tasks.md): 70 % reads, 30 % writes, one Pro user per connection (so no
 * user shares a rate-limit bucket or a row lock with another connection – "many users"), 1000 connections.
 * Each connection cycles through 10 requests; the writes carry Idempotency-Keys and the version it last
 * saw, so every answer is expected to be 2xx:
 *   POST /tasks · GET /tasks/{id} · GET /tasks · PATCH /tasks/{id} · GET /tasks?q= · GET /tasks/{id}
 *   · GET /tags · POST /tasks/{id}/complete · GET /tasks?completed=true · GET /activity
 * Users are seeded with one task each, so reads have something to find from the first request on.
 */
interface ConnectionState {
  token?: string;
  taskId?: string;
  version?: number;
}

const USERS = 1000;

async function seed(stack: BenchStack): Promise<{ token: string; taskId: string }[]> {
  const client = new pg.Client({ connectionString: stack.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ user_id: string; task_id: string }>(
      `with u as (
         insert into users (google_sub, email, name, tier)
         select 'bench-' || n, 'bench-' || n || '@example.test', 'Bench ' || n, 'pro' from generate_series(1, $1::int) n
         returning id)
       insert into task_instances (user_id, title, description)
       select id, 'Quarterly report', 'Write the report for the board' from u
       returning user_id, id as task_id`,
      [USERS],
    );
    return Promise.all(
      rows.map(async (row) => ({
        taskId: row.task_id,
        token: await benchAccessToken(stack, row.user_id, "pro"),
      })),
    );
  } finally {
    await client.end();
  }
}

export default defineScenario({
  name: "tasks",
  description: "tasks CRUD mix: 70 % reads / 30 % writes, one Pro user per connection",
  defaults: { durationSeconds: 20, connections: 1000, warmupSeconds: 5 },
  // The point is the API's own cost, not the rate limiter's refusals.
  vars: { RATE_LIMIT_GENERAL: "1000000" },
  async setup(stack) {
    const users = await seed(stack);
    let next = 0;
    const auth = (state: ConnectionState): Record<string, string> => {
      if (state.token === undefined) {
        const user = users[next++ % users.length];
        if (user === undefined) throw new Error("no seeded users");
        state.token = user.token;
        state.taskId = user.taskId;
        state.version = 1;
      }
      return { authorization: `Bearer ${state.token}` };
    };
    const write = (state: ConnectionState) => ({ ...auth(state), "content-type": "application/json", "idempotency-key": randomUUID() });
    const remember = (_status: number, body: string, state: ConnectionState) => {
      try {
        const parsed = JSON.parse(body) as { data?: { id?: string; version?: number; task?: { id: string; version: number } } };
        const task = parsed.data?.task ?? parsed.data;
        if (task?.id !== undefined && typeof task.version === "number") {
          state.taskId = task.id;
          state.version = task.version;
        }
      } catch {
        // A non-JSON answer is counted by the runner as what it is; the state stays as it was.
      }
    };
    const read = (path: (state: ConnectionState) => string) => ({
      method: "GET" as const,
      setupRequest: (request: object, state: ConnectionState) => ({ ...request, path: path(state), headers: auth(state) }),
    });
    return {
      options: { timeout: 60 },
      requests: [
        {
          method: "POST",
          path: "/api/v1/tasks",
          setupRequest: (request, state: ConnectionState) => ({ ...request, headers: write(state), body: JSON.stringify({ title: "Load test task", description: "report draft", tags: ["bench"] }) }),
          onResponse: remember,
        },
        read((s) => `/api/v1/tasks/${s.taskId}`),
        read(() => "/api/v1/tasks?limit=20"),
        {
          method: "PATCH",
          setupRequest: (request, state: ConnectionState) => ({
            ...request,
            path: `/api/v1/tasks/${(auth(state), state.taskId)}`,
            headers: write(state),
            body: JSON.stringify({ title: "Load test task (edited)", version: state.version }),
          }),
          onResponse: remember,
        },
        read(() => "/api/v1/tasks?q=reports&limit=20"),
        read((s) => `/api/v1/tasks/${s.taskId}`),
        read(() => "/api/v1/tags"),
        {
          method: "POST",
          setupRequest: (request, state: ConnectionState) => ({ ...request, path: `/api/v1/tasks/${(auth(state), state.taskId)}/complete`, headers: write(state), body: "{}" }),
          onResponse: remember,
        },
        read(() => "/api/v1/tasks?completed=true&limit=10"),
        read(() => "/api/v1/activity?limit=20"),
      ],
    };
  },
});
