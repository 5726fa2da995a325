import { env } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { checkGuard, guardName, type BucketRequest } from "../../../durable-objects/user-guard/client";
import type { UserGuard } from "../../../durable-objects/user-guard/object";
import { testEnv } from "../../support/env";

const general = (limit = 5): BucketRequest => ({ name: "general", limit, windowSeconds: 60 });
const ai = (limit = 2): BucketRequest => ({ name: "ai", limit, windowSeconds: 60 });
const subject = () => ({ kind: "user" as const, userId: crypto.randomUUID() });
const at = (base: number, seconds: number) => new Date(base + seconds * 1000);

async function hits(s: ReturnType<typeof subject>, buckets: BucketRequest[], times: Date[]) {
  const out = [];
  for (const time of times) out.push(await checkGuard(testEnv, s, buckets, time));
  return out;
}

describe("UserGuard sliding window (docs/conventions.md#rate-limits)", () => {
  it("lets exactly N requests through in a window and refuses N+1 with an accurate Retry-After", async () => {
    const s = subject();
    const t0 = Date.now();
    const results = await hits(s, [general(5)], [0, 1, 2, 3, 4, 10].map((sec) => at(t0, sec)));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, false]);
    expect(results.map((r) => r.buckets[0]?.remaining)).toEqual([4, 3, 2, 1, 0, 0]);
    // The oldest counted request (t0) leaves the window at t0+60 s: 50 s after the refusal at t0+10 s.
    expect(results[5]?.buckets[0]?.retryAfterSeconds).toBe(50);
    const later = await checkGuard(testEnv, s, [general(5)], at(t0, 60.5));
    expect(later.allowed).toBe(true);
  });

  it("allows no 2× burst across a window boundary", async () => {
    const s = subject();
    const t0 = Date.now();
    // Five at the end of one minute…
    await hits(s, [general(5)], [55, 56, 57, 58, 59].map((sec) => at(t0, sec)));
    // …and right after a fixed-window boundary would reset: still refused, the window slides.
    const next = await hits(s, [general(5)], [61, 62, 100].map((sec) => at(t0, sec)));
    expect(next.map((r) => r.allowed)).toEqual([false, false, false]);
    expect((await checkGuard(testEnv, s, [general(5)], at(t0, 115.5))).allowed).toBe(true);
  });

  it("keeps the AI and general budgets independent, and a refused request eats neither", async () => {
    const s = subject();
    const t0 = Date.now();
    const aiRoute = [general(5), ai(2)];
    const results = await hits(s, aiRoute, [0, 1, 2].map((sec) => at(t0, sec)));
    expect(results.map((r) => r.allowed)).toEqual([true, true, false]);
    expect(results[2]?.buckets.find((b) => b.name === "ai")?.allowed).toBe(false);
    // The refused AI request was not counted in the general budget: 3 more general requests fit (5 − 2).
    const plain = await hits(s, [general(5)], [3, 4, 5, 6].map((sec) => at(t0, sec)));
    expect(plain.map((r) => r.allowed)).toEqual([true, true, true, false]);
  });

  it("keeps its state when the object is evicted", async () => {
    const s = subject();
    const t0 = Date.now();
    await hits(s, [general(3)], [0, 1, 2].map((sec) => at(t0, sec)));
    const stub = env.USER_GUARD.get(env.USER_GUARD.idFromName(guardName(s)));
    await evictDurableObject(stub);
    expect((await checkGuard(testEnv, s, [general(3)], at(t0, 3))).allowed).toBe(false);
  });

  it("clears idle state with its alarm", async () => {
    const s = subject();
    // Requests two minutes in the past: their window is over by the time the alarm runs.
    const past = Date.now() - 120_000;
    await hits(s, [general(3)], [0, 1].map((sec) => at(past, sec)));
    const stub = env.USER_GUARD.get(env.USER_GUARD.idFromName(guardName(s)));
    expect(await runInDurableObject(stub, async (_instance: UserGuard, state) => (await state.storage.list()).size)).toBeGreaterThan(0);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await runInDurableObject(stub, async (_instance: UserGuard, state) => (await state.storage.list()).size)).toBe(0);
  });

  it("keeps live state through the alarm and re-arms it", async () => {
    const s = subject();
    await checkGuard(testEnv, s, [general(3)], new Date());
    const stub = env.USER_GUARD.get(env.USER_GUARD.idFromName(guardName(s)));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const state = await runInDurableObject(stub, async (_instance: UserGuard, st) => ({
      keys: [...(await st.storage.list()).keys()],
      alarm: await st.storage.getAlarm(),
    }));
    expect(state.keys).toContain("bucket:general");
    expect(state.alarm).not.toBeNull();
    await runDurableObjectAlarm(stub);
  });
});

describe("per-task AI counters (docs/ai.md)", () => {
  const count = (s: ReturnType<typeof subject>, sessionId: string, taskId: string) =>
    checkGuard(testEnv, s, [], new Date(), { sessionId, taskId, warnAt: 5, blockAfter: 10 });

  it("warns from the 5th request, refuses the 11th, per (session, task); a new session starts at zero", async () => {
    const s = subject();
    const sid = crypto.randomUUID();
    const task = crypto.randomUUID();
    const decisions = [];
    for (let i = 0; i < 11; i++) decisions.push((await count(s, sid, task)).ai);
    expect(decisions.map((d) => d?.warn)).toEqual([false, false, false, false, true, true, true, true, true, true, true]);
    expect(decisions.map((d) => d?.blocked)).toEqual([...Array(10).fill(false), true]);
    expect(decisions[10]?.count).toBe(10);
    expect((await count(s, sid, crypto.randomUUID())).ai).toEqual({ count: 1, warn: false, blocked: false });
    expect((await count(s, crypto.randomUUID(), task)).ai).toEqual({ count: 1, warn: false, blocked: false });
  });
});
