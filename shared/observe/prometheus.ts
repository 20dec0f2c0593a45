/**
 * The Prometheus text exposition (format 0.0.4) of the aggregated request and isolate metrics
 * (shared/observe/totals.ts) and the database's figures (shared/services/ops): every metric of
 * shared/observe/registry.ts, and nothing else. Histogram buckets are stored per bucket and made
 * cumulative here, as the format wants.
 */
import type { Health, Statement } from "../services/ops/index.ts";
import { DURATION_BUCKETS, REQUEST_METRIC, seriesKey } from "./metrics.ts";
import { type FunctionGaugeName, isCounter, METRICS, type OpsGaugeName } from "./registry.ts";
import { type FunctionGauges, parseSeries, type Totals } from "./totals.ts";

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

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

/** A sample: its labels and value. */
type Sample = [labels: Record<string, string>, value: number];

/** The database's figures and the aggregation, as the ops function reads them. */
export interface OpsFigures {
  totals: Totals;
  db: Health;
  /** The top statements by total time. */
  top: Statement[];
}

const ageS = (at: string) => Math.round((Date.now() - Date.parse(at)) / 1000);

/** How each gauge the ops function measures is sampled: one entry per registered name. */
const OPS_GAUGES: { [N in OpsGaugeName]: (f: OpsFigures) => Sample[] } = {
  crew_jobs_queued: ({ db }) => db.queues.map((q) => [{ queue: q.queue }, q.queued]),
  crew_jobs_scheduled: ({ db }) => db.queues.map((q) => [{ queue: q.queue }, q.scheduled]),
  crew_jobs_running: ({ db }) => db.queues.map((q) => [{ queue: q.queue }, q.running]),
  crew_jobs_dead: ({ db }) => db.queues.map((q) => [{ queue: q.queue }, q.dead]),
  crew_jobs_oldest_queued_seconds: ({ db }) =>
    db.queues.map((q) => [{ queue: q.queue }, q.oldest_queued_s]),
  crew_mv_age_seconds: ({ db }) =>
    db.views.flatMap((v) => v.age_s === null ? [] : [[{ view: v.view }, v.age_s]]),
  crew_cron_job_failures_24h: ({ db }) => db.cron.map((j) => [{ cron_job: j.job }, j.failures_24h]),
  crew_cron_job_last_success_age_seconds: ({ db }) =>
    db.cron.flatMap((j) =>
      j.last_success_at ? [[{ cron_job: j.job }, ageS(j.last_success_at)]] : []
    ),
  crew_partitions_ahead: ({ db }) => db.partitions.map((p) => [{ table: p.table }, p.months_ahead]),
  crew_idempotency_keys: ({ db }) => [[{}, db.idempotency_keys.rows]],
  crew_idempotency_keys_bytes: ({ db }) => [[{}, db.idempotency_keys.bytes]],
  crew_pg_statement_total_seconds: ({ top }) =>
    top.map((s) => [{ queryid: s.queryid }, s.total_ms / 1000]),
  crew_pg_statement_mean_seconds: ({ top }) =>
    top.map((s) => [{ queryid: s.queryid }, s.mean_ms / 1000]),
  crew_metrics_aggregated: ({ totals }) => [[{}, totals.aggregated ? 1 : 0]],
};

/** A function's value of each isolate gauge: its field, or derived from the fields. */
function functionGauge(name: FunctionGaugeName, g: FunctionGauges): number {
  if (name === "crew_db_pool_utilization_ratio") return g.pool_max ? g.pool_active / g.pool_max : 0;
  const metric = METRICS.find((m) => m.name === name);
  return metric && "field" in metric ? g[metric.field] : 0;
}

const sampleLines = (name: string, samples: Sample[]) =>
  samples.map(([labels, value]) => `${name}${labelText(labels)} ${num(value)}`);

/** The whole exposition: every registered metric, in registry order, with its HELP and TYPE. */
export function exposition({ totals, db, top }: OpsFigures): string {
  // The counters' series by metric name, sorted as Prometheus's own output would be.
  const counters = new Map<string, Sample[]>();
  for (const [key, value] of [...totals.counters].sort(([a], [b]) => a.localeCompare(b))) {
    const { name, labels } = parseSeries(key);
    if (!isCounter(name)) continue;
    counters.set(name, [...counters.get(name) ?? [], [labels, value]]);
  }
  const functions = [...totals.gauges].sort(([a], [b]) => a.localeCompare(b));
  const out: string[] = [];
  for (const m of METRICS) {
    const lines = m.type === "histogram"
      ? histogramLines(totals.counters)
      : m.type === "counter"
      ? sampleLines(m.name, counters.get(m.name) ?? [])
      : m.source === "isolate"
      ? sampleLines(
        m.name,
        functions.map(([fn, g]) => [{ function: fn }, functionGauge(m.name, g)]),
      )
      : sampleLines(m.name, OPS_GAUGES[m.name]({ totals, db, top }));
    out.push(...family(m.name, m.type, m.help, lines));
  }
  return out.join("\n") + "\n";
}
