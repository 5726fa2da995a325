import { describe, expect, inject, it } from "vitest";
import { roundTrips } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { dbRows, errorOf, expectData, newClient, sql } from "../../support/factories";
import { PUSH_SUBSCRIPTIONS_PER_USER } from "../../../src/services/push/subscriptions";
import { mintSubscription, subscribe, type PushSubscriptionJson } from "./support";

/** docs/reminders-notifications-realtime.md "Web Push": the VAPID key and the subscription resource. */
describe("Web Push subscriptions", () => {
  it("answers the VAPID public key (the applicationServerKey) without touching the database", async () => {
    const client = await newClient();
    const requestId = newRequestId("vapid-key");
    const key = await expectData<{ public_key: string }>(await client.request("GET", "/push/vapid-public-key", { requestId }));
    expect(key).toEqual({ public_key: inject("vapidPublicKey") });
    expect(key.public_key).toMatch(/^B[A-Za-z0-9_-]{86}$/);
    expect(await roundTrips(requestId)).toBe(0);
  });

  it("creates a subscription in two round trips without echoing its keys; re-posting keeps it; a key replays", async () => {
    const client = await newClient();
    const browser = await mintSubscription();
    const requestId = newRequestId("push-subscribe");
    const key = crypto.randomUUID();
    const response = await client.request("POST", "/push/subscriptions", { body: browser, key, requestId });
    const text = await response.clone().text();
    const created = await expectData<PushSubscriptionJson>(response, 201);
    expect(await roundTrips(requestId)).toBe(2);
    expect(created).toEqual({ id: expect.any(String), endpoint: browser.endpoint, created_at: expect.any(String) });
    expect(text).not.toContain(browser.keys.p256dh);
    expect(text).not.toContain(browser.keys.auth);

    const replay = await client.request("POST", "/push/subscriptions", { body: browser, key });
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await expectData(replay, 201)).toEqual(created);

    // The same browser again (a new key, as a page reload would send), posting `toJSON()` whole: the same subscription.
    expect(await expectData(await client.request("POST", "/push/subscriptions", { body: { ...browser, expirationTime: null } }), 201)).toEqual(created);
    expect(await expectData(await client.request("GET", "/push/subscriptions"))).toEqual([created]);
    const [stored] = await dbRows<{ p256dh: string; auth: string }>(sql`select p256dh, auth from push_subscriptions where id = ${created.id}`);
    expect(stored).toEqual(browser.keys);
  });

  it("the same browser subscribing under another account moves to that account", async () => {
    const first = await newClient();
    const second = await newClient();
    const { minted, subscription: old } = await subscribe(first);
    const { subscription: moved } = await subscribe(second, minted);
    expect(moved.id).not.toBe(old.id);
    expect(await expectData(await first.request("GET", "/push/subscriptions"))).toEqual([]);
    expect(await expectData(await second.request("GET", "/push/subscriptions"))).toEqual([moved]);
    expect((await errorOf(await first.request("DELETE", `/push/subscriptions/${old.id}`))).code).toBe("NOT_FOUND");
  });

  it(`keeps at most ${PUSH_SUBSCRIPTIONS_PER_USER} per user: a new one replaces the least recently used`, async () => {
    const client = await newClient();
    const created: PushSubscriptionJson[] = [];
    for (let i = 0; i < PUSH_SUBSCRIPTIONS_PER_USER + 1; i += 1) created.push((await subscribe(client)).subscription);
    const listed = await expectData<PushSubscriptionJson[]>(await client.request("GET", "/push/subscriptions"));
    expect(listed).toHaveLength(PUSH_SUBSCRIPTIONS_PER_USER);
    expect(listed.map((s) => s.id)).not.toContain(created[0]?.id);
    expect(listed.map((s) => s.id)).toEqual(expect.arrayContaining(created.slice(1).map((s) => s.id)));
  });

  it("deletes one: 204, then 404; the list in one round trip", async () => {
    const client = await newClient();
    const { subscription } = await subscribe(client);
    const listId = newRequestId("push-list");
    expect(await expectData(await client.request("GET", "/push/subscriptions", { requestId: listId }))).toEqual([subscription]);
    expect(await roundTrips(listId)).toBe(1);
    const deleteId = newRequestId("push-unsubscribe");
    const gone = await client.request("DELETE", `/push/subscriptions/${subscription.id}`, { requestId: deleteId });
    expect(gone.status).toBe(204);
    expect(await roundTrips(deleteId)).toBe(1);
    expect((await errorOf(await client.request("DELETE", `/push/subscriptions/${subscription.id}`))).code).toBe("NOT_FOUND");
    expect(await expectData(await client.request("GET", "/push/subscriptions"))).toEqual([]);
  });
});
