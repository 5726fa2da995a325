import { describe, expect, it } from "vitest";
import { authHeaders } from "../../support/auth";
import { errorOf, newClient } from "../../support/factories";
import { createProbeApp, probe } from "../../support/probe-app";
import { proposeAction } from "./suggestions-support";

/** The real application on a deployment without an OpenAI key: every /ai/* operation answers 503. */
const app = createProbeApp();

describe("AI not configured (no OPENAI_API_KEY)", () => {
  it("→ 503 AI_SERVICE_UNAVAILABLE on every /ai/* route, and nothing changes", async () => {
    const client = await newClient();
    const suggestion = await proposeAction(client, "create_task", { title: "Stays pending" });
    const routes: [string, string, unknown][] = [
      ["GET", "/ai/suggestions?status=pending", undefined],
      ["GET", `/ai/suggestions/${suggestion.id}`, undefined],
      ["POST", `/ai/suggestions/${suggestion.id}/confirm`, {}],
      ["POST", `/ai/suggestions/${suggestion.id}/reject`, undefined],
      // The assistant's routes sit behind the same gate (routes/ai/gate.ts): also a path no operation has yet.
      ["POST", "/ai/chat", { message: "hi" }],
    ];
    for (const [method, path, body] of routes) {
      const response = await probe(app, `/api/v1${path}`, {
        method,
        headers: authHeaders(client.accessToken, { "Idempotency-Key": crypto.randomUUID(), ...(body !== undefined && { "Content-Type": "application/json" }) }),
        ...(body !== undefined && { body: JSON.stringify(body) }),
        env: { OPENAI_API_KEY: "" },
        invalid: path === "/ai/chat",
      });
      const error = await errorOf(response);
      expect(error, `${method} ${path}`).toMatchObject({ status: 503, code: "AI_SERVICE_UNAVAILABLE" });
      expect(error.message).toMatch(/not configured/);
    }
    const after = await client.request("GET", `/ai/suggestions/${suggestion.id}`);
    expect(((await after.json()) as { data: { status: string } }).data.status).toBe("pending");
  });
});
