/**
 * Every metric the backend exposes, in ONE list: name, type, help and labels. What records,
 * flushes, exposes and summarises them is derived from it — the isolates' readings
 * (shared/observe/flush.ts) and the exposition (prometheus.ts) are tables typed by these names,
 * so a metric without a reader, or a reader without a metric, does not type-check; the overview
 * (shared/services/ops) keeps only the counters listed here; docs/observability.md and the
 * dashboard (dashboard/) are held to it by tests/unit/metric-registry.unit.test.ts.
 */

export type MetricType = "counter" | "gauge" | "histogram";

/**
 * Where a metric's values come from:
 * - `request`: recorded per request by the envelope (shared/observe/metrics.ts);
 * - `isolate`: what an isolate keeps, flushed to Redis every interval (shared/observe/flush.ts):
 *   counters as deltas into the shared totals, gauges per isolate, summed per function when read;
 * - `ops`: measured by the ops function when it is read (the database's figures).
 */
export type MetricSource = "request" | "isolate" | "ops";

export interface MetricDefinition {
  name: string;
  type: MetricType;
  help: string;
  /** Label names, each from a fixed set of values (never an id, a user or a path). */
  labels: readonly string[];
  source: MetricSource;
  /**
   * An isolate gauge's field: its key in the isolate's gauge hash and, per function, in the
   * overview's `functions`. A gauge of the isolates without one is derived from the others.
   */
  field?: string;
}

/** One registry entry, its literal types kept (so the tables keyed by name are checked). */
export function defineMetric<const M extends MetricDefinition>(metric: M): M {
  return metric;
}

const F = "function";

