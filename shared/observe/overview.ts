/**
 * What the ops endpoints answer: the Prometheus exposition, and the same figures as JSON for the
 * dashboard (dashboard/), plus a short history so the dashboard has a past when it opens: every
 * read of the ops endpoints (Prometheus scrapes, dashboards polling) keeps a compact snapshot —
 * per function, not per route — at most every `HISTORY_EVERY_S`, the last `HISTORY_LENGTH` of them.
 */
import { health, statements } from "../services/ops/index.ts";
import { metricKeys, metricsRedis } from "./flush.ts";
import { DURATION_BUCKETS, REQUEST_METRIC } from "./metrics.ts";
import { exposition } from "./prometheus.ts";
import { parseSeries, readTotals, type Totals } from "./totals.ts";

const HISTORY_EVERY_S = 10;
const HISTORY_LENGTH = 360;

interface RequestRow {
  function: string;
  method: string;
  route: string;
  status_class: string;
  count: number;
  sum_s: number;
  buckets: number[];
}

/** Per request series: count, sum and cumulative buckets. */
function requestRows(totals: Totals): RequestRow[] {
  const rows = new Map<string, RequestRow>();
  const row = (l: Record<string, string>) => {
    const id = `${l.function} ${l.http_request_method} ${l.http_route} ${l.status_class}`;
    let r = rows.get(id);
    if (!r) {
      r = {
        function: l.function,
        method: l.http_request_method,
        route: l.http_route,
        status_class: l.status_class,
        count: 0,
        sum_s: 0,
        buckets: new Array(DURATION_BUCKETS.length + 1).fill(0),
      };
      rows.set(id, r);
    }
    return r;
  };
  for (const [key, value] of totals.counters) {
    if (!key.startsWith(REQUEST_METRIC)) continue;
    const { name, labels } = parseSeries(key);
    if (name.endsWith("_bucket")) {
      const i = labels.le === "+Inf" ? DURATION_BUCKETS.length : DURATION_BUCKETS.indexOf(
        Number(labels.le) as typeof DURATION_BUCKETS[number],
      );
      if (i >= 0) row(labels).buckets[i] += value;
    } else if (name.endsWith("_sum")) row(labels).sum_s += value;
    else if (name.endsWith("_count")) row(labels).count += value;
  }
  for (const r of rows.values()) {
    for (let i = 1; i < r.buckets.length; i++) r.buckets[i] += r.buckets[i - 1];
  }
  return [...rows.values()].sort((a, b) =>
    `${a.function}${a.route}${a.method}${a.status_class}`.localeCompare(
      `${b.function}${b.route}${b.method}${b.status_class}`,
    )
  );
}

/** Per function: requests, errors (5xx), duration buckets, cache tiers and pool. */
function snapshot(at: string, totals: Totals, rows: RequestRow[]) {
  const fns: Record<string, Record<string, number | number[]>> = {};
  const fn = (name: string) =>
    fns[name] ??= { count: 0, errors: 0, buckets: new Array(DURATION_BUCKETS.length + 1).fill(0) };
  for (const r of rows) {
    const f = fn(r.function);
    (f.count as number) += r.count;
    if (r.status_class === "5xx") (f.errors as number) += r.count;
    r.buckets.forEach((n, i) => (f.buckets as number[])[i] += n);
  }
  for (const [key, value] of totals.counters) {
    const { name, labels } = parseSeries(key);
    if (name !== "crew_cache_requests_total") continue;
    const f = fn(labels.function);
    const field = `${labels.tier}_${labels.result}`;
    f[field] = ((f[field] as number | undefined) ?? 0) + value;
  }
  for (const [name, g] of totals.gauges) {
    const f = fn(name);
    f.pool_utilization = g.pool_max ? g.pool_active / g.pool_max : 0;
    f.isolates = g.isolates;
  }
  return { at, functions: fns };
}

async function keepHistory(entry: unknown): Promise<void> {
  const client = metricsRedis();
  if (!client) return;
  const keys = metricKeys();
  // One snapshot per interval, whoever reads first.
  const fresh = await client.set(keys.historyLock, "1", { nx: true, ex: HISTORY_EVERY_S });
  if (fresh !== "OK") return;
  await client.pipeline()
    .lpush(keys.history, JSON.stringify(entry))
    .ltrim(keys.history, 0, HISTORY_LENGTH - 1)
    .exec();
}

/** What both endpoints read (and the snapshot every read may keep). */
async function gather(minMeanMs: number) {
  const at = new Date().toISOString();
  const [totals, db, stmts] = await Promise.all([
    readTotals(),
    health(),
    statements(minMeanMs, 10),
  ]);
  const requests = requestRows(totals);
  await keepHistory(snapshot(at, totals, requests)).catch(() => undefined);
  return { at, totals, db, stmts, requests };
}

/** The figures as JSON (GET /ops/overview). */
export async function overview(minMeanMs = 100) {
  const { at, totals, db, stmts, requests } = await gather(minMeanMs);
  return {
    at,
    aggregated: totals.aggregated,
    requests,
    bounds_s: [...DURATION_BUCKETS],
    counters: [...totals.counters]
      .filter(([key]) => !key.startsWith(REQUEST_METRIC))
      .map(([key, value]) => ({ ...parseSeries(key), value })),
    functions: Object.fromEntries([...totals.gauges].map(([fn, g]) => [fn, { ...g }])),
    health: db,
    statements: stmts,
  };
}

/** The Prometheus text (GET /ops/metrics). */
export async function metricsText(): Promise<string> {
  const { totals, db, stmts } = await gather(100);
  return exposition(totals, db, stmts.top);
}

/** The kept snapshots, oldest first (GET /ops/history). */
export async function history(): Promise<unknown[]> {
  const client = metricsRedis();
  if (!client) return [];
  const rows = await client.lrange(metricKeys().history, 0, HISTORY_LENGTH - 1);
  return rows.map((r) => (typeof r === "string" ? JSON.parse(r) : r)).reverse();
}
