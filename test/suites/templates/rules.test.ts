import { describe, expect, it } from "vitest";
import { ValidationFailed } from "../../../src/errors/api-error";
import { instanceId, instanceIdSql } from "../../../src/services/recurring/instance-id";
import { expander, parseRule, type RuleInput } from "../../../src/services/recurring/rule";
import { sql } from "drizzle-orm";
import { testDb } from "../../support/auth";

/**
 * The occurrence engine (src/services/recurring/rule.ts) inside workerd: local wall times across DST in three
 * zones, RFC 5545 §3.3.5 gap/overlap resolution, UNTIL/COUNT, and the bounds on hostile input.
 */
async function occurrences(input: RuleInput, after: string, limit: number) {
  return (await expander(parseRule(input))).after(new Date(after), limit).map((o) => [o.at.toISOString(), o.local]);
}

const weeklyMonday9 = (timezone: string, starts_at: string): RuleInput => ({ rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", timezone, starts_at });
const daily0230 = (timezone: string, starts_at: string): RuleInput => ({ rrule: "FREQ=DAILY;BYHOUR=2;BYMINUTE=30", timezone, starts_at });

describe("recurring rules: DST matrix", () => {
  it("weekly Monday 09:00 Europe/Berlin stays 09:00 local across both changes", async () => {
    expect(await occurrences(weeklyMonday9("Europe/Berlin", "2026-03-01T00:00:00Z"), "2026-03-17T00:00:00Z", 3)).toEqual([
      ["2026-03-23T08:00:00.000Z", "2026-03-23T09:00:00+01:00"],
      ["2026-03-30T07:00:00.000Z", "2026-03-30T09:00:00+02:00"],
      ["2026-04-06T07:00:00.000Z", "2026-04-06T09:00:00+02:00"],
    ]);
    expect(await occurrences(weeklyMonday9("Europe/Berlin", "2026-03-01T00:00:00Z"), "2026-10-13T00:00:00Z", 2)).toEqual([
      ["2026-10-19T07:00:00.000Z", "2026-10-19T09:00:00+02:00"],
      ["2026-10-26T08:00:00.000Z", "2026-10-26T09:00:00+01:00"],
    ]);
  });

  it("weekly Monday 09:00 America/New_York across both changes", async () => {
    expect(await occurrences(weeklyMonday9("America/New_York", "2026-01-01T00:00:00Z"), "2026-03-01T00:00:00Z", 2)).toEqual([
      ["2026-03-02T14:00:00.000Z", "2026-03-02T09:00:00-05:00"],
      ["2026-03-09T13:00:00.000Z", "2026-03-09T09:00:00-04:00"],
    ]);
    expect(await occurrences(weeklyMonday9("America/New_York", "2026-01-01T00:00:00Z"), "2026-10-20T00:00:00Z", 2)).toEqual([
      ["2026-10-26T13:00:00.000Z", "2026-10-26T09:00:00-04:00"],
      ["2026-11-02T14:00:00.000Z", "2026-11-02T09:00:00-05:00"],
    ]);
  });

  it("weekly Monday 09:00 Australia/Sydney across both changes (southern hemisphere)", async () => {
    expect(await occurrences(weeklyMonday9("Australia/Sydney", "2026-01-01T00:00:00Z"), "2026-03-28T00:00:00Z", 2)).toEqual([
      ["2026-03-29T22:00:00.000Z", "2026-03-30T09:00:00+11:00"],
      ["2026-04-05T23:00:00.000Z", "2026-04-06T09:00:00+10:00"],
    ]);
    expect(await occurrences(weeklyMonday9("Australia/Sydney", "2026-01-01T00:00:00Z"), "2026-09-26T00:00:00Z", 2)).toEqual([
      ["2026-09-27T23:00:00.000Z", "2026-09-28T09:00:00+10:00"],
      ["2026-10-04T22:00:00.000Z", "2026-10-05T09:00:00+11:00"],
    ]);
  });

  it("daily 02:30 on a gap day moves forward by the gap (RFC 5545 §3.3.5) in all three zones", async () => {
    expect(await occurrences(daily0230("Europe/Berlin", "2026-03-01T00:00:00Z"), "2026-03-28T00:00:00Z", 3)).toEqual([
      ["2026-03-28T01:30:00.000Z", "2026-03-28T02:30:00+01:00"],
      ["2026-03-29T01:30:00.000Z", "2026-03-29T03:30:00+02:00"],
      ["2026-03-30T00:30:00.000Z", "2026-03-30T02:30:00+02:00"],
    ]);
    expect(await occurrences(daily0230("America/New_York", "2026-03-01T00:00:00Z"), "2026-03-07T00:00:00Z", 3)).toEqual([
      ["2026-03-07T07:30:00.000Z", "2026-03-07T02:30:00-05:00"],
      ["2026-03-08T07:30:00.000Z", "2026-03-08T03:30:00-04:00"],
      ["2026-03-09T06:30:00.000Z", "2026-03-09T02:30:00-04:00"],
    ]);
    expect(await occurrences(daily0230("Australia/Sydney", "2026-09-01T00:00:00Z"), "2026-10-02T00:00:00Z", 3)).toEqual([
      ["2026-10-02T16:30:00.000Z", "2026-10-03T02:30:00+10:00"],
      ["2026-10-03T16:30:00.000Z", "2026-10-04T03:30:00+11:00"],
      ["2026-10-04T15:30:00.000Z", "2026-10-05T02:30:00+11:00"],
    ]);
  });

  it("daily 02:30 on the Berlin overlap day is the first of the two 02:30s", async () => {
    expect(await occurrences(daily0230("Europe/Berlin", "2026-10-01T00:00:00Z"), "2026-10-24T00:00:00Z", 3)).toEqual([
      ["2026-10-24T00:30:00.000Z", "2026-10-24T02:30:00+02:00"],
      ["2026-10-25T00:30:00.000Z", "2026-10-25T02:30:00+02:00"],
      ["2026-10-26T01:30:00.000Z", "2026-10-26T02:30:00+01:00"],
    ]);
  });

  it("UNTIL on an occurrence boundary includes that occurrence and ends there", async () => {
    const rule = { rrule: "FREQ=DAILY;BYHOUR=9;BYMINUTE=0;UNTIL=20260305T080000Z", timezone: "Europe/Berlin", starts_at: "2026-03-01T00:00:00Z" };
    expect(await occurrences(rule, "2026-03-03T12:00:00Z", 10)).toEqual([
      ["2026-03-04T08:00:00.000Z", "2026-03-04T09:00:00+01:00"],
      ["2026-03-05T08:00:00.000Z", "2026-03-05T09:00:00+01:00"],
    ]);
    expect(parseRule(rule)).toMatchObject({ rrule: "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", until: new Date("2026-03-05T08:00:00Z"), count: null });
  });

  it("COUNT=3 yields three occurrences from the start, then nothing", async () => {
    const rule = { rrule: "FREQ=DAILY;BYHOUR=9;BYMINUTE=0;COUNT=3", timezone: "Europe/Berlin", starts_at: "2026-03-01T00:00:00Z" };
    expect((await occurrences(rule, "2026-02-01T00:00:00Z", 10)).map(([at]) => at)).toEqual([
      "2026-03-01T08:00:00.000Z",
      "2026-03-02T08:00:00.000Z",
      "2026-03-03T08:00:00.000Z",
    ]);
    expect(await occurrences(rule, "2026-03-03T08:00:00Z", 10)).toEqual([]);
  });
});

describe("recurring rules: refused and bounded", () => {
  const base = { timezone: "Europe/Berlin", starts_at: "2026-03-01T00:00:00Z" };
  const reasonOf = (input: RuleInput): string => {
    try {
      parseRule(input);
    } catch (error) {
      if (error instanceof ValidationFailed) return JSON.stringify(error.details);
      throw error;
    }
    return "accepted";
  };

  it.each([
    ["FREQ=MINUTELY", "more often than hourly"],
    ["FREQ=SECONDLY;INTERVAL=3600", "more often than hourly"],
    ["FREQ=HOURLY;BYMINUTE=0,30", "more often than hourly"],
    ["FREQ=DAILY;BYSECOND=1,2", "more often than hourly"],
    ["FREQ=DAILY;COUNT=1000000000", "COUNT must be"],
    ["FREQ=WEEKLY;BYDAY=XX", "Invalid BYDAY"],
    ["BYDAY=MO", "FREQ is required"],
    ["FREQ=DAILY;DTSTART=20260101T000000Z", "Unsupported part DTSTART"],
    ["FREQ=DAILY;COUNT=2;UNTIL=20260401T000000Z", "must not occur together"],
    ["FREQ=DAILY;".repeat(10_000), "1–500 characters"],
  ])("%s → 400 (%s)", (rrule, reason) => {
    expect(reasonOf({ ...base, rrule: rrule.slice(0, 100_000) })).toContain(reason);
  });

  it.each(["../../etc", "Mars/Olympus_Mons", "Europe/Berlin/../x", "+01:00", ""])("zone %j → 400", (timezone) => {
    expect(reasonOf({ rrule: "FREQ=DAILY", timezone, starts_at: base.starts_at })).toContain("timezone");
  });

  it("a rule that never matches is refused after a bounded search, not looped on", async () => {
    // February 30th never exists: the library gives up at its iteration cap and the rule is a 400.
    await expect(occurrences({ ...base, rrule: "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30" }, "2026-03-01T00:00:00Z", 50)).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      details: [{ field: "rrule", reason: expect.stringContaining("cannot be expanded") }],
    });
  });

  it("the largest COUNT enumerates in one bounded pass", async () => {
    const found = await occurrences({ ...base, rrule: "FREQ=HOURLY;COUNT=10000" }, "2026-03-01T00:00:00Z", 50);
    expect(found).toHaveLength(50);
    expect(found[0]?.[0]).toBe("2026-03-01T01:00:00.000Z");
  });
});

describe("instance ids", () => {
  it("are the same in the Worker and in SQL, and differ per occurrence", async () => {
    const template = crypto.randomUUID();
    const at = "2026-03-30T07:00:00.000Z";
    const [row] = (await testDb().execute<{ id: string; other: string }>(sql`select
      ${instanceIdSql(sql`${template}::uuid`, sql`${at}::timestamptz`)} as id,
      ${instanceIdSql(sql`${template}::uuid`, sql`'2026-04-06T07:00:00Z'::timestamptz`)} as other`)).rows;
    expect(row?.id).toBe(await instanceId(template, at));
    expect(row?.other).toBe(await instanceId(template, new Date("2026-04-06T07:00:00Z")));
    expect(row?.id).not.toBe(row?.other);
    expect(row?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
