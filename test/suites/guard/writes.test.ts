import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb, newDbTrace } from "../../../src/db/client";
import { loadConfig } from "../../../src/env";
import { ApiError } from "../../../src/errors/api-error";
import { systemClock } from "../../../src/lib/clock";
import type { ServiceContext } from "../../../src/services/context";
import { IdempotentReplay, jsonResponse, type IdempotencyScope } from "../../../src/services/idempotency/types";
import { commitWrite, GuardFailed, readForWrite } from "../../../src/services/writes";
import { databaseUrl, neonEndpoint, testEnv } from "../../support/env";
import { injectFault } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";

/**
 * The write protocol of src/services/writes.ts at the service level: the idempotency record and the effect
 * commit together or not at all, whatever fails and whoever races. (The HTTP-level tests of SPEC §1.6 run
 * against the product's routes in their own suites.)
 */
function context(requestId = newRequestId("writes")): ServiceContext {
  const config = loadConfig(testEnv);
  if (!config.ok) throw new Error("test configuration invalid");
  const trace = newDbTrace(requestId, neonEndpoint());
  return {
    db: createDb(databaseUrl(), trace),
    trace,
    clock: systemClock,
    config: config.config,
    env: testEnv,
    requestId,
    actor: { type: "system", job: "test" },
    waitUntil: () => undefined,
  };
}

async function newUser(): Promise<string> {
  const id = crypto.randomUUID();
  await context().db.execute(sql`
    insert into users (id, google_sub, email, name) values (${id}, ${`sub-${id}`}, ${`${id}@example.com`}, 'Writer')`);
  return id;
}

function scopeFor(userId: string, key: string, requestHash = "a".repeat(64)): IdempotencyScope {
  return { userId, key, method: "POST", path: "/api/v1/tags-probe", requestHash, checked: false, stored: false };
}

const insertTag = (ctx: ServiceContext, userId: string, name: string) =>
  ctx.db.execute(sql`insert into tags (user_id, name) values (${userId}, ${name})`);

async function tagCount(userId: string, name: string): Promise<number> {
  const result = await context().db.execute<{ n: number }>(sql`select count(*)::int as n from tags where user_id = ${userId} and name = ${name}`);
  return result.rows[0]?.n ?? -1;
}

async function recordCount(userId: string, key: string): Promise<number> {
  const result = await context().db.execute<{ n: number }>(sql`select count(*)::int as n from idempotency_records where user_id = ${userId} and key = ${key}`);
  return result.rows[0]?.n ?? -1;
}

describe("commitWrite / readForWrite", () => {
  it("stores the response with the effect; the same request again replays it and changes nothing", async () => {
    const userId = await newUser();
    const first = context();
    first.idempotency = scopeFor(userId, "k1");
    const response = jsonResponse(201, { data: { name: "alpha" } });
    await commitWrite(first, [insertTag(first, userId, "alpha")], response);
    expect(first.idempotency.stored).toBe(true);

    const retry = context();
    retry.idempotency = scopeFor(userId, "k1");
    const replay = await readForWrite(retry, [retry.db.execute(sql`select 1`)]).catch((error: unknown) => error);
    expect(replay).toBeInstanceOf(IdempotentReplay);
    expect((replay as IdempotentReplay).response).toEqual(response);
    expect(await tagCount(userId, "alpha")).toBe(1);
  });

  it("a different request under the same key is 422 IDEMPOTENCY_KEY_REUSED", async () => {
    const userId = await newUser();
    const first = context();
    first.idempotency = scopeFor(userId, "k2");
    await commitWrite(first, [insertTag(first, userId, "beta")], jsonResponse(201, {}));
    const other = context();
    other.idempotency = scopeFor(userId, "k2", "b".repeat(64));
    const error = await commitWrite(other, [insertTag(other, userId, "gamma")], jsonResponse(201, {})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await tagCount(userId, "gamma")).toBe(0);
  });

  it("a failed guard aborts the effect and leaves no record", async () => {
    const userId = await newUser();
    const ctx = context();
    ctx.idempotency = scopeFor(userId, "k3");
    const error = await commitWrite(
      ctx,
      [insertTag(ctx, userId, "delta"), ctx.db.execute(sql`select perpetua_guard(false, 'VERSION_CONFLICT', '{"current": 7}'::jsonb)`)],
      jsonResponse(200, {}),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GuardFailed);
    expect((error as GuardFailed).code).toBe("VERSION_CONFLICT");
    expect((error as GuardFailed).details).toEqual({ current: 7 });
    expect(await tagCount(userId, "delta")).toBe(0);
    expect(await recordCount(userId, "k3")).toBe(0);
  });

  it("a response lost after the commit: the retry replays, the effect happened exactly once", async () => {
    const userId = await newUser();
    const requestId = newRequestId("lost");
    await injectFault({ mode: "after_commit", request_id: requestId, match: "idempotency_records", times: 1 });
    const first = context(requestId);
    first.idempotency = scopeFor(userId, "k4");
    const response = jsonResponse(201, { data: { name: "epsilon" } });
    await expect(commitWrite(first, [insertTag(first, userId, "epsilon")], response)).rejects.toThrow();
    expect(await tagCount(userId, "epsilon")).toBe(1);

    const retry = context(requestId);
    retry.idempotency = scopeFor(userId, "k4");
    const replay = await commitWrite(retry, [insertTag(retry, userId, "epsilon")], response).catch((e: unknown) => e);
    expect(replay).toBeInstanceOf(IdempotentReplay);
    expect((replay as IdempotentReplay).response).toEqual(response);
    expect(await tagCount(userId, "epsilon")).toBe(1);
  });

  it("20 parallel writes with one key: exactly one effect, every other one replays the same response", async () => {
    const userId = await newUser();
    const response = jsonResponse(201, { data: { name: "zeta" } });
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const ctx = context();
        ctx.idempotency = scopeFor(userId, "k5");
        // The effect itself would fail on a second run (unique name), so a second effect could not hide.
        return commitWrite(ctx, [insertTag(ctx, userId, "zeta")], response).then(
          () => "committed",
          (error: unknown) => (error instanceof IdempotentReplay ? "replayed" : `error: ${String(error)}`),
        );
      }),
    );
    expect(outcomes.filter((o) => o === "committed")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "replayed")).toHaveLength(19);
    expect(await tagCount(userId, "zeta")).toBe(1);
    expect(await recordCount(userId, "k5")).toBe(1);
  });

  it("two users may use the same key", async () => {
    const [a, b] = [await newUser(), await newUser()];
    for (const userId of [a, b]) {
      const ctx = context();
      ctx.idempotency = scopeFor(userId, "shared-key");
      await commitWrite(ctx, [insertTag(ctx, userId, "eta")], jsonResponse(201, {}));
    }
    expect(await tagCount(a, "eta")).toBe(1);
    expect(await tagCount(b, "eta")).toBe(1);
  });
});
