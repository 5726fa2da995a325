/**
 * The SLO dashboard (docs/operations.md "SLO dashboard"), one panel per service level of SPEC §14 over the
 * metrics of `GET /api/v1/metrics` (src/services/metrics/catalogue.ts). This file is the source:
 * `npm run ops:dashboard` writes ops/grafana/slo-dashboard.json from it (the file to import into Grafana),
 * and `npm run ops:dashboard -- --check` (CI) fails when the committed JSON differs. `satisfies` below checks
 * the whole object against Grafana's own dashboard types (@grafana/schema), so a misspelt or mistyped field
 * fails `npm run typecheck`. Each panel draws its objective as a threshold line and names, in its description
 * and its link, the rule of ops/alerts.yml that guards it; its query is the rule's expression without the
 * comparison, over the same window, so the panel shows what the alert evaluates.
 */
import {
  DashboardCursorSync,
  FieldColorModeId,
  GraphDrawStyle,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  SortOrder,
  ThresholdsMode,
  TooltipDisplayMode,
  type Dashboard,
  type DashboardLink,
  type DataSourceRef,
  type Panel,
  type RowPanel,
} from "@grafana/schema";
import type {
  FieldConfig as TimeSeriesFieldConfig,
  Options as TimeSeriesOptions,
} from "@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen";

/** What Grafana's "Export for sharing externally" adds: the data source is chosen at import. */
interface ImportableDashboard extends Dashboard {
  __inputs: Array<{ name: string; label: string; description: string; type: "datasource"; pluginId: string; pluginName: string }>;
  __requires: Array<{ type: "grafana" | "datasource" | "panel"; id: string; name: string; version: string }>;
}

/** A Prometheus query (Grafana types targets as open records; this is the part we use). */
interface PrometheusTarget extends Record<string, unknown> {
  refId: string;
  datasource: DataSourceRef;
  expr: string;
  legendFormat: string;
  range: true;
}

const prometheus: DataSourceRef = { type: "prometheus", uid: "${DS_PROMETHEUS}" };

interface Slo {
  title: string;
  /** What the panel shows and why the objective is what it is. */
  about: string;
  /** The ops/alerts.yml rule that pages or tickets on this level. */
  alert: string;
  queries: Array<{ expr: string; legend: string }>;
  unit: "s" | "percentunit" | "short";
  /** The objective, drawn as a red threshold line. */
  threshold: number;
  drawStyle?: GraphDrawStyle;
}

/** Same selection as the CrudLatencyP95High rule: every /api/v1 operation without an objective of its own. */
const CRUD_ROUTES =
  'route=~"/api/v1/.+", route!~"/api/v1/(ai|ws|webhooks|health)/.*|/api/v1/events/stream|/api/v1/metrics|/api/v1/notes/[^/]+/transcribe"';

