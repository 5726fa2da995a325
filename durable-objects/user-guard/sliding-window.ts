/**
 * Exact sliding-window log: the timestamps (ms) of the requests accepted in the last `windowMs`. A request is
 * accepted when fewer than `limit` remain in the window ending now – so no 2× burst across a window edge,
 * which fixed windows allow. At most `limit` timestamps are kept per bucket.
 */
export interface WindowDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window has room again (0 when it has room now). */
  retryAfterSeconds: number;
  /** Seconds until the oldest counted request leaves the window (the `t` of the RateLimit header). */
  resetSeconds: number;
}

export function slide(log: readonly number[], now: number, limit: number, windowMs: number): { log: number[]; decision: WindowDecision } {
  const live = log.filter((at) => at > now - windowMs && at <= now);
  const allowed = live.length < limit;
  const next = allowed ? [...live, now] : live;
  const oldest = next[0];
  const resetSeconds = oldest === undefined ? 0 : Math.max(0, Math.ceil((oldest + windowMs - now) / 1000));
  // Refused: room returns when the oldest counted request leaves the window.
  const firstOut = live[0];
  const retryAfterSeconds = allowed || firstOut === undefined ? 0 : Math.max(1, Math.ceil((firstOut + windowMs - now) / 1000));
  return {
    log: next,
    decision: { allowed, limit, remaining: Math.max(0, limit - next.length), retryAfterSeconds, resetSeconds },
  };
}
