/**
 * Nearest-rank percentile (`p` in 0–100) of an ascending array, for the self-measuring scenarios; NaN when
 * there is nothing to rank. (load/measure.ts keeps its own over autocannon's Float64Array samples.)
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? Number.NaN;
}
