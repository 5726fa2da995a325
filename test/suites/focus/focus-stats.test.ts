import { describe, expect, it } from "vitest";
import { roundTrips } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { clientAt, dbRows, expectData, newClient, sql, type TestClient } from "../../support/factories";

interface FocusDayJson {
  day: string;
  sessions: number;
  completed: number;
  focus_seconds: number;
}

async function seedEnded(userId: string, startedAt: string, status: "completed" | "ended_early" | "abandoned", elapsedSeconds: number, plannedMinutes = 25): Promise<void> {
  await dbRows(sql`
    insert into focus_sessions (user_id, planned_minutes, started_at, ended_at, elapsed_seconds, status)
    values (${userId}, ${plannedMinutes}, ${startedAt}::timestamptz, ${startedAt}::timestamptz + make_interval(secs => ${elapsedSeconds}::int),
            ${elapsedSeconds}, ${status})
    returning id`);
}

async function statsAt(client: TestClient, now: string, requestId = newRequestId("focus-stats")): Promise<FocusDayJson[]> {
  const pinned = await clientAt(client, now);
  return expectData<FocusDayJson[]>(await pinned.request("GET", "/focus/stats", { requestId }));
}

const byDay = (days: FocusDayJson[]) => Object.fromEntries(days.filter((d) => d.sessions > 0).map((d) => [d.day, d]));

/** docs/reminders-notifications-realtime.md "Focus mode": per local day of the user's time zone, last 30 days. */
describe("focus – stats", () => {
  it("30 zero-filled days oldest → newest, sessions on the local day they started across the US DST change (America/New_York, 2026-03-08), 1 round trip", async () => {
    const client = await newClient();
    await dbRows(sql`update users set timezone = 'America/New_York' where id = ${client.userId} returning id`);
    // EST (UTC−5) until 2026-03-08 02:00 local, then EDT (UTC−4): local midnight is 05:00Z on the 8th, 04:00Z on the 9th.
    await seedEnded(client.userId, "2026-03-08T04:59:00Z", "completed", 1500); // 03-07 23:59 EST
    await seedEnded(client.userId, "2026-03-08T05:01:00Z", "ended_early", 600); // 03-08 00:01 EST
    await seedEnded(client.userId, "2026-03-09T03:59:00Z", "completed", 1600); // 03-08 23:59 EDT
    await seedEnded(client.userId, "2026-03-09T04:01:00Z", "abandoned", 1500); // 03-09 00:01 EDT
    await seedEnded(client.userId, "2026-02-09T05:00:00Z", "completed", 300); // 02-09 00:00 EST: the oldest day shown
    await seedEnded(client.userId, "2026-02-09T04:59:00Z", "completed", 300); // 02-08 23:59 EST: 31 days back, not shown

    const requestId = newRequestId("focus-stats");
    // 2026-03-10 08:00 EDT.
    const days = await statsAt(client, "2026-03-10T12:00:00Z", requestId);
    expect(await roundTrips(requestId)).toBe(1);
    expect(days).toHaveLength(30);
    expect(days[0]?.day).toBe("2026-02-09");
    expect(days.at(-1)?.day).toBe("2026-03-10");
    expect(days.map((d) => d.day)).toEqual([...days.map((d) => d.day)].sort());
    expect(byDay(days)).toEqual({
      "2026-02-09": { day: "2026-02-09", sessions: 1, completed: 1, focus_seconds: 300 },
      "2026-03-07": { day: "2026-03-07", sessions: 1, completed: 1, focus_seconds: 1500 },
      "2026-03-08": { day: "2026-03-08", sessions: 2, completed: 1, focus_seconds: 2200 },
      "2026-03-09": { day: "2026-03-09", sessions: 1, completed: 0, focus_seconds: 1500 },
    });
    expect(days.find((d) => d.day === "2026-03-01")).toEqual({ day: "2026-03-01", sessions: 0, completed: 0, focus_seconds: 0 });
  });

  it("Europe/Berlin around 2026-03-29 (CET → CEST), and 'today' is the user's local date", async () => {
    const client = await newClient();
    await dbRows(sql`update users set timezone = 'Europe/Berlin' where id = ${client.userId} returning id`);
    // Local midnight: 2026-03-29 00:00 CET = 03-28T23:00Z; 2026-03-30 00:00 CEST = 03-29T22:00Z.
    await seedEnded(client.userId, "2026-03-28T22:59:00Z", "completed", 900); // 03-28 23:59 CET
    await seedEnded(client.userId, "2026-03-28T23:01:00Z", "completed", 900); // 03-29 00:01 CET
    await seedEnded(client.userId, "2026-03-29T21:59:00Z", "ended_early", 60); // 03-29 23:59 CEST
    await seedEnded(client.userId, "2026-03-29T22:01:00Z", "completed", 900); // 03-30 00:01 CEST
    // 2026-03-29T22:30Z is already 03-30 in Berlin.
    const days = await statsAt(client, "2026-03-29T22:30:00Z");
    expect(days.at(-1)?.day).toBe("2026-03-30");
    expect(byDay(days)).toEqual({
      "2026-03-28": { day: "2026-03-28", sessions: 1, completed: 1, focus_seconds: 900 },
      "2026-03-29": { day: "2026-03-29", sessions: 2, completed: 1, focus_seconds: 960 },
      "2026-03-30": { day: "2026-03-30", sessions: 1, completed: 1, focus_seconds: 900 },
    });
  });

  it("another user's sessions never count", async () => {
    const owner = await newClient();
    const other = await newClient();
    await seedEnded(owner.userId, "2026-05-01T12:00:00Z", "completed", 1500);
    const days = await statsAt(other, "2026-05-02T12:00:00Z");
    expect(days).toHaveLength(30);
    expect(days.every((d) => d.sessions === 0 && d.focus_seconds === 0)).toBe(true);
  });
});
