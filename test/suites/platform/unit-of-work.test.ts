import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ApiError, NotFound } from "../../../src/errors/api-error";
import { IdempotentReplay } from "../../../src/errors/replay";
import type { ServiceContext } from "../../../src/services/context";
import { guard } from "../../../src/services/guards";
import type { IdempotencyScope } from "../../../src/services/idempotency/types";
import { createTask } from "../../../src/services/tasks/create";
import { runWrite, storedResponse, WRITE_ATTEMPTS, type WriteUnit } from "../../../src/services/unit-of-work";
import { updateMe } from "../../../src/services/users/update-me";
import { injectFault, roundTrips } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { userServiceContext } from "../../support/service-context";

/**
 * The unit of work (src/services/unit-of-work.ts) at the service level: the idempotency record and every
 * contributed effect commit together or not at all, whatever fails and whoever races; services compose into
 * one batch; guards become their domain errors or re-runs. (The HTTP-level tests run against the product's
 * routes in their own suites.)
 */
const context = (userId: string, requestId?: string): ServiceContext => userServiceContext(userId, requestId).ctx;

async function newUser(): Promise<string> {
  const id = crypto.randomUUID();
  await context(id).db.execute(sql`
    insert into users (id, google_sub, email, name) values (${id}, ${`sub-${id}`}, ${`${id}@example.com`}, 'Writer')`);
  return id;
}

function withKey(ctx: ServiceContext, key: string, requestHash = "a".repeat(64)): ServiceContext {
  const scope: IdempotencyScope = { userId: ctx.actor.type === "user" ? ctx.actor.userId : "", key, method: "POST", path: "/api/v1/probe", requestHash, checked: false, stored: false };
  return { ...ctx, idempotency: scope };
}

/** A minimal write: reads nothing, inserts one tag (unique per user and name, so a second effect would fail). */
function addTag(ctx: ServiceContext, name: string, extra: (unit: WriteUnit) => void = () => undefined) {
  return runWrite(ctx, { operation: "test.tag", status: 201 }, async (unit) => {
    const userId = ctx.actor.type === "user" ? ctx.actor.userId : "";
    unit.write(unit.ctx.db.execute(sql`insert into tags (user_id, name) values (${userId}, ${name})`));
    extra(unit);
    return { name };
  });
}

async function count(query: ReturnType<typeof sql>): Promise<number> {
  const result = await context(crypto.randomUUID()).db.execute<{ n: number }>(query);
  return result.rows[0]?.n ?? -1;
}
const tagCount = (userId: string, name: string) => count(sql`select count(*)::int as n from tags where user_id = ${userId} and name = ${name}`);
const recordCount = (userId: string, key: string) => count(sql`select count(*)::int as n from idempotency_records where user_id = ${userId} and key = ${key}`);
const taskCount = (userId: string) => count(sql`select count(*)::int as n from task_instances where user_id = ${userId}`);

