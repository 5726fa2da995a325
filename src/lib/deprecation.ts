/**
 * docs/deprecation.md: what a deprecated operation declares and the headers it answers with. Pure (no I/O, no
 * clock), so the notice rule is checked where the route is defined and unit-tested on its own.
 */

/** At least this many days between `since` and `sunset` (SPEC §1.10). */
export const MINIMUM_NOTICE_DAYS = 90;

const DAY_MS = 86_400_000;

export interface Deprecation {
  /** Calendar day (`YYYY-MM-DD`, UTC) from which the operation is deprecated. */
  since: string;
  /** Calendar day (`YYYY-MM-DD`, UTC) after which the operation may stop answering; ≥ 90 days after `since`. */
  sunset: string;
  /** What to call instead: an absolute path (`/api/v2/tasks`) or an https URL. */
  successor: string;
}

/** The three response headers of a deprecated operation, as name → value. */
export interface DeprecationHeaders {
  /** RFC 9745: a structured-field Date, `@<unix seconds>`. */
  Deprecation: string;
  /** RFC 8594: an HTTP date (IMF-fixdate). */
  Sunset: string;
  /** RFC 8288: `<successor>; rel="successor-version"`. */
  Link: string;
}

/**
 * Throws, naming the operation and both dates, when the declaration is not one we may ship: a date that is
 * not a real `YYYY-MM-DD` day, a sunset less than 90 days after `since`, or a successor that is neither an
 * absolute path nor an http(s) URL (it goes into a `Link` header verbatim, so no spaces, `<`, `>` or quotes).
 */
export function assertValidDeprecation(operation: string, deprecation: Deprecation): void {
  const problem = deprecationProblem(deprecation);
  if (problem !== undefined) {
    throw new Error(
      `${operation}: invalid deprecation (since ${deprecation.since}, sunset ${deprecation.sunset}): ${problem} (SPEC §1.10, docs/deprecation.md)`,
    );
  }
}

/** What is wrong with a declaration, or undefined when nothing is. */
export function deprecationProblem({ since, sunset, successor }: Deprecation): string | undefined {
  const from = calendarDay(since);
  const to = calendarDay(sunset);
  if (from === undefined) return `since "${since}" is not a calendar day (YYYY-MM-DD)`;
  if (to === undefined) return `sunset "${sunset}" is not a calendar day (YYYY-MM-DD)`;
  const days = (to - from) / DAY_MS;
  if (days < MINIMUM_NOTICE_DAYS) {
    return `the sunset is ${days} days after since; deprecations give at least ${MINIMUM_NOTICE_DAYS} days' notice`;
  }
  if (!isSuccessor(successor)) return `successor "${successor}" is neither an absolute path nor an http(s) URL`;
  return undefined;
}

/** The header values for a valid declaration (assertValidDeprecation ran when the route was defined). */
export function deprecationHeaders({ since, sunset, successor }: Deprecation): DeprecationHeaders {
  const from = calendarDay(since) ?? Number.NaN;
  const to = calendarDay(sunset) ?? Number.NaN;
  return {
    Deprecation: `@${Math.floor(from / 1000)}`,
    // toUTCString is the IMF-fixdate form: `Wed, 01 Jul 2026 00:00:00 GMT`.
    Sunset: new Date(to).toUTCString(),
    Link: `<${successor}>; rel="successor-version"`,
  };
}

/** The sentence the OpenAPI operation's description ends with. */
export function deprecationNote({ since, sunset, successor }: Deprecation): string {
  return `**Deprecated** since ${since}; sunset ${sunset} (it may stop answering after that day). Use \`${successor}\` instead.`;
}

/** Midnight UTC of a `YYYY-MM-DD` day in ms, or undefined when the text is not a real day (2026-02-30). */
function calendarDay(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (match === null) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const date = new Date(ms);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? ms : undefined;
}

function isSuccessor(successor: string): boolean {
  if (/[\s<>"\\]/.test(successor) || /[^\x21-\x7e]/.test(successor)) return false;
  if (successor.startsWith("/") && !successor.startsWith("//")) return true;
  try {
    const url = new URL(successor);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}
