import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { roundTrips } from "../../support/neon-control";
import { call, newRequestId } from "../../support/requests";
import { authHeaders, signIn, testDb } from "../../support/auth";

interface UserBody {
  data: { id: string; name: string; timezone: string; avatar_url: string | null; version: number; updated_at: string };
}
interface ErrorBody {
  error: { code: string; details?: unknown };
}

function patchMe(token: string, body: unknown, headers: Record<string, string> = {}, requestId = newRequestId("patch-me"), invalid = false) {
  return call("/api/v1/users/me", {
    method: "PATCH",
    headers: authHeaders(token, { "Idempotency-Key": crypto.randomUUID(), ...headers }),
    body,
    requestId,
    invalid,
  });
}

/** Bad input on purpose: the conformance layer checks only the response (README "Testing"). */
const patchMeInvalid = (token: string, body: unknown, headers: Record<string, string> = {}) => patchMe(token, body, headers, newRequestId("patch-me"), true);

describe("GET /users/me", () => {
  it("returns the profile in one round trip", async () => {
    const { accessToken, user } = await signIn({ name: "Lin", timezone: "America/New_York" });
    const requestId = newRequestId("me");
    const response = await call("/api/v1/users/me", { headers: authHeaders(accessToken), requestId });
    expect(response.status).toBe(200);
    const { data } = (await response.json()) as UserBody;
    expect(data).toEqual(user);
    expect(await roundTrips(requestId)).toBe(1);
  });
});

