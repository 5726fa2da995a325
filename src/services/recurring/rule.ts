import type * as RRuleLibrary from "rrule-temporal";
import type { RRuleTemporal } from "rrule-temporal";
import type { Temporal } from "temporal-spec";
import { ValidationFailed } from "../../errors/api-error";

/**
 * Recurrence rules (docs/recurring.md "Occurrence rules"): RFC 5545 RRULE + IANA zone + `starts_at`,
 * expanded as LOCAL WALL TIMES in the template's zone.
 *
 * How: the RRULE is expanded by `rrule-temporal` in a "floating" frame (DTSTART = the local wall time of
 * `starts_at`, zone UTC, which has no DST), so every generated value is a wall time that exists; each is then
 * placed in the real zone with Temporal's `compatible` disambiguation, which is exactly RFC 5545 §3.3.5: a
 * time in a DST gap moves forward by the gap (02:30 → 03:30), an ambiguous time on an overlap day is the
 * first of the two. (rrule-temporal's own zone handling omits gap times, and `rrule` 2.8.1 computes offsets
 * from the host zone; see docs/recurring.md "Decisions".) UNTIL is applied to the placed instants; COUNT by
 * the library, in the floating frame (no gap can eat an occurrence there).
 *
 * Bounded: the rule text is at most 500 characters of known parts, COUNT ≤ 10 000, INTERVAL ≤ 1000, and every
 * enumeration stops after a fixed number of steps, so no input can make a request loop. The library (≈ 180 KB
 * with its bundled Temporal polyfill) is imported lazily: only the template services and the generator load it.
 */

export const RRULE_MAX_LENGTH = 500;
export const COUNT_MAX = 10_000;
const INTERVAL_MAX = 1000;
/** How many generated values one enumeration may look at beyond what it returns (gaps, UNTIL, duplicates). */
const STEP_SLACK = 64;

export interface RuleInput {
  rrule: string;
  timezone: string;
  starts_at: string;
  until?: string | null | undefined;
  count?: number | null | undefined;
}

/** A validated rule: the RRULE without COUNT/UNTIL (those live in their own fields). */
export interface Rule {
  rrule: string;
  timezone: string;
  startsAt: Date;
  until: Date | null;
  count: number | null;
}

export interface Occurrence {
  /** UTC instant. */
  at: Date;
  /** The local wall time with its offset, e.g. `2026-03-30T09:00:00+02:00`. */
  local: string;
}

const FREQS = ["HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"] as const;
const INT_LIST = (min: number, max: number, signed: boolean) => (value: string) =>
  value.split(",").every((item) => {
    if (!/^[+-]?\d{1,3}$/.test(item)) return false;
    const n = Number(item);
    return (signed ? n !== 0 && Math.abs(n) >= min && Math.abs(n) <= max : n >= min && n <= max) && (signed || !/^[+-]/.test(item));
  });
const WEEKDAY = /^(?:[+-]?(?:[1-9]|[1-4]\d|5[0-3]))?(?:MO|TU|WE|TH|FR|SA|SU)$/;

/** The parts a rule may carry and how each value is checked (RFC 5545 §3.3.10). */
const PARTS: Record<string, (value: string) => boolean> = {
  FREQ: (value) => (FREQS as readonly string[]).includes(value),
  INTERVAL: (value) => /^\d{1,4}$/.test(value) && Number(value) >= 1 && Number(value) <= INTERVAL_MAX,
  COUNT: (value) => /^\d{1,12}$/.test(value),
  UNTIL: (value) => /^\d{8}(?:T\d{6}Z)?$/.test(value),
  BYSECOND: INT_LIST(0, 59, false),
  BYMINUTE: INT_LIST(0, 59, false),
  BYHOUR: INT_LIST(0, 23, false),
  BYDAY: (value) => value.split(",").every((item) => WEEKDAY.test(item)),
  BYMONTHDAY: INT_LIST(1, 31, true),
  BYYEARDAY: INT_LIST(1, 366, true),
  BYWEEKNO: INT_LIST(1, 53, true),
  BYMONTH: INT_LIST(1, 12, false),
  BYSETPOS: INT_LIST(1, 366, true),
  WKST: (value) => /^(?:MO|TU|WE|TH|FR|SA|SU)$/.test(value),
};

