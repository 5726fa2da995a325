import { describe, expect, it } from "vitest";
import { call } from "../../support/requests";
import { errorOf, newClient } from "../../support/factories";
import { mintSubscription, subscribe } from "./support";

/** docs/reminders-notifications-realtime.md "Web Push": authentication, ownership, and what a subscription may name. */
const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

describe("Web Push security", () => {
  it("401 without a token on every push operation", async () => {
    for (const [method, path] of [
      ["GET", "/api/v1/push/vapid-public-key"],
      ["GET", "/api/v1/push/subscriptions"],
      ["POST", "/api/v1/push/subscriptions"],
      ["DELETE", `/api/v1/push/subscriptions/${crypto.randomUUID()}`],
    ] as const) {
      expect((await call(path, { method, invalid: true })).status).toBe(401);
    }
  });

  it("another user's subscription is 404 and untouched", async () => {
    const owner = await newClient();
    const other = await newClient();
    const { subscription } = await subscribe(owner);
    expect((await errorOf(await other.request("DELETE", `/push/subscriptions/${subscription.id}`))).code).toBe("NOT_FOUND");
    expect((await errorOf(await other.request("DELETE", `/push/subscriptions/${crypto.randomUUID()}`))).code).toBe("NOT_FOUND");
    expect((await other.request("DELETE", "/push/subscriptions/not-a-uuid", { invalid: true })).status).toBe(400);
    const listed = await owner.request("GET", "/push/subscriptions");
    expect(((await listed.json()) as { data: { id: string }[] }).data.map((s) => s.id)).toEqual([subscription.id]);
  });

  it("400 VALIDATION_ERROR naming the field: endpoints that are not public https, ill-formed or oversize keys, missing fields", async () => {
    const client = await newClient();
    const { keys } = await mintSubscription();
    const notOnCurve = new Uint8Array(65).fill(7);
    notOnCurve[0] = 4;
    const compressed = new Uint8Array(33).fill(9);
    compressed[0] = 2;
    // Every case breaks what the document says about the body (its descriptions state the rules a JSON schema
    // cannot: public https hosts, a point on the curve), so only the answer is checked against the document.
    const cases: { body: unknown; field: string }[] = [
      { body: { endpoint: "http://push.example.com/send/1", keys }, field: "endpoint" },
      { body: { endpoint: "ftp://push.example.com/send/1", keys }, field: "endpoint" },
      { body: { endpoint: "not a url", keys }, field: "endpoint" },
      { body: { endpoint: "https://user:pw@push.example.com/1", keys }, field: "endpoint" },
      { body: { endpoint: "https://10.0.0.5/push/1", keys }, field: "endpoint" },
      { body: { endpoint: "https://192.168.1.20/push/1", keys }, field: "endpoint" },
      { body: { endpoint: "https://172.20.0.1/push/1", keys }, field: "endpoint" },
      { body: { endpoint: "https://169.254.169.254/latest/meta-data", keys }, field: "endpoint" },
      { body: { endpoint: "https://[fe80::1]/push/1", keys }, field: "endpoint" },
      { body: { endpoint: "https://[fd12:3456::1]/push/1", keys }, field: "endpoint" },
      { body: { endpoint: "https://0.0.0.0/push/1", keys }, field: "endpoint" },
      { body: { endpoint: `https://push.example.com/${"a".repeat(2048)}`, keys }, field: "endpoint" },
      { body: { endpoint: "https://push.example.com/1", keys: { ...keys, p256dh: b64(notOnCurve) } }, field: "keys.p256dh" },
      { body: { endpoint: "https://push.example.com/1", keys: { ...keys, p256dh: b64(compressed) } }, field: "keys.p256dh" },
      { body: { endpoint: "https://push.example.com/1", keys: { ...keys, p256dh: "not base64url!" } }, field: "keys.p256dh" },
      { body: { endpoint: "https://push.example.com/1", keys: { ...keys, p256dh: "A".repeat(400) } }, field: "keys.p256dh" },
      { body: { endpoint: "https://push.example.com/1", keys: { ...keys, auth: b64(new Uint8Array(15)) } }, field: "keys.auth" },
      { body: { endpoint: "https://push.example.com/1", keys: { ...keys, auth: "A".repeat(100) } }, field: "keys.auth" },
      { body: { keys }, field: "endpoint" },
      { body: { endpoint: "https://push.example.com/1" }, field: "keys" },
      { body: { endpoint: "https://push.example.com/1", keys: { p256dh: keys.p256dh } }, field: "keys.auth" },
      { body: { endpoint: "https://push.example.com/1", keys, topic: "news" }, field: "topic" },
      { body: { endpoint: "https://push.example.com/1", keys, expirationTime: "soon" }, field: "expirationTime" },
    ];
    for (const { body, field } of cases) {
      const error = await errorOf(await client.request("POST", "/push/subscriptions", { body, invalid: true }));
      expect({ body, ...error }).toMatchObject({ body, status: 400, code: "VALIDATION_ERROR", details: expect.arrayContaining([expect.objectContaining({ field })]) });
    }
    const listed = await client.request("GET", "/push/subscriptions");
    expect(((await listed.json()) as { data: unknown[] }).data).toEqual([]);
  });
});
