import { DurableObject } from "cloudflare:workers";
import { slide, type WindowDecision } from "./sliding-window";

export interface BucketRequest {
  /** e.g. "general", "ai", "auth" – the policy name in the RateLimit headers. */
  name: string;
  limit: number;
  windowSeconds: number;
}

export interface AiCountRequest {
  sessionId: string;
  taskId: string;
  warnAt: number;
  blockAfter: number;
}

export interface AiCountDecision {
  /** Requests counted on this (session, task), including this one when allowed. */
  count: number;
  warn: boolean;
  blocked: boolean;
}

export interface GuardDecision {
  buckets: (WindowDecision & { name: string; windowSeconds: number })[];
  allowed: boolean;
  ai?: AiCountDecision;
}

const BUCKET_PREFIX = "bucket:";
const AI_PREFIX = "ai:";
const WINDOWS_KEY = "windows";
// Per-task AI counters live as long as a login session can (refresh tokens last 7 days, docs/identity.md).
const AI_COUNTER_TTL_MS = 7 * 86_400_000;

interface AiCounter {
  count: number;
  lastAt: number;
}

/**
 * UserGuard – one per user id, or one per client IP for /auth/* (ARCHITECTURE "Durable Objects"). Holds the
 * sliding-window logs of docs/conventions.md#rate-limits and the per-(session, task) AI counters of docs/ai.md. A Durable Object runs
 * one request at a time, so check-and-count is atomic without locks; state lives in `ctx.storage`, so an
 * eviction loses nothing, and an alarm deletes what has gone idle.
 *
 * `now` comes from the caller (the Worker's clock, which tests pin); storage time and alarms use it too.
 */
// No env type parameter: it reads no bindings, and `Bindings` (src/env.ts) names this class – a type cycle otherwise.
export class UserGuard extends DurableObject {
  private readonly memory = new Map<string, unknown>();
  private alarmArmed: boolean | undefined;

  /**
   * The one call per request on the hot path: every bucket is checked, and the request is counted in all of
   * them only if all allow it (a request refused by the AI budget does not eat the general one). The per-task
   * AI counter, when asked for, is counted in the same call.
   */
  async check(buckets: BucketRequest[], now: number, ai?: AiCountRequest): Promise<GuardDecision> {
    const counterKey = ai ? aiKey(ai.sessionId, ai.taskId) : undefined;
    const state = await this.read([...buckets.map((bucket) => BUCKET_PREFIX + bucket.name), ...(counterKey ? [counterKey] : [])]);
    const slid = buckets.map((bucket) => ({
      bucket,
      ...slide((state.get(BUCKET_PREFIX + bucket.name) as number[] | undefined) ?? [], now, bucket.limit, bucket.windowSeconds * 1000),
    }));
    let allowed = slid.every((entry) => entry.decision.allowed);
    let aiDecision: AiCountDecision | undefined;
    let aiCounter: AiCounter | undefined;
    if (allowed && ai && counterKey) {
      const current = (state.get(counterKey) as AiCounter | undefined) ?? { count: 0, lastAt: now };
      const blocked = current.count >= ai.blockAfter;
      const count = blocked ? current.count : current.count + 1;
      aiDecision = { count, warn: count >= ai.warnAt, blocked };
      if (blocked) allowed = false;
      else aiCounter = { count, lastAt: now };
    }
    if (allowed) {
      const writes: Record<string, unknown> = {};
      for (const entry of slid) writes[BUCKET_PREFIX + entry.bucket.name] = entry.log;
      if (counterKey && aiCounter) writes[counterKey] = aiCounter;
      await this.write(writes);
      await this.scheduleCleanup(now, buckets);
    }
    return {
      allowed,
      buckets: slid.map((entry) => ({
        name: entry.bucket.name,
        windowSeconds: entry.bucket.windowSeconds,
        ...entry.decision,
        // A request refused by another bucket was not counted here.
        ...(allowed ? {} : { remaining: Math.max(0, entry.decision.remaining + (entry.decision.allowed ? 1 : 0)) }),
      })),
      ...(aiDecision ? { ai: aiDecision } : {}),
    };
  }

