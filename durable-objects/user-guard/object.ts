import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../../src/env";
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
// Per-task AI counters live as long as a login session can (refresh tokens last 7 days, SPEC §2).
const AI_COUNTER_TTL_MS = 7 * 86_400_000;

interface AiCounter {
  count: number;
  lastAt: number;
}

/**
 * UserGuard – one per user id, or one per client IP for /auth/* (ARCHITECTURE "Durable Objects"). Holds the
 * sliding-window logs of SPEC §1.7 and the per-(session, task) AI counters of SPEC §7. A Durable Object runs
 * one request at a time, so check-and-count is atomic without locks; state lives in `ctx.storage`, so an
 * eviction loses nothing, and an alarm deletes what has gone idle.
 *
 * `now` comes from the caller (the Worker's clock, which tests pin); storage time and alarms use it too.
 */
export class UserGuard extends DurableObject<Bindings> {
  /**
   * The one call per request on the hot path: every bucket is checked, and the request is counted in all of
   * them only if all allow it (a request refused by the AI budget does not eat the general one). The per-task
   * AI counter, when asked for, is counted in the same call.
   */
  async check(buckets: BucketRequest[], now: number, ai?: AiCountRequest): Promise<GuardDecision> {
    const logs = await Promise.all(buckets.map((bucket) => this.readLog(bucket.name)));
    const slid = buckets.map((bucket, index) => ({ bucket, ...slide(logs[index] ?? [], now, bucket.limit, bucket.windowSeconds * 1000) }));
    let allowed = slid.every((entry) => entry.decision.allowed);
    let aiDecision: AiCountDecision | undefined;
    let aiCounter: AiCounter | undefined;
    if (allowed && ai) {
      const key = aiKey(ai.sessionId, ai.taskId);
      const current = (await this.ctx.storage.get<AiCounter>(key)) ?? { count: 0, lastAt: now };
      const blocked = current.count >= ai.blockAfter;
      const count = blocked ? current.count : current.count + 1;
      aiDecision = { count, warn: count >= ai.warnAt, blocked };
      if (blocked) allowed = false;
      else aiCounter = { count, lastAt: now };
    }
    if (allowed) {
      const writes: Record<string, unknown> = {};
      for (const entry of slid) writes[BUCKET_PREFIX + entry.bucket.name] = entry.log;
      if (ai && aiCounter) writes[aiKey(ai.sessionId, ai.taskId)] = aiCounter;
      await this.ctx.storage.put(writes);
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
    const windows = (await this.ctx.storage.get<Record<string, number>>("windows")) ?? {};
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
    if (Number.isFinite(next)) await this.ctx.storage.setAlarm(next + 1000);
    else await this.ctx.storage.deleteAll();
  }

  /** Liveness of the binding: answers with the name the object was addressed by. */
  async ping(name: string): Promise<{ name: string; at: string }> {
    return { name, at: new Date().toISOString() };
  }

  private async readLog(name: string): Promise<number[]> {
    return (await this.ctx.storage.get<number[]>(BUCKET_PREFIX + name)) ?? [];
  }

  // One alarm is enough: it re-arms itself for the next thing that can expire.
  private async scheduleCleanup(now: number, buckets: BucketRequest[]): Promise<void> {
    const windows = (await this.ctx.storage.get<Record<string, number>>("windows")) ?? {};
    let changed = false;
    for (const bucket of buckets) {
      if (windows[bucket.name] !== bucket.windowSeconds) {
        windows[bucket.name] = bucket.windowSeconds;
        changed = true;
      }
    }
    if (changed) await this.ctx.storage.put("windows", windows);
    if ((await this.ctx.storage.getAlarm()) === null) {
      const longestMs = buckets.length > 0 ? Math.max(...buckets.map((bucket) => bucket.windowSeconds)) * 1000 : AI_COUNTER_TTL_MS;
      await this.ctx.storage.setAlarm(now + longestMs + 1000);
    }
  }
}

function aiKey(sessionId: string, taskId: string): string {
  return `${AI_PREFIX}${sessionId}:${taskId}`;
}
