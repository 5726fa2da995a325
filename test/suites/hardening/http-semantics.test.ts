import { describe, expect, it } from "vitest";
import { authHeaders, mintIdToken, randomIp, signIn, signTestAccessToken } from "../../support/auth";
import { createTask, errorOf, expectData, newClient, type TaskJson } from "../../support/factories";
import { call } from "../../support/requests";

/** Hardening items 7 and 8, and the small HTTP items: 415, ETag. */
interface Operation {
  responses: Record<string, { headers?: Record<string, unknown> }>;
}
type Document = { paths: Record<string, Record<string, Operation>> };

async function servedDocument(): Promise<Document> {
  return (await (await call("/openapi.json")).json()) as Document;
}

const MB_AND_A_BIT = "x".repeat(1024 * 1024 + 16);
const ZERO_UUID = "00000000-0000-4000-8000-000000000000";

describe("413 is documented wherever the body limit applies (hardening item 7)", () => {
  // The audio upload answers every refused file with 400 instead (its `bodyRefusalStatus` flag, issue 13).
  const BODY_REFUSED_WITH_400 = new Set(["post /api/v1/notes/{id}/transcribe"]);

  it("every operation but GET lists 413, no GET does (the audio upload answers 400 instead)", async () => {
    const { paths } = await servedDocument();
    const operations = Object.entries(paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));
    expect(operations.length).toBeGreaterThan(10);
    for (const { path, method, op } of operations) {
      const refusedWith400 = BODY_REFUSED_WITH_400.has(`${method} ${path}`);
      expect(op.responses["413"] !== undefined, `${method.toUpperCase()} ${path}`).toBe(method !== "get" && !refusedWith400);
      if (refusedWith400) expect(op.responses["400"]).toBeDefined();
    }
  });

  it.each([
    ["POST", `/recovery/${ZERO_UUID}/restore`],
    ["DELETE", `/subtasks/${ZERO_UUID}`],
    ["DELETE", `/tasks/${ZERO_UUID}`],
    ["DELETE", "/tags/work"],
  ])("%s %s with a body over 1 MB answers the documented 413 VALIDATION_ERROR", async (method, path) => {
    const { paths } = await servedDocument();
    const template = path.replace(ZERO_UUID, method === "POST" ? "{tombstone_id}" : "{id}").replace("/tags/work", "/tags/{name}");
    expect(paths[`/api/v1${template}`]?.[method.toLowerCase()]?.responses["413"]).toBeDefined();
    const { accessToken } = await signIn();
    const response = await call(`/api/v1${path}`, {
      method,
      headers: authHeaders(accessToken, { "Idempotency-Key": crypto.randomUUID(), "Content-Type": "application/json" }),
      rawBody: JSON.stringify({ padding: MB_AND_A_BIT }),
      invalid: true,
    });
    const error = await errorOf(response);
    expect(error.status).toBe(413);
    expect(error.code).toBe("VALIDATION_ERROR");
  });
});

describe("415 for a JSON-body operation without JSON", () => {
  it.each([
    ["text/plain", { "Content-Type": "text/plain" }],
    ["no Content-Type", {}],
  ])("POST /tasks with %s answers 415 VALIDATION_ERROR in the docs/errors.md envelope, as documented", async (_label, headers: Record<string, string>) => {
    const client = await newClient();
    const response = await call("/api/v1/tasks", {
      method: "POST",
      headers: authHeaders(client.accessToken, { "Idempotency-Key": crypto.randomUUID(), ...headers }),
      rawBody: new TextEncoder().encode(JSON.stringify({ title: "Plain" })),
      invalid: true,
    });
    const body = (await response.json()) as { error: { code: string; message: string; request_id: string } };
    expect(response.status).toBe(415);
    expect(body.error.code).toBe("VALIDATION_ERROR");
    expect(body.error.request_id).toBeTruthy();
    const { paths } = await servedDocument();
    expect(paths["/api/v1/tasks"]?.post?.responses["415"]).toBeDefined();
    expect(paths["/api/v1/tasks/{id}"]?.delete?.responses["415"]).toBeUndefined();
  });
});

