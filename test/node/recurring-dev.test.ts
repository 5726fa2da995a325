import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevStack, type DevStack } from "../support/dev-stack.ts";

/**
 * Recurring generation end to end under `wrangler dev` (docs/recurring.md): the completion's `next_instance`
 * is created by the recurring Queue's consumer as the local runtime delivers it, and shows in `GET /tasks`.
 * The delay is measured and printed (`npm test -- test/node/recurring-dev.test.ts --silent=false`), not
 * asserted: tests never assert wall-clock time; the figure is in README.md.
 */
let stack: DevStack;
let token: string;

beforeAll(async () => {
  stack = await startDevStack();
  const sub = `recurring-${crypto.randomUUID()}`;
  const [user] = await stack.sql<{ id: string }>(
    "insert into users (google_sub, email, name) values ($1, $1 || '@example.test', 'Recurring') returning id",
    [sub],
  );
  if (!user) throw new Error("no user");
  token = await stack.accessToken(user.id);
}, 240_000);

afterAll(async () => {
  await stack?.stop();
}, 60_000);

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; data: unknown }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (method === "POST") headers["idempotency-key"] = crypto.randomUUID();
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await stack.fetch(`/api/v1${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  return { status: response.status, data: text === "" ? null : (JSON.parse(text) as { data: unknown }).data };
}

/** Polls GET /tasks?template_id= until the task with `id` is listed; returns how long that took. */
async function listedAfter(templateId: string, id: string, started: number): Promise<number> {
  for (;;) {
    const { data } = await api("GET", `/tasks?template_id=${templateId}&completed=false`);
    if (Array.isArray(data) && data.some((task: { id?: unknown }) => task.id === id)) return Date.now() - started;
    if (Date.now() - started > 30_000) throw new Error(`instance ${id} not listed within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("recurring generation under wrangler dev", () => {
  it("creating a template and completing its instance: each next instance is listed in GET /tasks, delivered by the queue", async () => {
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const created = await api("POST", "/templates", { title: "Stand-up", rrule: "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", timezone: "Europe/Berlin", starts_at: startsAt });
    expect(created.status).toBe(201);
    const template = created.data as { id: string; open_instance_id: string | null; next_occurrence_at: string | null };
    expect(template.open_instance_id).not.toBeNull();
    const first = await listedAfter(template.id, template.open_instance_id ?? "", Date.now());

    const delays: number[] = [];
    let open = template.open_instance_id ?? "";
    for (let round = 0; round < 3; round += 1) {
      const started = Date.now();
      const done = await api("POST", `/tasks/${open}/complete`, {});
      expect(done.status).toBe(200);
      const next = (done.data as { next_instance: { id: string; occurrence_at: string } | null }).next_instance;
      if (next === null) throw new Error("the series ended early");
      delays.push(await listedAfter(template.id, next.id, started));
      open = next.id;
    }
    console.info(`recurring under wrangler dev: first instance listed after ${first} ms; next instance listed after ${delays.join(", ")} ms`);
    const { data } = await api("GET", `/tasks?template_id=${template.id}`);
    expect(Array.isArray(data) ? data.length : 0).toBe(4);
  });
});
