import { readMetricShards } from "../../../durable-objects/metrics-aggregate/client";
import type { Bindings } from "../../env";
import { metrics, METRICS_SHARDS } from "./recorder";
import { mergeShards, renderPrometheus } from "./render";

/**
 * `GET /metrics`: this isolate's pending deltas are flushed first (so a scrape right after traffic in the same
 * isolate sees it), then every shard is read and summed. Other isolates' last ≤ FLUSH_DELAY_MS are not in it yet.
 */
export async function scrapeMetrics(env: Bindings): Promise<string> {
  await metrics.flush(env);
  return renderPrometheus(mergeShards(await readMetricShards(env, METRICS_SHARDS)));
}