/** Every metric, in the order of the exposition. */
export const METRICS = [
  defineMetric({
    name: "http_server_request_duration_seconds",
    type: "histogram",
    help: "Duration of HTTP server requests.",
    labels: [F, "http_request_method", "http_route", "status_class"],
    source: "request",
  }),
  defineMetric({
    name: "crew_cache_requests_total",
    type: "counter",
    help: "Cache lookups per tier and result.",
    labels: [F, "tier", "result"],
    source: "isolate",
  }),
  defineMetric({
    name: "crew_cache_l2_errors_total",
    type: "counter",
    help: "Redis (L2) calls that failed or timed out.",
    labels: [F, "kind"],
    source: "isolate",
  }),
  defineMetric({
    name: "crew_cache_loader_calls_total",
    type: "counter",
    help: "Cache misses that ran their loader.",
    labels: [F],
    source: "isolate",
  }),
  defineMetric({
    name: "crew_cache_bus_total",
    type: "counter",
    help: "Invalidation bus: reads sent (one Redis command each), entries applied, position gaps.",
    labels: [F, "event"],
    source: "isolate",
  }),
  defineMetric({
    name: "crew_db_transactions_total",
    type: "counter",
    help: "Database transactions started.",
    labels: [F],
    source: "isolate",
  }),
  defineMetric({
    name: "crew_db_transaction_errors_total",
    type: "counter",
    help: "Transactions that ended in an error.",
    labels: [F],
    source: "isolate",
  }),
  defineMetric({
    name: "crew_db_pool_waits_total",
    type: "counter",
    help: "Borrowers that waited for a connection.",
    labels: [F],
    source: "isolate",
  }),
  defineMetric({
    name: "crew_db_pool_timeouts_total",
    type: "counter",
    help: "Borrowers refused after the acquire timeout.",
    labels: [F],
    source: "isolate",
  }),
  defineMetric({
    name: "crew_rate_limit_refusals_total",
    type: "counter",
    help: "Requests refused by a rate limit (429).",
    labels: [F],
    source: "isolate",
  }),
  defineMetric({
    name: "crew_rate_limit_fail_open_total",
    type: "counter",
    help: "Rate-limit checks let through: Redis unreachable.",
    labels: [F],
    source: "isolate",
  }),
  defineMetric({
    name: "crew_http_shed_total",
    type: "counter",
    help: "Requests shed at MAX_IN_FLIGHT (503 overloaded).",
    labels: [F],
    source: "isolate",
  }),
  defineMetric({
    name: "crew_jobs_runs_total",
    type: "counter",
    help: "Job attempts by queue and outcome.",
    labels: [F, "queue", "outcome"],
    source: "isolate",
  }),
  defineMetric({
    name: "crew_metrics_dropped_series_total",
    type: "counter",
    help: "Request series dropped at the per-isolate cap.",
    labels: [F],
    source: "isolate",
  }),
  defineMetric({
    name: "crew_isolates",
    type: "gauge",
    help: "Isolates that flushed within three intervals.",
    labels: [F],
    source: "isolate",
    field: "isolates",
  }),
  defineMetric({
    name: "crew_db_pool_active",
    type: "gauge",
    help: "Pooled connections in use.",
    labels: [F],
    source: "isolate",
    field: "pool_active",
  }),
  defineMetric({
    name: "crew_db_pool_max",
    type: "gauge",
    help: "Pooled connections allowed.",
    labels: [F],
    source: "isolate",
    field: "pool_max",
  }),
  defineMetric({
    name: "crew_db_pool_utilization_ratio",
    type: "gauge",
    help: "In use ÷ allowed, over the live isolates.",
    labels: [F],
    source: "isolate",
  }),
  defineMetric({
    name: "crew_db_pool_waiting",
    type: "gauge",
    help: "Borrowers waiting for a connection.",
    labels: [F],
    source: "isolate",
    field: "pool_waiting",
  }),
  defineMetric({
    name: "crew_http_in_flight",
    type: "gauge",
    help: "Requests in flight.",
    labels: [F],
    source: "isolate",
    field: "in_flight",
  }),
  defineMetric({
    name: "crew_cache_breaker_open",
    type: "gauge",
    help: "Isolates whose Redis circuit breaker is open.",
    labels: [F],
    source: "isolate",
    field: "breaker_open",
  }),
  defineMetric({
    name: "crew_cache_l1_entries",
    type: "gauge",
    help: "Entries in the isolates' L1 caches.",
    labels: [F],
    source: "isolate",
    field: "l1_entries",
  }),
  defineMetric({
    name: "crew_jobs_queued",
    type: "gauge",
    help: "Jobs due and waiting.",
    labels: ["queue"],
    source: "ops",
  }),
  defineMetric({
    name: "crew_jobs_scheduled",
    type: "gauge",
    help: "Jobs waiting for a later time (delay or backoff).",
    labels: ["queue"],
    source: "ops",
  }),
  defineMetric({
    name: "crew_jobs_running",
    type: "gauge",
    help: "Jobs claimed by a worker.",
    labels: ["queue"],
    source: "ops",
  }),
  defineMetric({
    name: "crew_jobs_dead",
    type: "gauge",
    help: "Dead letters.",
    labels: ["queue"],
    source: "ops",
  }),
  defineMetric({
    name: "crew_jobs_oldest_queued_seconds",
    type: "gauge",
    help: "Age of the oldest due job.",
    labels: ["queue"],
    source: "ops",
  }),
  defineMetric({
    name: "crew_mv_age_seconds",
    type: "gauge",
    help: "Seconds since a reporting view was refreshed.",
    labels: ["view"],
    source: "ops",
  }),
  defineMetric({
    name: "crew_cron_job_failures_24h",
    type: "gauge",
    help: "pg_cron runs that failed in the last 24 hours.",
    labels: ["cron_job"],
    source: "ops",
  }),
  defineMetric({
    name: "crew_cron_job_last_success_age_seconds",
    type: "gauge",
    help: "Seconds since a pg_cron job last succeeded.",
    labels: ["cron_job"],
    source: "ops",
  }),
  defineMetric({
    name: "crew_partitions_ahead",
    type: "gauge",
    help: "Monthly partitions that exist beyond the current month.",
    labels: ["table"],
    source: "ops",
  }),
  defineMetric({
    name: "crew_idempotency_keys",
    type: "gauge",
    help: "Rows in payment_idempotency_keys (estimate).",
    labels: [],
    source: "ops",
  }),
  defineMetric({
    name: "crew_idempotency_keys_bytes",
    type: "gauge",
    help: "Size of payment_idempotency_keys with its indexes.",
    labels: [],
    source: "ops",
  }),
  defineMetric({
    name: "crew_pg_statement_total_seconds",
    type: "gauge",
    help: "Total execution time of the top statements (by queryid).",
    labels: ["queryid"],
    source: "ops",
  }),
  defineMetric({
    name: "crew_pg_statement_mean_seconds",
    type: "gauge",
    help: "Mean execution time of the top statements (by queryid).",
    labels: ["queryid"],
    source: "ops",
  }),
  defineMetric({
    name: "crew_metrics_aggregated",
    type: "gauge",
    help: "1 when the figures are every isolate's (Redis), 0 when only this one's.",
    labels: [],
    source: "ops",
  }),
] as const;

type Metric = typeof METRICS[number];
export type MetricName = Metric["name"];
/** The request histogram's name. */
export type HistogramName = Extract<Metric, { type: "histogram" }>["name"];
/** Counters: every one is an isolate's, flushed as deltas into the totals. */
export type CounterName = Extract<Metric, { type: "counter" }>["name"];
/** Gauges of the isolates, one value per function (summed over its live isolates). */
export type FunctionGaugeName = Extract<Metric, { type: "gauge"; source: "isolate" }>["name"];
/** Gauges the ops function measures when it is read. */
export type OpsGaugeName = Extract<Metric, { source: "ops" }>["name"];
/** The isolate gauges' fields (`pool_active`, ...; `isolates` is counted, not read). */
export type GaugeField = Extract<Metric, { field: string }>["field"];
/** The label names of metric `N`. */
export type LabelOf<N extends MetricName> = Extract<Metric, { name: N }>["labels"][number];

/** The isolate gauges' fields, in registry order. */
export const GAUGE_FIELDS: readonly GaugeField[] = METRICS.flatMap((m) =>
  "field" in m ? [m.field] : []
);

const counterNames = new Set<string>(
  METRICS.filter((m) => m.type === "counter").map((m) => m.name),
);

/** Whether `name` is a registered counter (the totals' hash may hold series of older deploys). */
export const isCounter = (name: string): name is CounterName => counterNames.has(name);

/** The counters' names, in registry order (for the overview's schema). */
export const COUNTER_NAMES = METRICS.flatMap((m) => m.type === "counter" ? [m.name] : []);
