import type { Bindings } from "../../src/env";
import type { SeriesDelta } from "../../src/services/metrics/series";

/** Typed RPC to the metric aggregate shards (STYLE §6). Shard n is the object named `metrics-<n>`. */
function shardOf(env: Bindings, shard: number) {
  return env.METRICS_AGGREGATE.get(env.METRICS_AGGREGATE.idFromName(`metrics-${shard}`));
}

export async function recordMetricDeltas(env: Bindings, shard: number, deltas: SeriesDelta[]): Promise<void> {
  await shardOf(env, shard).record(deltas);
}

/** Every shard's totals, read in parallel. */
export async function readMetricShards(env: Bindings, shards: number): Promise<SeriesDelta[][]> {
  return await Promise.all(Array.from({ length: shards }, async (_, shard) => await shardOf(env, shard).snapshot()));
}
