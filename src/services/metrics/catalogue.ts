/**
 * docs/operations.md#metrics: every metric `GET /metrics` serves – names, types, labels and buckets. The
 * contract of ops/alerts.yml and ops/grafana/slo-dashboard.json; a metric not in this list cannot be recorded, and a
 * label value is always one of a bounded set (route templates, error codes, queue and job names – never a
 * user id or a raw path), so the number of series stays small however much traffic there is.
 */

/**
 * Counters and histograms only grow and are summed over isolates and shards. A gauge is a value as of its
 * last write (e.g. what the last audit found): last write wins, it is never summed (recorder.ts, GAUGE_SHARD).
 */
export type MetricKind = "counter" | "histogram" | "gauge";

export interface MetricDefinition {
  kind: MetricKind;
  help: string;
  labels: readonly string[];
  /** Histogram upper bounds in seconds (Prometheus `le`), ascending; `+Inf` is implied. */
  buckets?: readonly number[];
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

export const METRICS = {
  http_requests_total: { kind: "counter", help: "Responses by method, route template and status.", labels: ["method", "route", "status"] },
  http_request_duration_seconds: {
    kind: "histogram",
    help: "Time from request to response headers, by method, route template and status.",
    labels: ["method", "route", "status"],
    buckets: LATENCY_BUCKETS,
  },
  http_errors_total: { kind: "counter", help: "Error responses by error code (docs/errors.md).", labels: ["code"] },
  http_deprecated_requests_total: {
    kind: "counter",
    help: "Requests to deprecated operations, by operation (docs/deprecation.md).",
    labels: ["method", "route"],
  },
  ai_request_duration_seconds: {
    kind: "histogram",
    help: "One AI call end to end, by kind and outcome (as ai_interactions).",
    labels: ["kind", "outcome"],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  },
  ai_first_token_seconds: {
    kind: "histogram",
    help: "Chat: request received → first delta sent.",
    labels: ["kind"],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  },
  ai_credits_consumed_total: { kind: "counter", help: "Credits charged, by what they paid for (ledger reason).", labels: ["kind"] },
  ai_credits_refunded_total: { kind: "counter", help: "Credits given back after a failed call, by the consumption's reason.", labels: ["kind"] },
  webhook_processing_duration_seconds: {
    kind: "histogram",
    help: "Receipt of a webhook → its effect committed, by provider and event type.",
    labels: ["provider", "event_type"],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 5, 10, 30, 60],
  },
  push_delivery_delay_seconds: {
    kind: "histogram",
    help: "Due time (reminder) or creation (notification) → accepted by the push service.",
    labels: ["source"],
    buckets: [1, 5, 10, 30, 60, 120, 300],
  },
  push_deliveries_total: { kind: "counter", help: "Push attempts by outcome.", labels: ["outcome"] },
  reminder_lateness_seconds: {
    kind: "histogram",
    help: "A reminder's remind_at → its notification committed.",
    labels: [],
    buckets: [1, 5, 10, 30, 60, 120, 300],
  },
  queue_messages_total: { kind: "counter", help: "Queue messages by queue and outcome.", labels: ["queue", "outcome"] },
  cron_job_runs_total: { kind: "counter", help: "Cron job runs by job and outcome.", labels: ["job", "outcome"] },
  credit_ledger_drift_users: {
    kind: "gauge",
    help: "Users whose credit lots disagree with their ledger, as of the last credit_drift_audit run (docs/credits.md).",
    labels: [],
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRICS;
export type CounterName = { [N in MetricName]: (typeof METRICS)[N]["kind"] extends "counter" ? N : never }[MetricName];
export type HistogramName = { [N in MetricName]: (typeof METRICS)[N]["kind"] extends "histogram" ? N : never }[MetricName];
export type GaugeName = { [N in MetricName]: (typeof METRICS)[N]["kind"] extends "gauge" ? N : never }[MetricName];
/** The labels a metric takes, each a string. */
export type LabelsOf<N extends MetricName> = Record<(typeof METRICS)[N]["labels"][number], string>;

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRICS, name);
}