describe("runWrite: idempotency and atomicity", () => {
  it("stores the response with the effect; the same request again replays it and changes nothing", async () => {
    const userId = await newUser();
    const first = withKey(context(userId), "k1");
    expect(await addTag(first, "alpha")).toEqual({ name: "alpha" });
    expect(first.idempotency?.stored).toBe(true);

    const replay = await runWrite(withKey(context(userId), "k1"), { operation: "test.tag", status: 201 }, async (unit) => {
      unit.read(unit.ctx.db.execute(sql`select 1`));
      await unit.load();
      return { name: "never" };
    }).catch((error: unknown) => error);
    expect(replay).toBeInstanceOf(IdempotentReplay);
    expect((replay as IdempotentReplay).response).toEqual(storedResponse({ operation: "test.tag", status: 201 }, { name: "alpha" }));
    expect(await tagCount(userId, "alpha")).toBe(1);
  });

  it("a different request under the same key is 422 IDEMPOTENCY_KEY_REUSED", async () => {
    const userId = await newUser();
    await addTag(withKey(context(userId), "k2"), "beta");
    const error = await addTag(withKey(context(userId), "k2", "b".repeat(64)), "gamma").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await tagCount(userId, "gamma")).toBe(0);
  });

  it("a failed guard aborts the effect, leaves no record, and is its domain error from the one table", async () => {
    const userId = await newUser();
    const ctx = withKey(context(userId), "k3");
    const error = await addTag(ctx, "delta", (unit) => unit.write(unit.ctx.db.execute(sql`select ${guard("TASK_NOT_FOUND", sql`false`)}`))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFound);
    expect((error as ApiError).message).toBe("Task not found.");
    expect(await tagCount(userId, "delta")).toBe(0);
    expect(await recordCount(userId, "k3")).toBe(0);
  });

  it("a response lost after the commit: the retry replays, the effect happened exactly once", async () => {
    const userId = await newUser();
    const requestId = newRequestId("lost");
    await injectFault({ mode: "after_commit", request_id: requestId, match: "idempotency_records", times: 1 });
    await expect(addTag(withKey(context(userId, requestId), "k4"), "epsilon")).rejects.toThrow();
    expect(await tagCount(userId, "epsilon")).toBe(1);

    const replay = await addTag(withKey(context(userId, requestId), "k4"), "epsilon").catch((e: unknown) => e);
    expect(replay).toBeInstanceOf(IdempotentReplay);
    expect((replay as IdempotentReplay).response.body).toBe(JSON.stringify({ data: { name: "epsilon" } }));
    expect(await tagCount(userId, "epsilon")).toBe(1);
  });

  it("20 parallel writes with one key: exactly one effect, every other one replays the same response", async () => {
    const userId = await newUser();
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () =>
        addTag(withKey(context(userId), "k5"), "zeta").then(
          () => "committed",
          (error: unknown) => (error instanceof IdempotentReplay ? "replayed" : `error: ${String(error)}`),
        ),
      ),
    );
    expect(outcomes.filter((outcome) => outcome === "committed")).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === "replayed")).toHaveLength(19);
    expect(await tagCount(userId, "zeta")).toBe(1);
    expect(await recordCount(userId, "k5")).toBe(1);
  });

  it("two users may use the same key", async () => {
    const [a, b] = [await newUser(), await newUser()];
    for (const userId of [a, b]) await addTag(withKey(context(userId), "shared-key"), "eta");
    expect(await tagCount(a, "eta")).toBe(1);
    expect(await tagCount(b, "eta")).toBe(1);
  });
});

describe("runWrite: re-runs", () => {
  it("a STATE_MOVED guard re-runs the write on fresh reads; the second run commits once", async () => {
    const userId = await newUser();
    let runs = 0;
    const value = await runWrite(withKey(context(userId), "moved"), { operation: "test.moved" }, async (unit) => {
      runs += 1;
      const seen = unit.read(unit.ctx.db.execute<{ n: number }>(sql`select count(*)::int as n from tags where user_id = ${userId}`));
      await unit.load();
      unit.write(unit.ctx.db.execute(sql`insert into tags (user_id, name) values (${userId}, ${`run-${runs}`})`));
      // The first run "loses a race": its guard fails, and nothing of it commits.
      unit.write(unit.ctx.db.execute(sql`select ${guard("STATE_MOVED", runs === 1 ? sql`false` : sql`true`)}`));
      return { runs, tags_seen: seen.result.rows[0]?.n ?? -1 };
    });
    expect(value).toEqual({ runs: 2, tags_seen: 0 });
    expect(await tagCount(userId, "run-1")).toBe(0);
    expect(await tagCount(userId, "run-2")).toBe(1);
  });

  it("a write that keeps losing answers 503 SERVICE_UNAVAILABLE with Retry-After after a bounded number of runs", async () => {
    const userId = await newUser();
    let runs = 0;
    const error = await runWrite(context(userId), { operation: "test.moved" }, async (unit) => {
      runs += 1;
      unit.write(unit.ctx.db.execute(sql`select ${guard("STATE_MOVED", sql`false`)}`));
      return {};
    }).catch((e: unknown) => e);
    expect(runs).toBe(WRITE_ATTEMPTS);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe("SERVICE_UNAVAILABLE");
    expect((error as ApiError).headers["Retry-After"]).toBeDefined();
  });

  it("a deadlock (40P01) reported for the commit batch rolls it back and the write runs again", async () => {
    const userId = await newUser();
    const requestId = newRequestId("deadlock");
    await injectFault({ mode: "error", request_id: requestId, match: "insert into tags", code: "40P01", message: "deadlock detected", times: 1 });
    expect(await addTag(withKey(context(userId, requestId), "dl"), "theta")).toEqual({ name: "theta" });
    expect(await tagCount(userId, "theta")).toBe(1);
    expect(await recordCount(userId, "dl")).toBe(1);
  });
});