function invalid(field: string, reason: string): never {
  throw new ValidationFailed([{ field, reason }]);
}

/** An IANA zone the runtime knows (names only: no offsets, no paths). */
export function checkTimezone(timezone: string, field = "timezone"): string {
  if (!/^(?:[A-Za-z][A-Za-z0-9_+-]{0,30})(?:\/[A-Za-z0-9][A-Za-z0-9_+-]{0,30}){0,2}$/.test(timezone)) invalid(field, "Not an IANA time zone name.");
  try {
    // Throws a RangeError for a zone the runtime's time zone database does not have.
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    return timezone;
  } catch {
    return invalid(field, `Unknown time zone: ${timezone}.`);
  }
}

/**
 * Checks a rule and splits COUNT/UNTIL out of the RRULE text into their own fields (given in the RRULE or
 * as fields, not both). Throws 400 VALIDATION_ERROR naming the part and the reason.
 */
export function parseRule(input: RuleInput): Rule {
  const text = input.rrule.trim().replace(/^RRULE:/i, "");
  if (text.length === 0 || text.length > RRULE_MAX_LENGTH) invalid("rrule", `1–${RRULE_MAX_LENGTH} characters.`);
  const parts = new Map<string, string>();
  for (const part of text.split(";")) {
    const match = /^([A-Za-z]+)=([^;=]+)$/.exec(part);
    if (!match?.[1] || !match[2]) invalid("rrule", `Not a NAME=VALUE part: "${part.slice(0, 40)}".`);
    const name = match[1].toUpperCase();
    const value = match[2].toUpperCase();
    if (name === "FREQ" && (value === "MINUTELY" || value === "SECONDLY")) invalid("rrule", "Rules firing more often than hourly are not allowed.");
    const check = PARTS[name];
    if (!check) invalid("rrule", `Unsupported part ${name.slice(0, 20)}.`);
    if (parts.has(name)) invalid("rrule", `${name} is given twice.`);
    if (!check(value)) invalid("rrule", `Invalid ${name} value "${value.slice(0, 40)}".`);
    parts.set(name, value);
  }
  if (!parts.has("FREQ")) invalid("rrule", "FREQ is required.");
  // One minute and one second per occurrence: two values would fire twice within an hour.
  for (const name of ["BYMINUTE", "BYSECOND"]) {
    if ((parts.get(name) ?? "").includes(",")) invalid("rrule", `Rules firing more often than hourly are not allowed (${name} with several values).`);
  }
  const timezone = checkTimezone(input.timezone);
  const startsAt = new Date(input.starts_at);
  const rruleCount = parts.get("COUNT");
  const rruleUntil = parts.get("UNTIL");
  parts.delete("COUNT");
  parts.delete("UNTIL");
  if ((rruleCount !== undefined || rruleUntil !== undefined) && (given(input.count) || given(input.until))) {
    invalid("rrule", "Give COUNT/UNTIL either in the rule or as the count/until fields, not both.");
  }
  const count = rruleCount !== undefined ? Number(rruleCount) : (input.count ?? null);
  if (count !== null && (!Number.isInteger(count) || count < 1 || count > COUNT_MAX)) invalid("count", `COUNT must be 1–${COUNT_MAX}.`);
  const until = rruleUntil !== undefined ? untilInstant(rruleUntil, timezone) : given(input.until) ? new Date(input.until) : null;
  if (count !== null && until !== null) invalid("rrule", "UNTIL and COUNT must not occur together (RFC 5545 §3.3.10).");
  if (until !== null && until.getTime() < startsAt.getTime()) invalid("until", "The series ends before it starts.");
  const rrule = [...parts].map(([name, value]) => `${name}=${value}`).join(";");
  return { rrule, timezone, startsAt, until, count };
}

function given<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}

/** `UNTIL=20260401T000000Z` or a DATE (`20260401`: the end of that local day). */
function untilInstant(value: string, timezone: string): Date {
  const iso = `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`;
  const date = value.length === 8 ? null : new Date(`${iso}T${value.slice(9, 11)}:${value.slice(11, 13)}:${value.slice(13, 15)}Z`);
  if (date !== null) return Number.isNaN(date.getTime()) ? invalid("rrule", "Invalid UNTIL.") : date;
  const day = new Date(`${iso}T23:59:59Z`);
  if (Number.isNaN(day.getTime())) invalid("rrule", "Invalid UNTIL.");
  // A DATE is inclusive in the rule's zone: 23:59:59 local is at most 14 h away from 23:59:59 UTC.
  return new Date(day.getTime() - wallOffsetMs(day, timezone));
}

