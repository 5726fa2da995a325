import { describe, expect, it } from "vitest";
import { call } from "../../support/requests";
import { errorOf, newClient } from "../../support/factories";
import { endpointProblem } from "../../../src/services/push/endpoint";
import { PUSH_PAYLOAD_MAX_BYTES, pushPayload } from "../../../src/services/push/payload";
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
      { body: { endpoint: "https://push.example.com/1", keys, expirationTime: null }, field: "expirationTime" },
    ];
    for (const { body, field } of cases) {
      const error = await errorOf(await client.request("POST", "/push/subscriptions", { body, invalid: true }));
      expect({ body, ...error }).toMatchObject({ body, status: 400, code: "VALIDATION_ERROR", details: expect.arrayContaining([expect.objectContaining({ field })]) });
    }
    const listed = await client.request("GET", "/push/subscriptions");
    expect(((await listed.json()) as { data: unknown[] }).data).toEqual([]);
  });

  it("the environment rule: loopback (http too) only in development and test, never in staging or production", () => {
    for (const environment of ["production", "staging"] as const) {
      for (const endpoint of ["http://127.0.0.1:9000/push/1", "https://127.0.0.1/push/1", "http://localhost/push", "https://localhost/push", "https://[::1]/push", "http://[::1]:8080/push", "https://app.localhost/push", "https://[::ffff:127.0.0.1]/push", "http://fcm.googleapis.com/fcm/send/1"]) {
        expect({ environment, endpoint, problem: endpointProblem(endpoint, environment) }).toEqual({ environment, endpoint, problem: expect.any(String) });
      }
      expect(endpointProblem("https://fcm.googleapis.com/fcm/send/abc", environment)).toBeUndefined();
      expect(endpointProblem("https://updates.push.services.mozilla.com/wpush/v2/abc", environment)).toBeUndefined();
    }
    for (const environment of ["development", "test"] as const) {
      expect(endpointProblem("http://127.0.0.1:9000/push/1", environment)).toBeUndefined();
      expect(endpointProblem("http://localhost:8080/push", environment)).toBeUndefined();
      expect(endpointProblem("http://[::1]:8080/push", environment)).toBeUndefined();
      expect(endpointProblem("http://push.example.com/1", environment)).toEqual(expect.any(String));
      expect(endpointProblem("https://10.1.2.3/push", environment)).toEqual(expect.any(String));
      expect(endpointProblem("https://[::ffff:10.1.2.3]/push", environment)).toEqual(expect.any(String));
    }
  });

  it("keeps the push payload within its budget: a long body is cut at a character boundary with an ellipsis", () => {
    const notification = { id: crypto.randomUUID(), kind: "reminder" as const, title: "Long", body: "😀".repeat(2000), data: { task_id: crypto.randomUUID() }, read: false, created_at: "2026-03-01T09:00:00.000Z" };
    const payload = pushPayload(notification);
    expect(new TextEncoder().encode(payload).length).toBeLessThanOrEqual(PUSH_PAYLOAD_MAX_BYTES);
    const parsed = JSON.parse(payload) as typeof notification;
    expect(parsed).toMatchObject({ id: notification.id, title: "Long", data: notification.data });
    expect(parsed.body.endsWith("…")).toBe(true);
    expect(parsed.body.isWellFormed()).toBe(true);
    expect(JSON.parse(pushPayload({ ...notification, body: "short" }))).toEqual({ ...notification, body: "short" });
  });
});