describe("runWrite: services compose into one unit of work", () => {
  it("two services' writes under one Idempotency-Key: shared read round trip, one batch, both effects; the replay is the combined answer", async () => {
    const userId = await newUser();
    const requestId = newRequestId("combined");
    const spec = { operation: "test.combined", status: 201 } as const;
    const combined = (ctx: ServiceContext) =>
      runWrite(ctx, spec, async (unit) => {
        const [task, user] = await Promise.all([
          createTask({ ctx: unit.ctx, input: { title: "Plan the week" } }),
          updateMe({ ctx: unit.ctx, input: { version: 1, name: "Planner" } }),
        ]);
        return { task, user };
      });
    const value = await combined(withKey(context(userId, requestId), "both"));
    expect(value.task.title).toBe("Plan the week");
    expect(value.user).toMatchObject({ name: "Planner", version: 2 });
    // The two services' reads rode in one round trip with the key lookup; the commit was the second.
    expect(await roundTrips(requestId)).toBe(2);
    expect(await taskCount(userId)).toBe(1);
    const [activity] = (
      await context(userId).db.execute<{ actions: string[] }>(sql`
        select array_agg(entity_type || '.' || action order by created_at) as actions from activity_log where request_id = ${requestId}`)
    ).rows;
    expect(activity?.actions).toEqual(["task.created", "user.updated"]);

    const replay = await combined(withKey(context(userId), "both")).catch((e: unknown) => e);
    expect(replay).toBeInstanceOf(IdempotentReplay);
    expect((replay as IdempotentReplay).response.body).toBe(JSON.stringify({ data: value }));
    expect(await taskCount(userId)).toBe(1);
  });

  it("a failure in the second service's part of the batch leaves neither effect (nor a record)", async () => {
    const userId = await newUser();
    const error = await runWrite(withKey(context(userId), "neither"), { operation: "test.combined" }, async (unit) => {
      const task = await createTask({ ctx: unit.ctx, input: { title: "Never saved" } });
      const user = await updateMe({ ctx: unit.ctx, input: { version: 1, name: "Never renamed" } });
      // Someone else renames the user between this write's read and its commit: updateMe's guard fails.
      await context(userId).db.execute(sql`update users set version = version + 1, name = 'Elsewhere' where id = ${userId}`);
      return { task, user };
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe("VERSION_CONFLICT");
    expect((error as ApiError).details).toMatchObject({ current: { name: "Elsewhere", version: 2 } });
    expect(await taskCount(userId)).toBe(0);
    expect(await recordCount(userId, "neither")).toBe(0);
  });

  it("an integer the batch decides under concurrency reaches the answer and the stored replay alike", async () => {
    const userId = await newUser();
    const ctx = withKey(context(userId), "bound");
    const value = await runWrite(ctx, { operation: "test.bound", status: 201 }, async (unit) => {
      const answer = { title: "x", position: 0 };
      answer.position = unit.bindInteger("position", sql`select 41 + 1`, (decided) => {
        answer.position = decided;
      });
      unit.write(unit.ctx.db.execute(sql`select 1`));
      return answer;
    });
    expect(value).toEqual({ title: "x", position: 42 });
    const replay = await addTag(withKey(context(userId), "bound"), "unused").catch((e: unknown) => e);
    expect((replay as IdempotentReplay).response.body).toBe(JSON.stringify({ data: { title: "x", position: 42 } }));
  });
});
