import { sql } from "drizzle-orm";
import { authHeaders, signIn, signTestAccessToken, testDb, type SignedIn } from "./auth";
import type { Task } from "../../src/services/tasks/present";
import { call, newRequestId } from "./requests";

/**
 * Factories for the task suites: a signed-in user with a small request helper, and tasks/subtasks created
 * through the real API (so every row went through the services), or seeded directly when a test needs
 * many rows fast (limits).
 */
/** A task as the API answers it (the services' presenter type: tests and API cannot drift apart). */
export type TaskJson = Task;

export interface SubtaskJson {
  id: string;
  task_id: string;
  title: string;
  completed: boolean;
  completed_at: string | null;
  position: number;
  source: "user" | "ai";
  version: number;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  requestId?: string;
  /** Idempotency-Key for POST/PATCH; a fresh one by default, `null` to send none. */
  key?: string | null;
  /** The request breaks the OpenAPI document on purpose: only the response is checked (see `call`). */
  invalid?: boolean;
}

export interface TestClient {
  userId: string;
  accessToken: string;
  request(method: string, path: string, options?: RequestOptions): Promise<Response>;
}

/** A fresh signed-in user (free unless `tier: "pro"`) and a request helper adding the token and a key. */
export async function newClient(options: { tier?: "free" | "pro" } = {}): Promise<TestClient> {
  return clientOf(await signIn(options.tier === undefined ? {} : { tier: options.tier }));
}

/** The request helper for a sign-in (e.g. a second login session of the same Google account). */
export function clientOf(signed: SignedIn): TestClient {
  return {
    userId: signed.user.id,
    accessToken: signed.accessToken,
    request(method, path, request = {}) {
      const headers: Record<string, string> = authHeaders(signed.accessToken, request.headers);
      if ((method === "POST" || method === "PATCH") && request.key !== null) headers["Idempotency-Key"] = request.key ?? crypto.randomUUID();
      return call(`/api/v1${path}`, { method, headers, body: request.body, requestId: request.requestId ?? newRequestId("tasks"), invalid: request.invalid });
    },
  };
}

/** An instant `days` from now (RFC 3339). Tests pin the clock near the real now: access tokens expire. */
export function inDays(days: number, from = Date.now()): string {
  return new Date(from + days * 86_400_000).toISOString();
}

/**
 * A client of the same user whose access token is valid at `at` (for requests pinned with X-Test-Now far
 * from now, e.g. 8 days later for tombstone expiry) – signed with the Worker's key like a real one.
 */
export async function clientAt(client: TestClient, at: string): Promise<TestClient> {
  const seconds = Math.floor(new Date(at).getTime() / 1000);
  const token = await signTestAccessToken({ sub: client.userId, issuedAt: seconds - 60, expiresAt: seconds + 900 });
  return {
    userId: client.userId,
    accessToken: token,
    request(method, path, request = {}) {
      const headers: Record<string, string> = authHeaders(token, { "X-Test-Now": at, ...request.headers });
      if ((method === "POST" || method === "PATCH") && request.key !== null) headers["Idempotency-Key"] = request.key ?? crypto.randomUUID();
      return call(`/api/v1${path}`, { method, headers, body: request.body, requestId: request.requestId ?? newRequestId("tasks"), invalid: request.invalid });
    },
  };
}

/** Parses `{data}` from a response that must have the given status. */
export async function expectData<T>(response: Response, status = 200): Promise<T> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${text}`);
  return (JSON.parse(text) as { data: T }).data;
}

export async function errorOf(response: Response): Promise<{ status: number; code: string; details: unknown; message: string }> {
  const body = (await response.json()) as { error: { code: string; details?: unknown; message: string } };
  return { status: response.status, code: body.error.code, details: body.error.details, message: body.error.message };
}

export async function createTask(client: TestClient, body: Record<string, unknown> = {}): Promise<TaskJson> {
  return expectData<TaskJson>(await client.request("POST", "/tasks", { body: { title: "A task", ...body } }), 201);
}

export async function createSubtask(client: TestClient, taskId: string, title = "A subtask"): Promise<SubtaskJson> {
  return expectData<SubtaskJson>(await client.request("POST", `/tasks/${taskId}/subtasks`, { body: { title } }), 201);
}

export async function getTask(client: TestClient, id: string): Promise<TaskJson & { subtasks: SubtaskJson[] }> {
  return expectData(await client.request("GET", `/tasks/${id}`));
}

/** Inserts `count` open tasks straight into the database (limit tests), in one round trip. */
export async function seedOpenTasks(userId: string, count: number): Promise<void> {
  if (count <= 0) return;
  await testDb().execute(sql`insert into task_instances (user_id, title)
    select ${userId}, 'seeded ' || n from generate_series(1, ${count}) as n`);
}

/** Rows of a query, for asserting database state. */
export async function dbRows<T extends Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]> {
  return (await testDb().execute<T>(query)).rows;
}

export { sql };