const slos: Slo[] = [
  {
    title: "CRUD latency p95 (SC-003: < 500 ms)",
    about: "p95 of every CRUD operation over 5 minutes (AI, streams, webhooks, health and metrics excluded, as in the rule).",
    alert: "CrudLatencyP95High",
    queries: [{ expr: `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{${CRUD_ROUTES}}[5m])))`, legend: "p95" }],
    unit: "s",
    threshold: 0.5,
  },
  {
    title: "AI chat p95: first token and total (SC-005: < 5 s)",
    about: "p95 of AI chat over 10 minutes, from the request to its first streamed delta and to its end. The rule guards the total, which bounds the first token.",
    alert: "AiChatLatencyP95High",
    queries: [
      { expr: 'histogram_quantile(0.95, sum by (le) (rate(ai_first_token_seconds_bucket{kind="chat"}[10m])))', legend: "first token p95" },
      { expr: 'histogram_quantile(0.95, sum by (le) (rate(ai_request_duration_seconds_bucket{kind="chat"}[10m])))', legend: "total p95" },
    ],
    unit: "s",
    threshold: 5,
  },
  {
    title: "Webhook processing p95 (SC-008: < 30 s)",
    about: "p95 from a webhook's receipt to its committed effect over 15 minutes, by provider.",
    alert: "WebhookProcessingSlow",
    queries: [{ expr: "histogram_quantile(0.95, sum by (le, provider) (rate(webhook_processing_duration_seconds_bucket[15m])))", legend: "{{provider}}" }],
    unit: "s",
    threshold: 30,
  },
  {
    title: "Task recovery p95 (SC-010: < 30 s)",
    about: "p95 of POST /recovery/{tombstone_id}/restore over 30 minutes.",
    alert: "TaskRecoverySlow",
    queries: [
      {
        expr: 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{method="POST", route=~"/api/v1/recovery/[^/]+/restore"}[30m])))',
        legend: "restore p95",
      },
    ],
    unit: "s",
    threshold: 30,
  },
  {
    title: "Push delivery delay p95 (SC-012: < 60 s)",
    about: "p95 from a reminder's due time (or a notification's creation) to the push service accepting it, over 15 minutes.",
    alert: "PushDeliveryDelayed",
    queries: [{ expr: "histogram_quantile(0.95, sum by (le) (rate(push_delivery_delay_seconds_bucket[15m])))", legend: "p95" }],
    unit: "s",
    threshold: 60,
  },
  {
    title: "Error rate: 5xx share of responses (< 1 %)",
    about: "Responses with status ≥ 500 as a share of all responses over 5 minutes; 4xx are the client's and do not count.",
    alert: "ErrorRateHigh",
    queries: [{ expr: 'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))', legend: "5xx share" }],
    unit: "percentunit",
    threshold: 0.01,
  },
  {
    title: "Queue dead letters (objective: none)",
    about: "Messages that exhausted their retries in the last 15 minutes, by queue. The rule tickets on any (> 0); the line marks one message.",
    alert: "QueueMessagesDeadLettered",
    queries: [{ expr: 'sum by (queue) (increase(queue_messages_total{outcome="dead_lettered"}[15m]))', legend: "{{queue}}" }],
    unit: "short",
    threshold: 1,
    drawStyle: GraphDrawStyle.Bars,
  },
  {
    title: "Credit ledger drift (SC-011: none)",
    about: "Users whose credit balance disagrees with their ledger at the daily audit (docs/credits.md). Any is a bug in credit accounting.",
    alert: "CreditLedgerDrift",
    queries: [{ expr: "max(credit_ledger_drift_users)", legend: "users drifting" }],
    unit: "short",
    threshold: 1,
  },
];

function alertLink(alert: string): DashboardLink {
  return {
    title: `Alert rule ${alert} (ops/alerts.yml)`,
    type: "link",
    // Grafana's alert list shows Prometheus-managed rules too, once ops/alerts.yml is loaded by Prometheus.
    url: `/alerting/list?search=${encodeURIComponent(alert)}`,
    tooltip: `The rule that guards this level: ${alert} in ops/alerts.yml`,
    icon: "bolt",
    tags: [],
    asDropdown: false,
    includeVars: false,
    keepTime: false,
    targetBlank: true,
  };
}

function timeSeries(id: number, gridPos: Panel["gridPos"], slo: Slo): Panel {
  const custom = {
    drawStyle: slo.drawStyle ?? GraphDrawStyle.Line,
    lineWidth: 1,
    fillOpacity: slo.drawStyle === GraphDrawStyle.Bars ? 80 : 10,
    spanNulls: true,
    thresholdsStyle: { mode: GraphThresholdsStyleMode.Line },
  } satisfies TimeSeriesFieldConfig;
  const options = {
    legend: { displayMode: LegendDisplayMode.List, placement: "bottom", showLegend: true, calcs: ["lastNotNull", "max"] },
    tooltip: { mode: TooltipDisplayMode.Multi, sort: SortOrder.Descending },
  } satisfies TimeSeriesOptions;
  const targets: PrometheusTarget[] = slo.queries.map((query, index) => ({
    refId: String.fromCharCode(65 + index),
    datasource: prometheus,
    expr: query.expr,
    legendFormat: query.legend,
    range: true,
  }));
  return {
    id,
    type: "timeseries",
    title: slo.title,
    description: `${slo.about}\n\nObjective drawn as the red line. Guarded by the alert rule **${slo.alert}** in ops/alerts.yml.`,
    datasource: prometheus,
    gridPos,
    links: [alertLink(slo.alert)],
    fieldConfig: {
      defaults: {
        unit: slo.unit,
        min: 0,
        color: { mode: FieldColorModeId.PaletteClassic },
        thresholds: { mode: ThresholdsMode.Absolute, steps: [{ color: "green", value: null }, { color: "red", value: slo.threshold }] },
        custom,
      },
      overrides: [],
    },
    options,
    targets,
  };
}

