import { describe, expect, it } from "vitest";
import { MAX_CONNECTIONS } from "../../../durable-objects/user-hub/policy";
import { signTestAccessToken } from "../../support/auth";
import { errorOf, expectData, newClient, createTask } from "../../support/factories";
import { roundTrips } from "../../support/neon-control";
import { call, newRequestId } from "../../support/requests";
import { trackStreams } from "./helpers";

/** docs/reminders-notifications-realtime.md "Tickets" and "Connections": who may open a stream, and how many. */
const stream = trackStreams();

interface Ticket {
  ticket: string;
  expires_at: string;
}

const streamPath = (query = "") => `/api/v1/events/stream${query}`;

describe("GET /events/stream: authentication, tickets and the connection cap", () => {
  it("401 UNAUTHORIZED without credentials, with a bad token; TOKEN_EXPIRED for an expired one", async () => {
    const none = await call(streamPath(), { invalid: true });
    expect(none.status).toBe(401);
    expect((await errorOf(none)).code).toBe("UNAUTHORIZED");
    const garbage = await call(streamPath(), { headers: { Authorization: "Bearer not.a.token" } });
    expect((await errorOf(garbage)).code).toBe("UNAUTHORIZED");
    const past = Math.floor(Date.now() / 1000) - 3600;
    const expired = await signTestAccessToken({ sub: crypto.randomUUID(), sid: crypto.randomUUID(), tier: "free", issuedAt: past, expiresAt: past + 60 });
    const refused = await call(streamPath(), { headers: { Authorization: `Bearer ${expired}` } });
    expect((await errorOf(refused)).code).toBe("TOKEN_EXPIRED");
    // Bad input is 400, never a 500.
    expect((await call(streamPath(`?last_event_id=${"9".repeat(65)}`), { headers: { Authorization: `Bearer ${expired}` }, invalid: true })).status).toBe(400);
  });

  it(`the ${MAX_CONNECTIONS + 1}th stream of a user is 429 RATE_LIMITED with Retry-After; a closed stream frees its slot`, async () => {
    const client = await newClient();
    const streams = [];
    for (let i = 0; i < MAX_CONNECTIONS; i += 1) streams.push(await stream({ accessToken: client.accessToken }));
    const refused = await call(streamPath(), { headers: { Authorization: `Bearer ${client.accessToken}` } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect((await errorOf(refused)).code).toBe("RATE_LIMITED");
    // Another user is not affected.
    const other = await newClient();
    await stream({ accessToken: other.accessToken });

    // The closed stream's slot is free for the next connection at once (the hub probes its streams when full).
    await streams[0]?.close();
    const again = await stream({ accessToken: client.accessToken });
    await createTask(client);
    expect((await again.nextEvent()).event).toBe("task.created");
  });

  it("a ticket opens one stream (0 round trips to open; 1 to issue); its second use is 401", async () => {
    const client = await newClient();
    const issueId = newRequestId("ticket");
    const issued = await expectData<Ticket>(await client.request("POST", "/events/tickets", { requestId: issueId }), 201);
    expect(await roundTrips(issueId)).toBe(1);
    expect(Date.parse(issued.expires_at) - Date.now()).toBeLessThanOrEqual(60_000);
    expect(issued.ticket).not.toContain(client.accessToken);

    const openId = newRequestId("ticket-open");
    const s = await stream({ ticket: issued.ticket, requestId: openId });
    expect(await roundTrips(openId)).toBe(0);
    await s.checkContract();
    await createTask(client);
    expect((await s.nextEvent()).event).toBe("task.created");

    const reused = await call(streamPath(`?ticket=${encodeURIComponent(issued.ticket)}`));
    expect(reused.status).toBe(401);
    expect((await errorOf(reused)).code).toBe("UNAUTHORIZED");
  });

  it("a replayed ticket request answers the same ticket, still single use", async () => {
    const client = await newClient();
    const key = crypto.randomUUID();
    const issued = await expectData<Ticket>(await client.request("POST", "/events/tickets", { key }), 201);
    const replay = await client.request("POST", "/events/tickets", { key });
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await expectData<Ticket>(replay, 201)).toEqual(issued);
    await stream({ ticket: issued.ticket });
    expect((await call(streamPath(`?ticket=${encodeURIComponent(issued.ticket)}`))).status).toBe(401);
  });

  it("an expired, forged or other user's ticket, or an access token in the URL, is 401", async () => {
    const alice = await newClient();
    const bob = await newClient();
    const ticketOf = async (client: typeof alice) => (await expectData<Ticket>(await client.request("POST", "/events/tickets"), 201)).ticket;

    const late = await ticketOf(alice);
    const expired = await call(streamPath(`?ticket=${encodeURIComponent(late)}`), { headers: { "X-Test-Now": new Date(Date.now() + 61_000).toISOString() } });
    expect((await errorOf(expired)).code).toBe("UNAUTHORIZED");

    const genuine = await ticketOf(alice);
    const [header, payload, signature] = genuine.split(".");
    const claims = JSON.parse(atob((payload ?? "").replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
    const swapped = btoa(JSON.stringify({ ...claims, sub: bob.userId })).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    for (const forged of [`${header ?? ""}.${swapped}.${signature ?? ""}`, `${genuine.slice(0, -4)}AAAA`, "not-a-ticket"]) {
      const refused = await call(streamPath(`?ticket=${encodeURIComponent(forged)}`));
      expect((await errorOf(refused)).code).toBe("UNAUTHORIZED");
    }
    // An access token is never a ticket.
    const token = await call(streamPath(`?ticket=${encodeURIComponent(alice.accessToken)}`));
    expect((await errorOf(token)).code).toBe("UNAUTHORIZED");

    // Bob's bearer with Alice's ticket: refused, and the ticket is not spent – Alice can still use it.
    const mixed = await call(streamPath(`?ticket=${encodeURIComponent(genuine)}`), { headers: { Authorization: `Bearer ${bob.accessToken}` } });
    expect((await errorOf(mixed)).code).toBe("UNAUTHORIZED");
    const hers = await stream({ ticket: genuine });
    await createTask(alice, { title: "Alice's" });
    expect(JSON.parse((await hers.nextEvent()).data)).toMatchObject({ title: "Alice's" });
  });
});
