/**
 * The Prometheus text exposition (format 0.0.4) of the aggregated request and isolate metrics
 * (shared/observe/totals.ts) and the database's figures (shared/services/ops). Histogram buckets
 * are stored per bucket and made cumulative here, as the format wants.
 */
import type { Health, Statement } from "../services/ops/index.ts";
import { DURATION_BUCKETS, REQUEST_METRIC, seriesKey } from "./metrics.ts";
import { type FunctionGauges, parseSeries, type Totals } from "./totals.ts";

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const FAMILIES: Record<string, { type: "counter" | "gauge" | "histogram"; help: string }> = {
  [REQUEST_METRIC]: { type: "histogram", help: "Duration of HTTP server requests." },
  crew_cache_requests_total: { type: "counter", help: "Cache lookups per tier and result." },
  crew_cache_l2_errors_total: {
    type: "counter",
    help: "Redis (L2) calls that failed or timed out.",
  },
  crew_cache_loader_calls_total: { type: "counter", help: "Cache misses that ran their loader." },
  crew_db_transactions_total: { type: "counter", help: "Database transactions started." },
  crew_db_transaction_errors_total: {
    type: "counter",
    help: "Transactions that ended in an error.",
  },
  crew_db_pool_waits_total: { type: "counter", help: "Borrowers that waited for a connection." },
  crew_db_pool_timeouts_total: {
    type: "counter",
    help: "Borrowers refused after the acquire timeout.",
  },
  crew_rate_limit_refusals_total: {
    type: "counter",
    help: "Requests refused by a rate limit (429).",
  },
  crew_rate_limit_fail_open_total: {
    type: "counter",
    help: "Rate-limit checks let through: Redis unreachable.",
  },
  crew_http_shed_total: {
    type: "counter",
    help: "Requests shed at MAX_IN_FLIGHT (503 overloaded).",
  },
  crew_jobs_runs_total: { type: "counter", help: "Job attempts by queue and outcome." },
  crew_metrics_dropped_series_total: {
    type: "counter",
    help: "Request series dropped at the per-isolate cap.",
  },
};

const escape = (value: string) => JSON.stringify(value).slice(1, -1);
const labelText = (labels: Record<string, string>) => {
  const keys = Object.keys(labels).sort();
  return keys.length ? `{${keys.map((k) => `${k}="${escape(labels[k])}"`).join(",")}}` : "";
};
const num = (n: number) => (Number.isFinite(n) ? String(n) : n > 0 ? "+Inf" : "NaN");

/** Lines of one family, with its HELP and TYPE. */
function family(name: string, type: string, help: string, lines: string[]): string[] {
  return lines.length ? [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines] : [];
}

/** The request histogram: per series, cumulative buckets up to +Inf, then sum and count. */
function histogramLines(counters: Map<string, number>): string[] {
  const series = new Map<string, { labels: Record<string, string>; byLe: Map<string, number> }>();
  const sums = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const [key, value] of counters) {
    if (!key.startsWith(REQUEST_METRIC)) continue;
    const { name, labels } = parseSeries(key);
    if (name === `${REQUEST_METRIC}_bucket`) {
      const { le, ...rest } = labels;
      const id = seriesKey(REQUEST_METRIC, rest);
      const s = series.get(id) ?? { labels: rest, byLe: new Map() };
      s.byLe.set(le, value);
      series.set(id, s);
    } else if (name === `${REQUEST_METRIC}_sum`) sums.set(seriesKey(REQUEST_METRIC, labels), value);
    else if (name === `${REQUEST_METRIC}_count`) {
      counts.set(seriesKey(REQUEST_METRIC, labels), value);
    }
  }
  const lines: string[] = [];
  for (const [id, s] of [...series].sort(([a], [b]) => a.localeCompare(b))) {
    let running = 0;
    for (const le of [...DURATION_BUCKETS.map(String), "+Inf"]) {
      running += s.byLe.get(le) ?? 0;
      lines.push(`${REQUEST_METRIC}_bucket${labelText({ ...s.labels, le })} ${running}`);
    }
    lines.push(`${REQUEST_METRIC}_sum${labelText(s.labels)} ${num(sums.get(id) ?? 0)}`);
    lines.push(`${REQUEST_METRIC}_count${labelText(s.labels)} ${counts.get(id) ?? running}`);
  }
  return lines;
}

