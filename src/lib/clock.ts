/**
 * Time is injected, never read ad hoc (STYLE §9): services take `ctx.clock.now()`. In the `test` environment a
 * request may pin the clock with `X-Test-Now: <RFC 3339>`, so tests move time instead of sleeping. The header is
 * ignored in every other environment.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(at: Date): Clock {
  return { now: () => new Date(at.getTime()) };
}

export const TEST_CLOCK_HEADER = "X-Test-Now";

export function clockForRequest(environment: string, headers: Headers): Clock {
  if (environment !== "test") return systemClock;
  const pinned = headers.get(TEST_CLOCK_HEADER);
  if (pinned === null) return systemClock;
  const at = new Date(pinned);
  return Number.isNaN(at.getTime()) ? systemClock : fixedClock(at);
}
