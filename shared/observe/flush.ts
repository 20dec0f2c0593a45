/**
 * Sends the isolate's metric deltas to Redis every `METRICS_FLUSH_MS` (5 s), off the request
 * path: ONE pipelined Upstash call per flush, whatever the traffic. Totals live in one hash per
 * namespace (`<ns>:metrics:c`, field = series, HINCRBY / HINCRBYFLOAT), so every isolate of
 * every function adds into the same series; gauges (pool in use, in flight, breaker) are per
 * isolate (`<ns>:metrics:g:<isolate>`, expiring after three intervals) and summed when read.
 *
 * A failed flush puts its deltas back, so the next one sends them; an isolate that ends flushes
 * once more on its way out (`beforeunload`), and on hosted Supabase each flush runs inside
 * `EdgeRuntime.waitUntil`. So at most one interval of counts is lost, and only when an isolate
 * is killed outright. Without Redis there is nothing to aggregate into: the ops function then
 * shows what its own isolate counted.
 */
import { Redis } from "@upstash/redis";
import { background, beforeShutdown } from "../background.ts";
import { cache } from "../cache/index.ts";
import { config } from "../config.ts";
import { getPoolStats } from "../db/index.ts";
import { rateLimiter } from "../http/ratelimit.ts";
import { loadStats } from "../http/envelope.ts";
import { runStats } from "../jobs/stats.ts";
import {
  counterDeltas,
  type CounterReading,
  DURATION_BUCKETS,
  markSent,
  REQUEST_METRIC,
  restoreRequests,
  seriesKey,
  takeRequests,
} from "./metrics.ts";

export const isolateId = crypto.randomUUID();

/** Where the totals live in Redis. */
export function metricKeys(namespace = config.cache.namespace ?? "crew") {
  const base = `${namespace}:metrics`;
  return {
    counters: `${base}:c`,
    isolates: `${base}:isolates`,
    gauges: (isolate: string) => `${base}:g:${isolate}`,
    history: `${base}:history`,
    historyLock: `${base}:history-lock`,
  };
}

let redis: Redis | null | undefined;

/** The metrics' own Upstash client (no retries: a failed flush is retried by the next one). */
export function metricsRedis(): Redis | null {
  if (redis !== undefined) return redis;
  const { redisUrl, redisToken } = config.cache;
  redis = redisUrl && redisToken
    ? new Redis({
      url: redisUrl,
      token: redisToken,
      retry: false,
      automaticDeserialization: false,
      enableTelemetry: false,
      signal: () => AbortSignal.timeout(2_000),
    })
    : null;
  return redis;
}

/** This isolate's cumulative counters, as series. */
export function counterReadings(fn: string): CounterReading[] {
  const c = cache.getStats();
  const p = getPoolStats();
  const r = rateLimiter.stats;
  const f = { function: fn };
  const readings: CounterReading[] = [
    {
      name: "crew_cache_requests_total",
      labels: { ...f, tier: "l1", result: "hit" },
      value: c.l1.hits,
    },
    {
      name: "crew_cache_requests_total",
      labels: { ...f, tier: "l1", result: "miss" },
      value: c.l1.misses,
    },
    {
      name: "crew_cache_requests_total",
      labels: { ...f, tier: "l2", result: "hit" },
      value: c.l2.hits,
    },
    {
      name: "crew_cache_requests_total",
      labels: { ...f, tier: "l2", result: "miss" },
      value: c.l2.misses,
    },
    { name: "crew_cache_l2_errors_total", labels: { ...f, kind: "error" }, value: c.l2.errors },
    { name: "crew_cache_l2_errors_total", labels: { ...f, kind: "timeout" }, value: c.l2.timeouts },
    { name: "crew_cache_loader_calls_total", labels: f, value: c.loaderCalls },
    { name: "crew_db_transactions_total", labels: f, value: p.queries },
    { name: "crew_db_transaction_errors_total", labels: f, value: p.errors },
    { name: "crew_db_pool_waits_total", labels: f, value: p.acquireWaitMs.count },
    { name: "crew_db_pool_timeouts_total", labels: f, value: p.timeouts },
    { name: "crew_rate_limit_refusals_total", labels: f, value: r.limited },
    { name: "crew_rate_limit_fail_open_total", labels: f, value: r.failedOpen },
    { name: "crew_http_shed_total", labels: f, value: loadStats().shed },
  ];
  for (const [queue, outcomes] of Object.entries(runStats())) {
    for (const [outcome, value] of Object.entries(outcomes)) {
      readings.push({ name: "crew_jobs_runs_total", labels: { ...f, queue, outcome }, value });
    }
  }
  return readings;
}