/** How far the zone's wall clock is ahead of UTC at `instant`. */
function wallOffsetMs(instant: Date, timezone: string): number {
  return Date.parse(`${wallTime(instant, timezone)}Z`) - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The local wall time of an instant in a zone, as `YYYY-MM-DDTHH:MM:SS`. */
function wallTime(instant: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: timezone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((part) => part.type === type)?.value ?? "00";
  return `${get("year").padStart(4, "0")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}:${get("second")}`;
}

type Library = typeof RRuleLibrary;
let library: Promise<Library> | undefined;
/** The library, loaded on first use only (keeps it off every other path's cold start). */
function loadLibrary(): Promise<Library> {
  library ??= import("rrule-temporal");
  return library;
}

/** A rule ready to enumerate: the floating-frame rule of the library plus the zone to place values in. */
export interface Expander {
  /** Up to `limit` occurrences strictly after `after` (or at it, `inclusive`), soonest first. */
  after(after: Date, limit: number, inclusive?: boolean): Occurrence[];
}

export async function expander(rule: Rule): Promise<Expander> {
  const library = await loadLibrary();
  const start = wallTime(rule.startsAt, rule.timezone).replace(/[-:]/g, "");
  const countPart = rule.count === null ? "" : `;COUNT=${rule.count}`;
  let floating: RRuleTemporal;
  try {
    floating = new library.RRuleTemporal({ rruleString: `DTSTART;TZID=UTC:${start}\nRRULE:${rule.rrule}${countPart}`, maxIterations: 2000 });
  } catch (error) {
    invalid("rrule", error instanceof Error ? error.message.slice(0, 200) : "Invalid rule.");
  }
  const place = (value: Temporal.ZonedDateTime): Occurrence => {
    const zoned = value.toPlainDateTime().toZonedDateTime(rule.timezone, { disambiguation: "compatible" });
    return { at: new Date(zoned.epochMilliseconds), local: zoned.toString({ timeZoneName: "never", smallestUnit: "second" }) };
  };
  return {
    after(after, limit, inclusive = false) {
      const results: Occurrence[] = [];
      const keep = (occurrence: Occurrence) => {
        const time = occurrence.at.getTime();
        if (rule.until !== null && time > rule.until.getTime()) return "stop";
        if (time < rule.startsAt.getTime() || (inclusive ? time < after.getTime() : time <= after.getTime())) return "skip";
        if (results.some((seen) => seen.at.getTime() === time)) return "skip";
        results.push(occurrence);
        return results.length >= limit ? "stop" : "more";
      };
      try {
        if (rule.count !== null) {
          // COUNT numbers occurrences from the start: one bounded pass (COUNT ≤ 10 000).
          floating.all((value) => keep(place(value)) !== "stop");
          return results;
        }
        // A floating search start a day early: placing a wall time moves it by at most the zone's offset.
        let cursor: Temporal.ZonedDateTime | null = null;
        let from = new Date(Math.max(after.getTime(), rule.startsAt.getTime()) + wallOffsetMs(after, rule.timezone) - 86_400_000);
        for (let step = 0; step < limit + STEP_SLACK; step += 1) {
          cursor = floating.next(cursor ?? from, cursor === null);
          if (cursor === null) break;
          from = new Date(cursor.epochMilliseconds);
          if (keep(place(cursor)) === "stop") break;
        }
        return results;
      } catch (error) {
        if (error instanceof ValidationFailed) throw error;
        return invalid("rrule", `The rule cannot be expanded: ${error instanceof Error ? error.message.slice(0, 160) : "unknown error"}.`);
      }
    },
  };
}

/** The first occurrence strictly after `after` (null: the series has ended). */
export async function nextOccurrence(rule: Rule, after: Date, inclusive = false): Promise<Occurrence | null> {
  return (await expander(rule)).after(after, 1, inclusive)[0] ?? null;
}