describe("PATCH /users/me (docs/conventions.md#patch-semantics, docs/conventions.md#optimistic-locking)", () => {
  it("changes only the given fields and bumps the version once per change", async () => {
    const { accessToken, user } = await signIn({ picture: "https://lh3.example/p.png", timezone: "Europe/Rome" });
    const requestId = newRequestId("patch");
    const response = await patchMe(accessToken, { name: "  New Name ", version: user.version }, {}, requestId);
    expect(response.status).toBe(200);
    const { data } = (await response.json()) as UserBody;
    expect(data).toMatchObject({ name: "New Name", timezone: "Europe/Rome", avatar_url: "https://lh3.example/p.png", version: user.version + 1 });
    expect(await roundTrips(requestId)).toBe(2);
  });

  it("null clears avatar_url; null for name or timezone is 400", async () => {
    const { accessToken, user } = await signIn({ picture: "https://lh3.example/p.png" });
    const cleared = await patchMe(accessToken, { avatar_url: null, version: user.version });
    expect(cleared.status).toBe(200);
    expect(((await cleared.json()) as UserBody).data.avatar_url).toBeNull();
    for (const field of ["name", "timezone"]) {
      const response = await patchMeInvalid(accessToken, { [field]: null, version: user.version + 1 });
      expect(response.status).toBe(400);
      expect((await response.json()) as ErrorBody).toMatchObject({ error: { code: "VALIDATION_ERROR", details: [{ field }] } });
    }
  });

  it.each([
    ["an unknown field", { nickname: "x" }, "nickname"],
    ["an invalid IANA zone", { timezone: "Europe/Atlantis" }, "timezone"],
    ["a fixed offset instead of a zone", { timezone: "+02:00" }, "timezone"],
    ["a name over 100 characters", { name: "x".repeat(101) }, "name"],
    ["an empty name", { name: "   " }, "name"],
    ["an http avatar", { avatar_url: "http://example.com/a.png" }, "avatar_url"],
    ["a non-URL avatar", { avatar_url: "javascript:alert(1)" }, "avatar_url"],
  ])("rejects %s with 400 VALIDATION_ERROR", async (_label, body, field) => {
    const { accessToken, user } = await signIn();
    const response = await patchMeInvalid(accessToken, { ...body, version: user.version });
    expect(response.status).toBe(400);
    const error = ((await response.json()) as ErrorBody).error;
    expect(error.code).toBe("VALIDATION_ERROR");
    expect(error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it("canonicalises the zone and accepts the version as If-Match", async () => {
    const { accessToken, user } = await signIn();
    const response = await patchMe(accessToken, { timezone: "europe/paris" }, { "If-Match": `"${user.version}"` });
    expect(response.status).toBe(200);
    expect(((await response.json()) as UserBody).data.timezone).toBe("Europe/Paris");
  });

  it("needs a version (body or If-Match); a stale one is 409 VERSION_CONFLICT with the current user", async () => {
    const { accessToken, user } = await signIn();
    // "version in the body or If-Match, and they agree" is beyond JSON Schema: invalid on purpose.
    expect((await patchMeInvalid(accessToken, { name: "No Version" })).status).toBe(400);
    expect((await patchMeInvalid(accessToken, { name: "A", version: 1 }, { "If-Match": '"2"' })).status).toBe(400);
    const unbalanced = await patchMeInvalid(accessToken, { name: "A" }, { "If-Match": `"${user.version}` });
    expect(unbalanced.status).toBe(400);
    expect(((await unbalanced.json()) as ErrorBody).error).toMatchObject({ code: "VALIDATION_ERROR", details: [{ field: "header.if-match" }] });
    const first = await patchMe(accessToken, { name: "First", version: user.version });
    expect(first.status).toBe(200);
    const stale = await patchMe(accessToken, { name: "Second", version: user.version });
    expect(stale.status).toBe(409);
    const error = ((await stale.json()) as ErrorBody).error;
    expect(error).toMatchObject({ code: "VERSION_CONFLICT", details: { current: { name: "First", version: user.version + 1 } } });
  });

  it("a PATCH that changes nothing keeps the version", async () => {
    const { accessToken, user } = await signIn({ name: "Same" });
    const response = await patchMe(accessToken, { name: "Same", version: user.version });
    expect(response.status).toBe(200);
    expect(((await response.json()) as UserBody).data).toMatchObject({ version: user.version, updated_at: user.updated_at });
  });

  it("of 10 parallel PATCHes with the same version exactly one succeeds", async () => {
    const { accessToken, user } = await signIn();
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => patchMe(accessToken, { name: `Racer ${i}`, version: user.version })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(9);
    const row = await testDb().execute<{ version: number }>(sql`select version from users where id = ${user.id}`);
    expect(row.rows[0]?.version).toBe(user.version + 1);
  });
});

describe("GET /users/me/limits", () => {
  it("free: tier defaults plus unlocked perks, and usage, in one round trip", async () => {
    const { accessToken, user } = await signIn();
    await testDb().execute(sql`insert into user_achievements (user_id, achievement_id)
      select ${user.id}, id from achievement_definitions where perk_type = 'max_tasks' order by threshold limit 1`);
    const perk = await testDb().execute<{ value: number }>(sql`
      select perk_value as value from achievement_definitions where perk_type = 'max_tasks' order by threshold limit 1`);
    const bonus = perk.rows[0]?.value ?? 0;
    expect(bonus).toBeGreaterThan(0);
    await testDb().execute(sql`insert into task_instances (user_id, title) values (${user.id}, 'one'), (${user.id}, 'two')`);
    await testDb().execute(sql`insert into task_instances (user_id, title, archived) values (${user.id}, 'archived', true)`);

    const requestId = newRequestId("limits");
    const response = await call("/api/v1/users/me/limits", { headers: authHeaders(accessToken), requestId });
    expect(response.status).toBe(200);
    const { data } = (await response.json()) as { data: Record<string, unknown> };
    expect(data).toEqual({
      tier: "free",
      defaults: { max_tasks: 50, max_subtasks: 4, max_description_length: 1000, max_due_date_days: 30, daily_ai_credits: 0 },
      limits: { max_tasks: 50 + bonus, max_subtasks: 4, max_description_length: 1000, max_due_date_days: 30, daily_ai_credits: 0 },
      perks: { max_tasks: bonus, max_subtasks: 0, max_notes: 0, daily_ai_credits: 0 },
      usage: { active_tasks: 2, credits_balance: 5 },
    });
    expect(await roundTrips(requestId)).toBe(1);
  });

  it("pro: unlimited tasks stay unlimited whatever the perks", async () => {
    const { accessToken, user } = await signIn({ tier: "pro" });
    await testDb().execute(sql`insert into user_achievements (user_id, achievement_id)
      select ${user.id}, id from achievement_definitions where perk_type = 'max_tasks' order by threshold limit 1`);
    const response = await call("/api/v1/users/me/limits", { headers: authHeaders(accessToken) });
    const { data } = (await response.json()) as { data: { tier: string; limits: { max_tasks: number | null; max_subtasks: number; daily_ai_credits: number } } };
    expect(data.tier).toBe("pro");
    expect(data.limits).toMatchObject({ max_tasks: null, max_subtasks: 10, daily_ai_credits: 10 });
  });
});