const row = (id: number, y: number, title: string): RowPanel => ({ id, type: "row", title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });

/** Two panels a row of the grid, 8 units high, after a row header. */
function layout(): Array<Panel | RowPanel> {
  const panels: Array<Panel | RowPanel> = [row(1, 0, "Service levels (SPEC §14) – thresholds are the objectives of ops/alerts.yml")];
  slos.forEach((slo, index) => {
    panels.push(timeSeries(index + 2, { h: 8, w: 12, x: (index % 2) * 12, y: 1 + Math.floor(index / 2) * 8 }, slo));
  });
  const y = 1 + Math.ceil(slos.length / 2) * 8;
  panels.push(row(100, y, "Deprecations (docs/deprecation.md)"));
  const deprecatedCalls: Panel = {
    id: 101,
    type: "timeseries",
    title: "Calls to deprecated operations",
    description: "Requests per second to operations marked deprecated, by method and route template: who still calls what is going away. No objective, so no alert.",
    datasource: prometheus,
    gridPos: { h: 8, w: 24, x: 0, y: y + 1 },
    fieldConfig: { defaults: { unit: "reqps", min: 0, color: { mode: FieldColorModeId.PaletteClassic } }, overrides: [] },
    options: {
      legend: { displayMode: LegendDisplayMode.Table, placement: "right", showLegend: true, calcs: ["lastNotNull", "max"] },
      tooltip: { mode: TooltipDisplayMode.Multi, sort: SortOrder.Descending },
    } satisfies TimeSeriesOptions,
    targets: [
      {
        refId: "A",
        datasource: prometheus,
        expr: "sum by (method, route) (rate(http_deprecated_requests_total[1h]))",
        legendFormat: "{{method}} {{route}}",
        range: true,
      } satisfies PrometheusTarget,
    ],
  };
  panels.push(deprecatedCalls);
  return panels;
}

export const sloDashboard = {
  __inputs: [
    { name: "DS_PROMETHEUS", label: "Prometheus", description: "The Prometheus that scrapes GET /api/v1/metrics", type: "datasource", pluginId: "prometheus", pluginName: "Prometheus" },
  ],
  __requires: [
    { type: "grafana", id: "grafana", name: "Grafana", version: "10.0.0" },
    { type: "datasource", id: "prometheus", name: "Prometheus", version: "1.0.0" },
    { type: "panel", id: "timeseries", name: "Time series", version: "" },
  ],
  uid: "perpetua-flow-slo",
  title: "Perpetua Flow API – service levels",
  description: "One panel per SPEC §14 service level, each with its objective and the ops/alerts.yml rule that guards it. Generated from ops/grafana/slo-dashboard.ts.",
  tags: ["perpetua-flow", "slo"],
  editable: true,
  graphTooltip: DashboardCursorSync.Crosshair,
  schemaVersion: 39,
  version: 1,
  time: { from: "now-6h", to: "now" },
  timepicker: {},
  timezone: "utc",
  refresh: "1m",
  fiscalYearStartMonth: 0,
  liveNow: false,
  links: [],
  annotations: { list: [] },
  templating: { list: [] },
  panels: layout(),
} satisfies ImportableDashboard;
