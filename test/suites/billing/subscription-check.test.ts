import { describe, expect, it } from "vitest";
import { DAILY } from "../../../cron";
import { clientAt, expectData, newClient } from "../../support/factories";
import { runOnly, worker } from "../../support/scheduled";
import { rows, sql, testDb } from "../platform/database";
import { DAY_MS, deliverOk, paymentEvent, proSession, subscriptionNotifications, subscriptionRow } from "./support";

/**
 * The daily `subscription_check` through the Worker's real scheduled entry (docs/billing.md#daily-subscription-check),
 * as of a chosen instant. The job acts on every subscription of the shared database, so each test lives in
 * its own past year: the other billing files' subscriptions (periods around the real now) are never due at
 * these instants, and each run date is claimed once.
 */
describe("scheduled: daily subscription_check", () => {
  runOnly(DAILY, ["subscription_check"]);

  it("three declines → grace; at grace end + 1 day → free (expired) with a notification; once per run date", async () => {
    const client = await newClient();
    const base = Date.parse("2019-03-05T12:00:00.000Z");
    // The checkout an hour before the payment (the subscription lives in that past year).
    const session = await proSession(await clientAt(client, new Date(base - 3_600_000).toISOString()));
    await deliverOk(paymentEvent(session, { type: "payment_captured", createdOn: new Date(base) }).body, new Date(base));
    let lastDecline = base;
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      lastDecline = base + (27 + attempt) * DAY_MS;
      await deliverOk(paymentEvent(session, { type: "payment_declined", createdOn: new Date(lastDecline) }).body, new Date(lastDecline));
    }
    const graceEnd = lastDecline + 7 * DAY_MS;
    expect(await subscriptionRow(client.userId)).toMatchObject({ status: "grace", tier: "pro" });

    // The day before grace ends: nothing moves (the period ended meanwhile, but grace is already running).
    await worker.scheduled({ cron: DAILY, scheduledTime: new Date(Math.floor(graceEnd / DAY_MS) * DAY_MS) });
    expect(await subscriptionRow(client.userId)).toMatchObject({ status: "grace", tier: "pro" });

    const runAt = new Date((Math.floor(graceEnd / DAY_MS) + 2) * DAY_MS);
    expect(runAt.getTime()).toBeGreaterThan(graceEnd + DAY_MS);
    await worker.scheduled({ cron: DAILY, scheduledTime: runAt });
    expect(await subscriptionRow(client.userId)).toMatchObject({ status: "expired", tier: "free" });
    const limits = await expectData<{ tier: string; limits: { max_subtasks: number } }>(await client.request("GET", "/users/me/limits"));
    expect(limits).toMatchObject({ tier: "free", limits: { max_subtasks: 4 } });
    expect((await expectData<{ status: string; tier: string }>(await client.request("GET", "/subscription")))).toMatchObject({ status: "expired", tier: "free" });
    const changes = (await subscriptionNotifications(client.userId)).map((n) => n.data);
    expect(changes.at(-1)).toEqual({ change: "expired", status: "expired" });
    expect(changes.filter((change) => change.change === "expired")).toHaveLength(1);

    // The same run date again, even later in the day: claimed already, nothing twice.
    await worker.scheduled({ cron: DAILY, scheduledTime: new Date(runAt.getTime() + 3_600_000) });
    expect((await subscriptionNotifications(client.userId)).filter((n) => n.data.change === "expired")).toHaveLength(1);
    const runs = await rows<{ n: string }>(testDb("billing"), sql`select count(*)::text as n from job_runs where job = 'subscription_check' and run_date = ${runAt.toISOString().slice(0, 10)}::date`);
    expect(runs[0]?.n).toBe("1");
    // A downgrade deletes nothing: the credits granted stay in the ledger.
    const lots = await rows<{ n: string }>(testDb("billing"), sql`select count(*)::text as n from credit_lots where user_id = ${client.userId} and kind = 'subscription'`);
    expect(lots[0]?.n).toBe("1");
  });

  it("cancelled at period end → at the first run after the period: cancelled, free, notified", async () => {
    const client = await newClient();
    const base = Date.parse("2018-01-10T08:00:00.000Z");
    // The checkout an hour before the payment (the subscription lives in that past year).
    const session = await proSession(await clientAt(client, new Date(base - 3_600_000).toISOString()));
    await deliverOk(paymentEvent(session, { type: "payment_captured", createdOn: new Date(base) }).body, new Date(base));
    // Cancelled a day in, as of that day (the access token is valid then).
    await expectData(await (await clientAt(client, new Date(base + DAY_MS).toISOString())).request("POST", "/subscription/cancel"));
    const periodEnd = new Date((await subscriptionRow(client.userId))?.current_period_end ?? "").getTime();
    // Before the period ends: still Pro.
    await worker.scheduled({ cron: DAILY, scheduledTime: new Date(Math.floor(periodEnd / DAY_MS) * DAY_MS) });
    expect(await subscriptionRow(client.userId)).toMatchObject({ status: "active", tier: "pro", cancel_at_period_end: true });
    await worker.scheduled({ cron: DAILY, scheduledTime: new Date((Math.floor(periodEnd / DAY_MS) + 1) * DAY_MS) });
    expect(await subscriptionRow(client.userId)).toMatchObject({ status: "cancelled", tier: "free" });
    expect((await subscriptionNotifications(client.userId)).map((n) => n.data.change)).toEqual(["activated", "cancel_scheduled", "cancelled"]);
  });

  it("a period that ended without a renewal payment → grace for 7 days from its end, still Pro", async () => {
    const client = await newClient();
    const base = Date.parse("2017-05-01T09:30:00.000Z");
    // The checkout an hour before the payment (the subscription lives in that past year).
    const session = await proSession(await clientAt(client, new Date(base - 3_600_000).toISOString()));
    await deliverOk(paymentEvent(session, { type: "payment_captured", createdOn: new Date(base) }).body, new Date(base));
    const periodEnd = new Date((await subscriptionRow(client.userId))?.current_period_end ?? "").getTime();
    await worker.scheduled({ cron: DAILY, scheduledTime: new Date((Math.floor(periodEnd / DAY_MS) + 1) * DAY_MS) });
    const row = await subscriptionRow(client.userId);
    expect(row).toMatchObject({ status: "grace", tier: "pro" });
    expect(new Date(row?.grace_period_end ?? "").getTime()).toBe(periodEnd + 7 * DAY_MS);
    expect((await subscriptionNotifications(client.userId)).map((n) => n.data.change)).toEqual(["activated", "period_ended"]);
  });
});
