import { sql } from "drizzle-orm";
import { ValidationFailed } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { iso } from "../tasks/present";
import { runWrite } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { endpointProblem, keyProblems } from "./endpoint";

/** A push subscription as the API answers it: never its keys (the client has them; nobody else needs them). */
export interface PushSubscription {
  id: string;
  endpoint: string;
  created_at: string;
}

export interface SubscribeInput {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/**
 * At most this many subscriptions per user (browsers, devices, profiles). A 21st replaces the least
 * recently used one (created or last delivered to): a user who reinstalls browsers never gets stuck, and
 * a dead subscription that no push service ever refused cannot pile up.
 */
export const PUSH_SUBSCRIPTIONS_PER_USER = 20;

interface ExistingRow extends Record<string, unknown> {
  id: string;
  user_id: string;
  created_at: string;
}

/**
 * `POST /push/subscriptions` (docs/reminders-notifications-realtime.md "Web Push"): an upsert by endpoint.
 * The same endpoint again from the same user keeps its id and `created_at` and takes the keys sent (a
 * browser's keys can rotate); from another user (the browser now signed in to another account) the old
 * row and its pending deliveries are deleted and the caller gets a new subscription – the previous
 * account's notifications never reach that browser again. Always 201 with the subscription as it now is.
 *
 * Two round trips: the row of that endpoint (with the Idempotency-Key lookup), then one batch – the user's
 * row locked first (parallel subscribes of one user queue, so the per-user limit holds), the upsert, a
 * guard that the endpoint's row is the one answered (else a parallel subscribe of the same endpoint won
 * and the write re-runs on fresh reads), and the least recently used rows beyond the limit deleted.
 */
export async function subscribePush({ ctx, input }: { ctx: ServiceContext; input: SubscribeInput }): Promise<PushSubscription> {
  const userId = requireUserId(ctx);
  const problems = await keyProblems(input.keys);
  const endpoint = endpointProblem(input.endpoint, ctx.config.ENVIRONMENT);
  if (endpoint !== undefined) problems.unshift({ field: "endpoint", reason: endpoint });
  if (problems.length > 0) throw new ValidationFailed(problems);
  const p256dh = input.keys.p256dh.replace(/=+$/, "");
  const auth = input.keys.auth.replace(/=+$/, "");

  return runWrite(ctx, { operation: "push.subscribe", status: 201 }, async (unit) => {
    const found = unit.read(
      ctx.db.execute<ExistingRow>(sql`select id, user_id, created_at::text as created_at from push_subscriptions where endpoint = ${input.endpoint}`),
    );
    await unit.load();
    const existing = found.result.rows[0];
    const mine = existing !== undefined && existing.user_id === userId;
    const id = mine ? existing.id : crypto.randomUUID();
    const createdAt = mine ? iso(existing.created_at) : ctx.clock.now().toISOString();
    unit.writeAll([
      // NO KEY UPDATE, not UPDATE: the batch's idempotency record (inserted first, its user_id a foreign key)
      // already holds KEY SHARE on this row, which FOR UPDATE conflicts with – two parallel subscribes then
      // deadlocked (1 s detection, a retry, a database timeout). NO KEY UPDATE still queues them on each other.
      ctx.db.execute(sql`select 1 from users where id = ${userId} for no key update`),
      ctx.db.execute(sql`delete from push_subscriptions where endpoint = ${input.endpoint} and user_id <> ${userId}`),
      ctx.db.execute(sql`
        insert into push_subscriptions (id, user_id, endpoint, p256dh, auth, created_at)
        values (${id}, ${userId}, ${input.endpoint}, ${p256dh}, ${auth}, ${createdAt}::timestamptz)
        on conflict (endpoint) do update set p256dh = excluded.p256dh, auth = excluded.auth, failure_count = 0
          where push_subscriptions.user_id = excluded.user_id`),
      ctx.db.execute(sql`select ${guard(
        "STATE_MOVED",
        sql`exists (select 1 from push_subscriptions where endpoint = ${input.endpoint} and id = ${id} and user_id = ${userId})`,
      )}`),
      ctx.db.execute(sql`
        delete from push_subscriptions where id in (
          select id from push_subscriptions where user_id = ${userId} and id <> ${id}
          order by greatest(created_at, coalesce(last_success_at, created_at)) desc, id desc
          offset ${PUSH_SUBSCRIPTIONS_PER_USER - 1})`),
    ]);
    return { id, endpoint: input.endpoint, created_at: createdAt };
  });
}

/**
 * `DELETE /push/subscriptions/{id}`: one of the caller's subscriptions (another user's or an unknown id →
 * 404). Its pending deliveries go with it. One round trip: the guarded delete.
 */
export function unsubscribePush({ ctx, input }: { ctx: ServiceContext; input: { id: string } }): Promise<void> {
  const userId = requireUserId(ctx);
  return runWrite(ctx, { operation: "push.unsubscribe", status: 204 }, async (unit) => {
    unit.write(
      ctx.db.execute(sql`
        with removed as (delete from push_subscriptions where id = ${input.id} and user_id = ${userId} returning id)
        select ${guard("PUSH_SUBSCRIPTION_NOT_FOUND", sql`exists (select 1 from removed)`)}`),
    );
  });
}

/** `GET /push/subscriptions`: the caller's subscriptions, newest first (at most PUSH_SUBSCRIPTIONS_PER_USER). One round trip. */
export async function listPushSubscriptions({ ctx }: { ctx: ServiceContext }): Promise<PushSubscription[]> {
  const userId = requireUserId(ctx);
  const result = await ctx.db.execute<{ id: string; endpoint: string; created_at: string }>(sql`
    select id, endpoint, created_at::text as created_at from push_subscriptions where user_id = ${userId}
    order by created_at desc, id desc`);
  return result.rows.map((row) => ({ id: row.id, endpoint: row.endpoint, created_at: iso(row.created_at) }));
}
