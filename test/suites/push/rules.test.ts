import { base64url } from "jose";
import { describe, expect, it, vi } from "vitest";
import { authHeaders } from "../../support/auth";
import { testEnv } from "../../support/env";
import { dbRows, newClient, sql } from "../../support/factories";
import { createProbeApp, probe } from "../../support/probe-app";
import { endpointProblem } from "../../../src/services/push/endpoint";
import { deliverPush, retryAfterSeconds } from "../../../src/services/push/deliver";
import { PUSH_PAYLOAD_MAX_BYTES, pushPayload } from "../../../src/services/push/payload";
import { systemContext } from "../../../src/services/system-context";
import { encryptPayload } from "../../../src/services/push/web-push";
import { seedNotification, subscribe } from "./support";

/** The Web Push rules that do not need the push service: endpoints per environment, payload budget, Retry-After, push off. */
const withoutVapid = { VAPID_PUBLIC_KEY: undefined, VAPID_PRIVATE_KEY: undefined, VAPID_SUBJECT: undefined };

describe("Web Push rules", () => {
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

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = new Date("2026-03-01T09:00:00Z");
    expect(retryAfterSeconds("1", now)).toBe(1);
    expect(retryAfterSeconds(" 120 ", now)).toBe(120);
    expect(retryAfterSeconds("Sun, 01 Mar 2026 09:00:30 GMT", now)).toBe(30);
    expect(retryAfterSeconds("Sun, 01 Mar 2026 08:00:00 GMT", now)).toBe(0);
    expect(retryAfterSeconds("soon", now)).toBeUndefined();
    expect(retryAfterSeconds(null, now)).toBeUndefined();
  });

  it("without VAPID keys push is off: the key answers 503 SERVICE_UNAVAILABLE, the consumer acks without sending", async () => {
    const client = await newClient();
    const response = await probe(createProbeApp(), "/api/v1/push/vapid-public-key", { headers: authHeaders(client.accessToken), env: withoutVapid });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: "SERVICE_UNAVAILABLE", message: "Web Push is not configured on this server." } });

    await subscribe(client);
    const id = await seedNotification(client.userId);
    const ctx = systemContext({ ...testEnv, ...withoutVapid }, { waitUntil: () => undefined }, "test:push-off", "push_deliver");
    await deliverPush({ ctx, message: { type: "push_deliver", notification_id: id } });
    expect(await dbRows(sql`select 1 from push_deliveries where notification_id = ${id}`)).toEqual([]);
  });

  it("half a VAPID configuration is refused at start-up, naming what is missing", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const response = await probe(createProbeApp(), "/api/v1/health/live", { env: { VAPID_PRIVATE_KEY: undefined } });
    expect(response.status).toBe(500);
    expect(errors.mock.calls.map((args) => String(args[0])).join("\n")).toContain("VAPID_PRIVATE_KEY");
    errors.mockRestore();
  });
});

describe("Web Push encryption (RFC 8291)", () => {
  it("reproduces the RFC 8291 Appendix A message byte for byte", async () => {
    // Published test data of RFC 8291 Appendix A (not credentials).
    const asPublic = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    const point = base64url.decode(asPublic);
    const jwk = { kty: "EC", crv: "P-256", x: base64url.encode(point.slice(1, 33)), y: base64url.encode(point.slice(33)) };
    const senderKeys = {
      privateKey: await crypto.subtle.importKey("jwk", { ...jwk, d: "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw" }, { name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]),
      publicKey: await crypto.subtle.importKey("raw", point, { name: "ECDH", namedCurve: "P-256" }, true, []),
    };
    const body = await encryptPayload(
      new TextEncoder().encode("When I grow up, I want to be a watermelon"),
      { p256dh: "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4", auth: "BTBZMqHH6r4Tts7J_aSIgg" },
      { senderKeys, salt: base64url.decode("DGv6ra1nlYgDCS1FRnbzlw") },
    );
    expect(base64url.encode(body)).toBe(
      "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
    );
  });
});