  /** Deletes bucket logs with no request inside their window, and AI counters idle for 7 days. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const entries = await this.ctx.storage.list<unknown>();
    const windows = (entries.get(WINDOWS_KEY) as Record<string, number> | undefined) ?? {};
    const stale: string[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const [key, value] of entries) {
      if (key.startsWith(BUCKET_PREFIX)) {
        const log = value as number[];
        const windowMs = (windows[key.slice(BUCKET_PREFIX.length)] ?? 60) * 1000;
        const newest = log.at(-1) ?? 0;
        if (newest + windowMs <= now) stale.push(key);
        else next = Math.min(next, newest + windowMs);
      } else if (key.startsWith(AI_PREFIX)) {
        const counter = value as AiCounter;
        if (counter.lastAt + AI_COUNTER_TTL_MS <= now) stale.push(key);
        else next = Math.min(next, counter.lastAt + AI_COUNTER_TTL_MS);
      }
    }
    if (stale.length > 0) await this.ctx.storage.delete(stale);
    for (const key of stale) this.memory.delete(key);
    if (Number.isFinite(next)) {
      await this.ctx.storage.setAlarm(next + 1000);
      this.alarmArmed = true;
    } else {
      await this.ctx.storage.deleteAll();
      this.memory.clear();
      this.alarmArmed = false;
    }
  }

  /** Liveness of the binding: answers with the name the object was addressed by. */
  async ping(name: string): Promise<{ name: string; at: string }> {
    return { name, at: new Date().toISOString() };
  }

  /**
   * Reads through an in-memory copy: this object is the only writer of its storage and runs one request at
   * a time, so after the first read of a key the copy is exact and the hot path does no storage reads.
   * Storage stays the truth (an eviction drops only the copy).
   */
  private async read(keys: string[]): Promise<Map<string, unknown>> {
    const missing = keys.filter((key) => !this.memory.has(key));
    if (missing.length > 0) {
      const found = await this.ctx.storage.get<unknown>(missing);
      for (const key of missing) this.memory.set(key, found.get(key));
    }
    return new Map(keys.map((key) => [key, this.memory.get(key)]));
  }

  /**
   * `allowUnconfirmed`: the answer does not wait for the write to be durable (the output gate would hold it
   * until then). Losing the last few counts in a machine crash only lets a few requests more through – the
   * limiter fails open anyway – while every request saves a storage flush on the hot path.
   */
  private async write(entries: Record<string, unknown>): Promise<void> {
    for (const [key, value] of Object.entries(entries)) this.memory.set(key, value);
    await this.ctx.storage.put(entries, { allowUnconfirmed: true });
  }

  // One alarm is enough: it re-arms itself for the next thing that can expire.
  private async scheduleCleanup(now: number, buckets: BucketRequest[]): Promise<void> {
    const windows = ((await this.read([WINDOWS_KEY])).get(WINDOWS_KEY) as Record<string, number> | undefined) ?? {};
    if (buckets.some((bucket) => windows[bucket.name] !== bucket.windowSeconds)) {
      const updated = { ...windows };
      for (const bucket of buckets) updated[bucket.name] = bucket.windowSeconds;
      await this.write({ [WINDOWS_KEY]: updated });
    }
    this.alarmArmed ??= (await this.ctx.storage.getAlarm()) !== null;
    if (!this.alarmArmed) {
      const longestMs = buckets.length > 0 ? Math.max(...buckets.map((bucket) => bucket.windowSeconds)) * 1000 : AI_COUNTER_TTL_MS;
      await this.ctx.storage.setAlarm(now + longestMs + 1000);
      this.alarmArmed = true;
    }
  }
}

function aiKey(sessionId: string, taskId: string): string {
  return `${AI_PREFIX}${sessionId}:${taskId}`;
}
