import type { Notification } from "../../../src/services/notifications/present";
import { describe, expect, inject, it } from "vitest";
import { dbRows, expectData, newClient, sql } from "../../support/factories";
import { userServiceContext } from "../../support/service-context";
import { enqueuePush } from "../../../src/services/push/deliver";
import { runWrite } from "../../../src/services/unit-of-work";
import { deliveries, endpointLog, eventually, programEndpoint, seedNotification, sendPush, subscribe, type PushSubscriptionJson } from "./support";

/**
 * docs/reminders-notifications-realtime.md "Web Push": a push_deliver message on the real push queue, the
 * Worker's consumer, and the push service fake that verifies VAPID and decrypts what it gets.
 */
type NotificationJson = Notification;

describe("Web Push delivery", () => {
  it("delivers the notification as the API presents it, encrypted (aes128gcm) and VAPID-signed", async () => {
    const client = await newClient();
    const { minted, subscription } = await subscribe(client);
    const id = await seedNotification(client.userId, { title: "Call Ana", body: "Before lunch – ☎️", data: { task_id: crypto.randomUUID() } });

    await sendPush({ type: "push_deliver", notification_id: id });
    const log = await eventually("the push", async () => {
      const current = await endpointLog(minted.endpoint);
      return current.received.length > 0 ? current : undefined;
    });

    expect(log.rejected).toEqual([]);
    const [push] = log.received;
    const listed = (await expectData<NotificationJson[]>(await client.request("GET", "/notifications"))).find((n) => n.id === id);
    expect(JSON.parse(push?.payload ?? "null")).toEqual(listed);
    expect(listed).toMatchObject({ id, kind: "reminder", title: "Call Ana", body: "Before lunch – ☎️" });
    // The fake verified the ES256 signature with k=; these are the claims it checked.
    expect(push?.claims).toMatchObject({ aud: inject("pushService"), sub: inject("vapidSubject") });
    expect(push).toMatchObject({ ttl: "86400", urgency: "high" });

    const [row] = await deliveries(id);
    expect(row).toMatchObject({ subscription_id: subscription.id, status: "delivered", attempts: 1, last_status_code: 201 });
    const [state] = await dbRows<{ failure_count: number; delivered: boolean }>(sql`
      select failure_count, last_success_at is not null as delivered from push_subscriptions where id = ${subscription.id}`);
    expect(state).toEqual({ failure_count: 0, delivered: true });
  });

  it("the same message delivered five times pushes exactly once to each subscription", async () => {
    const client = await newClient();
    const browsers = [await subscribe(client), await subscribe(client)];
    const id = await seedNotification(client.userId, { type: "achievement", title: "Achievement unlocked" });

    await Promise.all(Array.from({ length: 5 }, () => sendPush({ type: "push_deliver", notification_id: id })));
    // Each fan-out sends one message per subscription (10 in all); only a pending delivery can be claimed,
    // so once both are delivered with one attempt each, no further send can ever happen.
    const rows = await eventually("both deliveries", async () => {
      const current = await deliveries(id);
      return current.length === 2 && current.every((row) => row.status === "delivered") ? current : undefined;
    });
    expect(rows.map((row) => row.attempts)).toEqual([1, 1]);
    for (const { minted } of browsers) {
      const log = await endpointLog(minted.endpoint);
      expect(log.received).toHaveLength(1);
      expect(log.answered).toEqual([201]);
      expect(log.received[0]?.urgency).toBe("normal");
    }
  });

  it("a 410 from the push service deletes the subscription", async () => {
    const client = await newClient();
    const { minted, subscription } = await subscribe(client);
    await programEndpoint(minted.endpoint, [{ status: 410, times: 100 }]);
    const id = await seedNotification(client.userId);

    await sendPush({ type: "push_deliver", notification_id: id });
    await eventually("the subscription's deletion", async () => {
      const rows = await dbRows<{ id: string }>(sql`select id from push_subscriptions where id = ${subscription.id}`);
      return rows.length === 0 ? true : undefined;
    });
    expect((await endpointLog(minted.endpoint)).answered).toEqual([410]);
    expect(await deliveries(id)).toEqual([]);
    expect(await expectData<PushSubscriptionJson[]>(await client.request("GET", "/push/subscriptions"))).toEqual([]);
  });

  it("a 503 with Retry-After is retried through the queue, then delivered", async () => {
    const client = await newClient();
    const { minted, subscription } = await subscribe(client);
    await programEndpoint(minted.endpoint, [{ status: 503, retry_after: "1", times: 2 }]);
    const id = await seedNotification(client.userId, { title: "Pay rent" });

    await sendPush({ type: "push_deliver", notification_id: id });
    const log = await eventually("the push after two 503s", async () => {
      const current = await endpointLog(minted.endpoint);
      return current.received.length > 0 ? current : undefined;
    }, 30_000);
    expect(log.answered).toEqual([503, 503, 201]);
    expect(JSON.parse(log.received[0]?.payload ?? "null")).toMatchObject({ id, title: "Pay rent" });
    expect(await deliveries(id)).toEqual([{ subscription_id: subscription.id, status: "delivered", attempts: 3, last_status_code: 201 }]);
    const [state] = await dbRows<{ failure_count: number }>(sql`select failure_count from push_subscriptions where id = ${subscription.id}`);
    expect(state?.failure_count).toBe(0);
  });

  it("another 4xx (413) fails the delivery for good: not retried, the subscription kept", async () => {
    const client = await newClient();
    const { minted, subscription } = await subscribe(client);
    await programEndpoint(minted.endpoint, [{ status: 413, times: 100 }]);
    const id = await seedNotification(client.userId);

    await sendPush({ type: "push_deliver", notification_id: id });
    const rows = await eventually("the failed delivery", async () => {
      const current = await deliveries(id);
      return current[0]?.status === "failed" ? current : undefined;
    });
    expect(rows).toEqual([{ subscription_id: subscription.id, status: "failed", attempts: 1, last_status_code: 413 }]);
    expect((await endpointLog(minted.endpoint)).answered).toEqual([413]);
    expect(await dbRows(sql`select id from push_subscriptions where id = ${subscription.id}`)).toHaveLength(1);
  });

  it("a browser that moved to another account never gets the previous account's notifications", async () => {
    const first = await newClient();
    const second = await newClient();
    const { minted } = await subscribe(first);
    const kept = await subscribe(first);
    await subscribe(second, minted);
    const id = await seedNotification(first.userId, { title: "Only for the first account" });

    await sendPush({ type: "push_deliver", notification_id: id });
    await eventually("the push to the first account's remaining browser", async () => ((await endpointLog(kept.minted.endpoint)).received.length > 0 ? true : undefined));
    expect(await deliveries(id)).toEqual([{ subscription_id: kept.subscription.id, status: "delivered", attempts: 1, last_status_code: 201 }]);
    expect((await endpointLog(minted.endpoint)).answered).toEqual([]);
  });

  it("a producer only enqueues: the notification and enqueuePush in one write reach the browser through the outbox", async () => {
    const client = await newClient();
    const { minted } = await subscribe(client);
    const { ctx, settled } = userServiceContext(client.userId);
    const id = crypto.randomUUID();
    await runWrite(ctx, { operation: "test.reminder_fired", status: 201 }, async (unit) => {
      unit.write(ctx.db.execute(sql`insert into notifications (id, user_id, type, title, body) values (${id}, ${client.userId}, 'reminder', 'Stand-up', 'In 5 minutes')`));
      enqueuePush(unit, id);
      return { id };
    });
    await settled();
    const log = await eventually("the push", async () => {
      const current = await endpointLog(minted.endpoint);
      return current.received.length > 0 ? current : undefined;
    });
    expect(JSON.parse(log.received[0]?.payload ?? "null")).toMatchObject({ id, kind: "reminder", title: "Stand-up", body: "In 5 minutes", read: false });
    const [outbox] = await dbRows<{ sent: boolean }>(sql`select sent_at is not null as sent from outbox where message->>'notification_id' = ${id} and message->>'subscription_id' is null`);
    expect(outbox).toEqual({ sent: true });
  });

  it("a delivery whose consumer died mid-send (its lease ran out) is taken over by the redelivered message", async () => {
    const client = await newClient();
    const { minted, subscription } = await subscribe(client);
    const id = await seedNotification(client.userId, { title: "Taken over" });
    await dbRows(sql`insert into push_deliveries (notification_id, subscription_id, status, attempts, claimed_until)
      values (${id}, ${subscription.id}, 'sending', 1, now() - interval '1 second') returning 1`);

    await sendPush({ type: "push_deliver", notification_id: id, subscription_id: subscription.id });
    const rows = await eventually("the take-over", async () => {
      const current = await deliveries(id);
      return current[0]?.status === "delivered" ? current : undefined;
    });
    expect(rows).toEqual([{ subscription_id: subscription.id, status: "delivered", attempts: 2, last_status_code: 201 }]);
    expect((await endpointLog(minted.endpoint)).received).toHaveLength(1);
  });
});

