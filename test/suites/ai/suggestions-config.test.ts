import { describe, expect, it } from "vitest";
import { authHeaders } from "../../support/auth";
import { createTask, dbRows, errorOf, expectData, newClient, sql } from "../../support/factories";
import { createProbeApp, probe } from "../../support/probe-app";
import { proposeAction } from "./suggestions-support";

/** The real application on a deployment without an OpenAI key: every /ai/* operation answers 503. */
const app = createProbeApp();

describe("AI not configured (no OPENAI_API_KEY)", () => {
  it("→ 503 AI_SERVICE_UNAVAILABLE on every /ai/* route, and nothing changes", async () => {
    const client = await newClient();
    const suggestion = await proposeAction(client, "create_task", { title: "Stays pending" });
    const task = await createTask(client, { title: "Not for the AI" });
    const note = await expectData<{ id: string }>(await client.request("POST", "/notes", { body: { content: "A note" } }), 201);
    const routes: [string, string, unknown][] = [
      ["GET", "/ai/suggestions?status=pending", undefined],
      ["GET", `/ai/suggestions/${suggestion.id}`, undefined],
      ["POST", `/ai/suggestions/${suggestion.id}/confirm`, {}],
      ["POST", `/ai/suggestions/${suggestion.id}/reject`, undefined],
      // The assistant's routes sit behind the same gate (routes/ai/gate.ts).
      ["POST", "/ai/chat", { message: "hi" }],
      ["POST", `/ai/tasks/${task.id}/subtasks`, undefined],
      ["POST", `/ai/notes/${note.id}/convert`, undefined],
      ["GET", "/ai/conversations", undefined],
      ["GET", `/ai/conversations/${crypto.randomUUID()}`, undefined],
      ["DELETE", `/ai/conversations/${crypto.randomUUID()}`, undefined],
    ];
    for (const [method, path, body] of routes) {
      const response = await probe(app, `/api/v1${path}`, {
        method,
        headers: authHeaders(client.accessToken, { "Idempotency-Key": crypto.randomUUID(), ...(body !== undefined && { "Content-Type": "application/json" }) }),
        ...(body !== undefined && { body: JSON.stringify(body) }),
        env: { OPENAI_API_KEY: "" },
      });
      const error = await errorOf(response);
      expect(error, `${method} ${path}`).toMatchObject({ status: 503, code: "AI_SERVICE_UNAVAILABLE" });
      expect(error.message).toMatch(/not configured/);
    }
    const after = await client.request("GET", `/ai/suggestions/${suggestion.id}`);
    expect(((await after.json()) as { data: { status: string } }).data.status).toBe("pending");
    // Nothing charged, and every other route unaffected.
    expect(await dbRows(sql`select 1 from credit_ledger where user_id = ${client.userId} and kind = 'consume'`)).toEqual([]);
    const other = await probe(app, "/api/v1/tasks", { method: "GET", headers: authHeaders(client.accessToken), env: { OPENAI_API_KEY: "" } });
    expect(other.status).toBe(200);
  });
});