/** This isolate's gauges right now. */
export function gaugeReadings(): Record<string, number> {
  const p = getPoolStats();
  const c = cache.getStats();
  return {
    pool_active: p.active,
    pool_max: p.max,
    pool_waiting: p.waiting,
    in_flight: loadStats().inFlight,
    breaker_open: c.l2.breaker === "open" ? 1 : 0,
    l1_entries: c.l1.entries,
  };
}

const stats = { flushes: 0, failed: 0, lastError: null as string | null };

/** Flush counters (in `/stats`). */
export function flushStats() {
  return { ...stats, isolate: isolateId, intervalMs: config.metrics.flushMs };
}

/** Sends what this isolate counted since the last flush, in one pipelined call. */
export async function flushMetrics(fn: string): Promise<boolean> {
  const client = metricsRedis();
  if (!client) return false;
  const keys = metricKeys();
  const taken = takeRequests();
  const readings = counterReadings(fn);
  const deltas = counterDeltas(readings);
  const pipe = client.pipeline();
  for (const s of taken.series) {
    s.buckets.forEach((n, i) => {
      if (!n) return;
      const le = i < DURATION_BUCKETS.length ? String(DURATION_BUCKETS[i]) : "+Inf";
      pipe.hincrby(keys.counters, seriesKey(`${REQUEST_METRIC}_bucket`, { ...s.labels, le }), n);
    });
    pipe.hincrbyfloat(keys.counters, seriesKey(`${REQUEST_METRIC}_sum`, s.labels), s.sum);
    pipe.hincrby(keys.counters, seriesKey(`${REQUEST_METRIC}_count`, s.labels), s.count);
  }
  if (taken.dropped) {
    pipe.hincrby(
      keys.counters,
      seriesKey("crew_metrics_dropped_series_total", { function: fn }),
      taken.dropped,
    );
  }
  for (const d of deltas) pipe.hincrbyfloat(keys.counters, d.key, d.delta);
  const ttlS = Math.ceil((config.metrics.flushMs * 3) / 1000);
  const gaugeKey = keys.gauges(isolateId);
  pipe.hset(gaugeKey, { function: fn, ...gaugeReadings() });
  pipe.expire(gaugeKey, ttlS);
  pipe.zadd(keys.isolates, { score: Date.now(), member: isolateId });
  try {
    await pipe.exec();
    markSent(readings);
    stats.flushes++;
    return true;
  } catch (error) {
    restoreRequests(taken);
    stats.failed++;
    stats.lastError = String(error).slice(0, 200);
    return false;
  }
}

let started = false;

/** Starts the periodic flush of function `fn`'s isolate (once; a no-op when metrics are off). */
export function startMetricsFlush(fn: string): void {
  if (started || !config.metrics.enabled || !metricsRedis()) return;
  started = true;
  const every = config.metrics.flushMs;
  const tick = () => {
    // Jittered, so isolates started together do not flush in step.
    const timer = setTimeout(
      () => background(() => flushMetrics(fn)).then(tick),
      every * (0.9 + Math.random() * 0.2),
    );
    Deno.unrefTimer(timer);
  };
  tick();
  beforeShutdown(() => flushMetrics(fn));
}