/** The whole exposition. */
export function exposition(totals: Totals, db: Health, top: Statement[]): string {
  const out: string[] = [];
  const h = FAMILIES[REQUEST_METRIC];
  out.push(...family(REQUEST_METRIC, h.type, h.help, histogramLines(totals.counters)));
  for (const [name, meta] of Object.entries(FAMILIES)) {
    if (name === REQUEST_METRIC) continue;
    const lines = [...totals.counters]
      .filter(([key]) => parseSeries(key).name === name)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => `${name}${labelText(parseSeries(key).labels)} ${num(value)}`);
    out.push(...family(name, meta.type, meta.help, lines));
  }
  const gauge = (name: string, help: string, lines: string[]) =>
    out.push(...family(name, "gauge", help, lines));
  // One line per function: the live isolates' gauges, summed.
  const perFunction = (name: string, help: string, pick: (g: FunctionGauges) => number) =>
    gauge(
      name,
      help,
      [...totals.gauges].sort(([a], [b]) => a.localeCompare(b))
        .map(([fn, g]) => `${name}{function="${escape(fn)}"} ${num(pick(g))}`),
    );
  perFunction("crew_isolates", "Isolates that flushed within three intervals.", (g) => g.isolates);
  perFunction("crew_db_pool_active", "Pooled connections in use.", (g) => g.pool_active);
  perFunction("crew_db_pool_max", "Pooled connections allowed.", (g) => g.pool_max);
  perFunction(
    "crew_db_pool_utilization_ratio",
    "In use ÷ allowed, over the live isolates.",
    (g) => g.pool_max ? g.pool_active / g.pool_max : 0,
  );
  perFunction("crew_db_pool_waiting", "Borrowers waiting for a connection.", (g) => g.pool_waiting);
  perFunction("crew_http_in_flight", "Requests in flight.", (g) => g.in_flight);
  perFunction(
    "crew_cache_breaker_open",
    "Isolates whose Redis circuit breaker is open.",
    (g) => g.breaker_open,
  );
  perFunction("crew_cache_l1_entries", "Entries in the isolates' L1 caches.", (g) => g.l1_entries);
  const q = db.queues;
  gauge(
    "crew_jobs_queued",
    "Jobs due and waiting.",
    q.map((m) => `crew_jobs_queued{queue="${m.queue}"} ${m.queued}`),
  );
  gauge(
    "crew_jobs_scheduled",
    "Jobs waiting for a later time (delay or backoff).",
    q.map((m) => `crew_jobs_scheduled{queue="${m.queue}"} ${m.scheduled}`),
  );
  gauge(
    "crew_jobs_running",
    "Jobs claimed by a worker.",
    q.map((m) => `crew_jobs_running{queue="${m.queue}"} ${m.running}`),
  );
  gauge(
    "crew_jobs_dead",
    "Dead letters.",
    q.map((m) => `crew_jobs_dead{queue="${m.queue}"} ${m.dead}`),
  );
  gauge(
    "crew_jobs_oldest_queued_seconds",
    "Age of the oldest due job.",
    q.map((m) => `crew_jobs_oldest_queued_seconds{queue="${m.queue}"} ${m.oldest_queued_s}`),
  );
  gauge(
    "crew_mv_age_seconds",
    "Seconds since a reporting view was refreshed.",
    db.views.filter((v) => v.age_s !== null).map((v) =>
      `crew_mv_age_seconds{view="${v.view}"} ${v.age_s}`
    ),
  );
  gauge(
    "crew_cron_job_failures_24h",
    "pg_cron runs that failed in the last 24 hours.",
    db.cron.map((j) => `crew_cron_job_failures_24h{cron_job="${escape(j.job)}"} ${j.failures_24h}`),
  );
  gauge(
    "crew_cron_job_last_success_age_seconds",
    "Seconds since a pg_cron job last succeeded.",
    db.cron.filter((j) => j.last_success_at).map((j) =>
      `crew_cron_job_last_success_age_seconds{cron_job="${escape(j.job)}"} ${
        Math.round((Date.now() - Date.parse(j.last_success_at!)) / 1000)
      }`
    ),
  );
  gauge(
    "crew_partitions_ahead",
    "Monthly partitions that exist beyond the current month.",
    db.partitions.map((p) => `crew_partitions_ahead{table="${p.table}"} ${p.months_ahead}`),
  );
  gauge("crew_idempotency_keys", "Rows in payment_idempotency_keys (estimate).", [
    `crew_idempotency_keys ${db.idempotency_keys.rows}`,
  ]);
  gauge("crew_idempotency_keys_bytes", "Size of payment_idempotency_keys with its indexes.", [
    `crew_idempotency_keys_bytes ${db.idempotency_keys.bytes}`,
  ]);
  gauge(
    "crew_pg_statement_total_seconds",
    "Total execution time of the top statements (by queryid).",
    top.map((s) => `crew_pg_statement_total_seconds{queryid="${s.queryid}"} ${s.total_ms / 1000}`),
  );
  gauge(
    "crew_pg_statement_mean_seconds",
    "Mean execution time of the top statements (by queryid).",
    top.map((s) => `crew_pg_statement_mean_seconds{queryid="${s.queryid}"} ${s.mean_ms / 1000}`),
  );
  gauge(
    "crew_metrics_aggregated",
    "1 when the figures are every isolate's (Redis), 0 when only this one's.",
    [`crew_metrics_aggregated ${totals.aggregated ? 1 : 0}`],
  );
  return out.join("\n") + "\n";
}
