import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { authHeaders, signIn, testDb } from "../../support/auth";
import { clearFault, injectFault, roundTrips } from "../../support/neon-control";
import { call, newRequestId } from "../../support/requests";

/**
 * docs/conventions.md#idempotency over HTTP, against a real write operation (PATCH /users/me: versioned, so a second effect would
 * be visible as a second version bump).
 */
afterEach(() => vi.restoreAllMocks());

async function userVersion(userId: string): Promise<number> {
  const result = await testDb().execute<{ version: number }>(sql`select version from users where id = ${userId}`);
  return result.rows[0]?.version ?? -1;
}

/** `invalid`: the request breaks the OpenAPI document on purpose (only the response is checked). */
function patchMe(token: string, key: string | undefined, body: unknown, requestId?: string, invalid = false) {
  return call("/api/v1/users/me", {
    method: "PATCH",
    headers: authHeaders(token, key === undefined ? {} : { "Idempotency-Key": key }),
    body,
    ...(requestId ? { requestId } : {}),
    invalid,
  });
}

describe("Idempotency-Key over HTTP (docs/conventions.md#idempotency)", () => {
  it("replays the first response byte-for-byte, marked Idempotent-Replayed, with no second effect", async () => {
    const { accessToken, user } = await signIn();
    const first = await patchMe(accessToken, "rename-1", { name: "First Name", version: 1 });
    expect(first.status).toBe(200);
    expect(first.headers.get("Idempotent-Replayed")).toBeNull();
    const firstBody = await first.text();

    const retry = await patchMe(accessToken, "rename-1", { name: "First Name", version: 1 });
    expect(retry.status).toBe(200);
    expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await retry.text()).toBe(firstBody);
    expect(retry.headers.get("Content-Type")).toBe(first.headers.get("Content-Type"));
    expect(await userVersion(user.id)).toBe(2);
  });

  it("the same key with a different body is 422 IDEMPOTENCY_KEY_REUSED", async () => {
    const { accessToken, user } = await signIn();
    await patchMe(accessToken, "reuse", { name: "One", version: 1 });
    const other = await patchMe(accessToken, "reuse", { name: "Two", version: 2 });
    expect(other.status).toBe(422);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await userVersion(user.id)).toBe(2);
  });

  it("20 parallel requests with one key: exactly one effect, the rest replay (or 409)", async () => {
    const { accessToken, user } = await signIn();
    const responses = await Promise.all(Array.from({ length: 20 }, () => patchMe(accessToken, "burst", { name: "Burst", version: 1 })));
    const bodies = await Promise.all(responses.map((r) => r.text()));
    const original = responses.filter((r) => r.status === 200 && r.headers.get("Idempotent-Replayed") === null);
    const replays = responses.filter((r) => r.status === 200 && r.headers.get("Idempotent-Replayed") === "true");
    const inProgress = responses.filter((r) => r.status === 409);
    expect(original).toHaveLength(1);
    expect(replays.length + inProgress.length).toBe(19);
    for (const [index, response] of responses.entries()) {
      if (response.status === 200) expect(bodies[index]).toBe(bodies[responses.indexOf(original[0] as Response)]);
    }
    expect(await userVersion(user.id)).toBe(2);
  });

  it("a database write whose response was lost: the retry yields exactly one effect", async () => {
    const { accessToken, user } = await signIn();
    const requestId = newRequestId("lost-response");
    // The batch commits for real, then the endpoint answers 500: the Worker never learns it succeeded.
    // Matches only the write batch: its idempotency record statement (the read round trip has none).
    const fault = await injectFault({ mode: "after_commit", request_id: requestId, match: "IDEMPOTENCY_KEY_TAKEN", times: 1 });
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const first = await patchMe(accessToken, "lost", { name: "Committed", version: 1 }, requestId);
    expect(first.status).toBeGreaterThanOrEqual(500);
    expect(await userVersion(user.id)).toBe(2);
    await clearFault(fault);

    const retry = await patchMe(accessToken, "lost", { name: "Committed", version: 1 });
    expect(retry.status).toBe(200);
    expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
    expect(((await retry.json()) as { data: { name: string; version: number } }).data).toMatchObject({ name: "Committed", version: 2 });
    expect(await userVersion(user.id)).toBe(2);
  });

  it("two users may use the same key", async () => {
    const [a, b] = [await signIn(), await signIn()];
    for (const session of [a, b]) {
      const response = await patchMe(session.accessToken, "shared", { name: "Same Key", version: 1 });
      expect(response.status).toBe(200);
      expect(response.headers.get("Idempotent-Replayed")).toBeNull();
    }
  });

  it("a request that failed validation is not stored: the corrected retry under the same key runs", async () => {
    const { accessToken, user } = await signIn();
    const invalid = await patchMe(accessToken, "fix-me", { name: "", version: 1 }, undefined, true);
    expect(invalid.status).toBe(400);
    const stored = await testDb().execute(sql`select 1 from idempotency_records where user_id = ${user.id} and key = 'fix-me'`);
    expect(stored.rows).toHaveLength(0);
    // Same key, same (invalid) request again: validated again, not replayed.
    const again = await patchMe(accessToken, "fix-me", { name: "", version: 1 }, undefined, true);
    expect(again.status).toBe(400);
    expect(again.headers.get("Idempotent-Replayed")).toBeNull();
  });

  it("a stale version (409) is stored and replayed like a success", async () => {
    const { accessToken } = await signIn();
    const conflict = await patchMe(accessToken, "stale", { name: "Stale", version: 5 });
    expect(conflict.status).toBe(409);
    const body = await conflict.text();
    const replay = await patchMe(accessToken, "stale", { name: "Stale", version: 5 });
    expect(replay.status).toBe(409);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await replay.text()).toBe(body);
  });

  it("a POST or PATCH without the header is 400 IDEMPOTENCY_KEY_REQUIRED; a malformed key is 400 VALIDATION_ERROR", async () => {
    const { accessToken, user } = await signIn();
    const missing = await patchMe(accessToken, undefined, { name: "No Key", version: 1 }, undefined, true);
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("IDEMPOTENCY_KEY_REQUIRED");
    const malformed = await patchMe(accessToken, "x".repeat(256), { name: "Long Key", version: 1 }, undefined, true);
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe("VALIDATION_ERROR");
    expect(await userVersion(user.id)).toBe(1);
  });

  it("keeps a write at two round trips, bookkeeping included", async () => {
    const { accessToken } = await signIn();
    const requestId = newRequestId("rt");
    const response = await patchMe(accessToken, "rt-key", { name: "Round Trips", version: 1 }, requestId);
    expect(response.status).toBe(200);
    expect(await roundTrips(requestId)).toBe(2);
    const replayId = newRequestId("rt-replay");
    await patchMe(accessToken, "rt-key", { name: "Round Trips", version: 1 }, replayId);
    expect(await roundTrips(replayId)).toBe(1);
  });
});
