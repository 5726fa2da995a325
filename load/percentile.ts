/**
 * Nearest-rank percentile (`p` in 0–100) of an ascending array – every figure of the bench (autocannon's
 * samples in load/measure.ts, the self-measuring scenarios); NaN when there is nothing to rank.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? Number.NaN;
}