describe("GET /tasks/{id} sends an ETag", () => {
  it('answers ETag: "<version>", documented, and accepted back as If-Match', async () => {
    const client = await newClient();
    const task = await createTask(client);
    const response = await client.request("GET", `/tasks/${task.id}`);
    expect(response.headers.get("ETag")).toBe(`"${task.version}"`);
    const patched = await expectData<TaskJson>(
      await client.request("PATCH", `/tasks/${task.id}`, { body: { title: "Renamed" }, headers: { "If-Match": response.headers.get("ETag") ?? "" } }),
    );
    expect(patched.version).toBe(task.version + 1);
    const stale = await client.request("PATCH", `/tasks/${task.id}`, { body: { title: "Again" }, headers: { "If-Match": `"${task.version}"` } });
    expect(stale.status).toBe(409);
    const { paths } = await servedDocument();
    expect(paths["/api/v1/tasks/{id}"]?.get?.responses["200"]?.headers?.ETag).toBeDefined();
    // A browser frontend on another origin can read it.
    const cross = await client.request("GET", `/tasks/${task.id}`, { headers: { Origin: "https://app.perpetua.test" } });
    expect(cross.headers.get("Access-Control-Expose-Headers")).toContain("ETag");
  });
});

describe("Cache-Control and WWW-Authenticate (hardening item 8)", () => {
  it("every /api/v1 response is no-store unless it says otherwise; /openapi.json, /docs and the JWKS keep theirs", async () => {
    const client = await newClient();
    const task = await createTask(client);
    for (const response of [
      await client.request("GET", "/users/me"),
      await client.request("GET", `/tasks/${task.id}`),
      await client.request("GET", "/tasks"),
      await client.request("GET", `/tasks/${ZERO_UUID}`),
      await client.request("POST", "/tasks", { body: { title: "" }, invalid: true }),
      await call("/api/v1/health/live"),
      await call("/api/v1/users/me", { invalid: true }),
      await call("/api/v1/no-such-route", { invalid: true }),
    ]) {
      expect(response.headers.get("Cache-Control"), response.url).toBe("no-store");
    }
    expect((await call("/openapi.json")).headers.get("Cache-Control")).not.toBe("no-store");
    expect((await call("/.well-known/jwks.json")).headers.get("Cache-Control")).toMatch(/max-age/);
  });

  it("every 401 carries a Bearer WWW-Authenticate challenge, the auth routes' included", async () => {
    const { user } = await signIn();
    const now = Math.floor(Date.now() / 1000);
    const expired = await signTestAccessToken({ sub: user.id, issuedAt: now - 2000, expiresAt: now - 1000 });
    const ip = { "CF-Connecting-IP": randomIp() };
    const cases: [string, Response][] = [
      ["no token", await call("/api/v1/users/me", { invalid: true })],
      ["expired", await call("/api/v1/users/me", { headers: authHeaders(expired), invalid: true })],
      ["unknown refresh token", await call("/api/v1/auth/refresh", { method: "POST", headers: ip, body: { refresh_token: "x".repeat(43) }, invalid: true })],
      ["logout with unknown token", await call("/api/v1/auth/logout", { method: "POST", headers: ip, body: { refresh_token: "y".repeat(43) }, invalid: true })],
      [
        "bad Google token",
        await call("/api/v1/auth/google", { method: "POST", headers: ip, body: { id_token: await mintIdToken({ claims: { email_verified: false } }) }, invalid: true }),
      ],
    ];
    for (const [label, response] of cases) {
      expect(response.status, label).toBe(401);
      expect(response.headers.get("WWW-Authenticate"), label).toMatch(/^Bearer( |$)/);
    }
    expect(cases[1]?.[1].headers.get("WWW-Authenticate")).toContain('error="invalid_token"');
  });
});

describe("invalid UTF-8 in a JSON body (hardening item 8)", () => {
  it.each([
    ["a lone continuation byte", [0x80]],
    ["a truncated sequence", [0xe2, 0x82]],
    ["an overlong encoding", [0xc0, 0xaf]],
    ["0xFF", [0xff]],
  ])("%s is 400 VALIDATION_ERROR, nothing stored", async (_label, bad) => {
    const client = await newClient();
    const encoder = new TextEncoder();
    const bytes = new Uint8Array([...encoder.encode('{"title":"bad '), ...bad, ...encoder.encode('"}')]);
    const response = await call("/api/v1/tasks", {
      method: "POST",
      headers: authHeaders(client.accessToken, { "Idempotency-Key": crypto.randomUUID(), "Content-Type": "application/json" }),
      rawBody: bytes,
      invalid: true,
    });
    const error = await errorOf(response);
    expect(error.status).toBe(400);
    expect(error.code).toBe("VALIDATION_ERROR");
    expect(error.details).toEqual([{ field: "body", reason: "Not valid UTF-8." }]);
    const list = await expectData<TaskJson[]>(await client.request("GET", "/tasks"));
    expect(list).toEqual([]);
  });

  it("valid multi-byte UTF-8 (and a BOM-less body) still works", async () => {
    const client = await newClient();
    const task = await createTask(client, { title: "Grüße 👋 日本" });
    expect(task.title).toBe("Grüße 👋 日本");
  });
});
