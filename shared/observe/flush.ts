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
 *
 * The same pipeline claims the current slot of periodic work done by one isolate of all (the
 * history snapshot, shared/services/ops/history.ts): a `SET NX`, no call of its own.
 * What is read and flushed is every isolate metric of shared/observe/registry.ts.
 */
import { Redis } from "@upstash/redis";
import { background, beforeShutdown } from "../background.ts";
import { cache } from "../cache/index.ts";
import { config } from "../config.ts";
import { getPoolStats } from "../db/index.ts";
import { rateLimiter } from "../http/ratelimit.ts";
import { loadStats } from "../http/envelope.ts";
import { runStats } from "../jobs/stats.ts";
import { log } from "../log.ts";
import {
  counterDeltas,
  type CounterReading,
  droppedSeriesTotal,
  DURATION_BUCKETS,
  markSent,
  REQUEST_METRIC,
  restoreRequests,
  seriesKey,
  takeRequests,
} from "./metrics.ts";
import { type CounterName, type GaugeField, type LabelOf, METRICS } from "./registry.ts";

export const isolateId = crypto.randomUUID();

/** Where the totals live in Redis. */
export function metricKeys(namespace = config.cache.namespace ?? "crew") {
  const base = `${namespace}:metrics`;
  return {
    counters: `${base}:c`,
    isolates: `${base}:isolates`,
    gauges: (isolate: string) => `${base}:g:${isolate}`,
    history: `${base}:history`,
    /** Taken (SET NX) by the one isolate that keeps slot `slot`'s history snapshot. */
    historySlot: (slot: number) => `${base}:history-slot:${slot}`,
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

type Labels<N extends CounterName> = Record<Exclude<LabelOf<N>, "function">, string>;
type Reader<N extends CounterName> = () => [Labels<N>, number][];

/**
 * How each registered counter is read from what the isolate already keeps (cumulative values:
 * the flush sends their growth). Keyed by the registry's counters, so one without a reader —
 * or a reader without a registered counter, or with a label the registry does not list — is a
 * type error.
 */
const COUNTERS: { [N in CounterName]: Reader<N> } = {
  crew_cache_requests_total: () => {
    const { l1, l2 } = cache.getStats();
    return [
      [{ tier: "l1", result: "hit" }, l1.hits],
      [{ tier: "l1", result: "miss" }, l1.misses],
      [{ tier: "l2", result: "hit" }, l2.hits],
      [{ tier: "l2", result: "miss" }, l2.misses],
    ];
  },
  crew_cache_l2_errors_total: () => {
    const { l2 } = cache.getStats();
    return [[{ kind: "error" }, l2.errors], [{ kind: "timeout" }, l2.timeouts]];
  },
  crew_cache_loader_calls_total: () => [[{}, cache.getStats().loaderCalls]],
  crew_cache_bus_total: () => {
    const { reads, applied, gaps } = cache.getStats().bus;
    return [[{ event: "read" }, reads], [{ event: "applied" }, applied], [
      { event: "gap" },
      gaps,
    ]];
  },
  crew_db_transactions_total: () => [[{}, getPoolStats().queries]],
  crew_db_transaction_errors_total: () => [[{}, getPoolStats().errors]],
  crew_db_pool_waits_total: () => [[{}, getPoolStats().acquireWaitMs.count]],
  crew_db_pool_timeouts_total: () => [[{}, getPoolStats().timeouts]],
  crew_rate_limit_refusals_total: () => [[{}, rateLimiter.stats.limited]],
  crew_rate_limit_fail_open_total: () => [[{}, rateLimiter.stats.failedOpen]],
  crew_http_shed_total: () => [[{}, loadStats().shed]],
  crew_jobs_runs_total: () =>
    Object.entries(runStats()).flatMap(([queue, outcomes]) =>
      Object.entries(outcomes).map(([outcome, value]): [Labels<"crew_jobs_runs_total">, number] => [
        { queue, outcome },
        value,
      ])
    ),
  crew_metrics_dropped_series_total: () => [[{}, droppedSeriesTotal()]],
};

/** This isolate's cumulative counters, as series (every registered counter). */
export function counterReadings(fn: string): CounterReading[] {
  return METRICS.flatMap((m) =>
    m.type === "counter"
      ? COUNTERS[m.name]().map(([labels, value]) => ({
        name: m.name,
        labels: { function: fn, ...labels },
        value,
      }))
      : []
  );
}

/** How each isolate gauge with a field is read (`isolates` is counted when the totals are read). */
const GAUGES: { [F in Exclude<GaugeField, "isolates">]: () => number } = {
  pool_active: () => getPoolStats().active,
  pool_max: () => getPoolStats().max,
  pool_waiting: () => getPoolStats().waiting,
  in_flight: () => loadStats().inFlight,
  breaker_open: () => cache.getStats().l2.breaker === "open" ? 1 : 0,
  l1_entries: () => cache.getStats().l1.entries,
};

/** This isolate's gauges right now. */
export function gaugeReadings(): Record<string, number> {
  return Object.fromEntries(Object.entries(GAUGES).map(([field, read]) => [field, read()]));
}

const stats = {
  flushes: 0,
  failed: 0,
  lastError: null as string | null,
  /** Slots whose periodic work (the history snapshot) this isolate did, and how many failed. */
  slots: 0,
  slotsFailed: 0,
};

/** Flush counters (in `/stats`). */
export function flushStats() {
  return { ...stats, isolate: isolateId, intervalMs: config.metrics.flushMs };
}

/**
 * Work that ONE isolate of all does per slot of `everyS` seconds (the history snapshot): every
 * periodic flush asks for the current slot with a `SET NX` in its own pipeline (no call of its
 * own), and the isolate whose flush lands in a slot first does the work, after the flush.
 */
export interface SlotWork {
  everyS: number;
  work: () => Promise<unknown>;
}

/**
 * Sends what this isolate counted since the last flush, in one pipelined call; with `slot`,
 * claims the current slot too and, if it is this isolate's, does its work.
 */
export async function flushMetrics(fn: string, slot?: SlotWork): Promise<boolean> {
  const client = metricsRedis();
  if (!client) return false;
  const keys = metricKeys();
  const taken = takeRequests();
  const readings = counterReadings(fn);
  const deltas = counterDeltas(readings);
  const pipe = client.pipeline();
  for (const s of taken) {
    s.buckets.forEach((n, i) => {
      if (!n) return;
      const le = i < DURATION_BUCKETS.length ? String(DURATION_BUCKETS[i]) : "+Inf";
      pipe.hincrby(keys.counters, seriesKey(`${REQUEST_METRIC}_bucket`, { ...s.labels, le }), n);
    });
    pipe.hincrbyfloat(keys.counters, seriesKey(`${REQUEST_METRIC}_sum`, s.labels), s.sum);
    pipe.hincrby(keys.counters, seriesKey(`${REQUEST_METRIC}_count`, s.labels), s.count);
  }
  for (const d of deltas) pipe.hincrbyfloat(keys.counters, d.key, d.delta);
  const ttlS = Math.ceil((config.metrics.flushMs * 3) / 1000);
  const gaugeKey = keys.gauges(isolateId);
  pipe.hset(gaugeKey, { function: fn, ...gaugeReadings() });
  pipe.expire(gaugeKey, ttlS);
  pipe.zadd(keys.isolates, { score: Date.now(), member: isolateId });
  // Only a flush in the slot's first half may claim it: two snapshots are then ≥ half a slot
  // apart (one at the end of a slot and the next at the start of the following one would be
  // milliseconds apart, and a rate over them meaningless). With every isolate flushing about
  // every 5 s, some flush lands in each first half while any isolate of any function is alive.
  const now = Date.now();
  const slotMs = slot ? slot.everyS * 1000 : 0;
  const claiming = !!slot && now % slotMs < slotMs / 2;
  if (claiming) {
    const n = Math.floor(now / slotMs);
    pipe.set(keys.historySlot(n), isolateId, { nx: true, ex: slot.everyS * 2 });
  }
  let claimed = false;
  try {
    const replies = await pipe.exec<unknown[]>();
    claimed = claiming && replies.at(-1) === "OK";
    markSent(readings);
    stats.flushes++;
  } catch (error) {
    restoreRequests(taken);
    stats.failed++;
    stats.lastError = String(error).slice(0, 200);
    return false;
  }
  if (slot && claimed) {
    stats.slots++;
    await slot.work().catch((error) => {
      stats.slotsFailed++;
      log.warn("metrics_slot_failed", { error: String(error).slice(0, 200) });
    });
  }
  return true;
}

let started = false;

/**
 * Starts the periodic flush of function `fn`'s isolate (once; a no-op when metrics are off),
 * and with it `slot`'s work, done by one isolate of all per slot. An ending isolate flushes once
 * more, but claims no slot: it has no time left for the work.
 */
export function startMetricsFlush(fn: string, slot?: SlotWork): void {
  if (started || !config.metrics.enabled || !metricsRedis()) return;
  started = true;
  const every = config.metrics.flushMs;
  const tick = () => {
    // Jittered, so isolates started together do not flush in step.
    const timer = setTimeout(
      () => background(() => flushMetrics(fn, slot)).then(tick),
      every * (0.9 + Math.random() * 0.2),
    );
    Deno.unrefTimer(timer);
  };
  tick();
  beforeShutdown(() => flushMetrics(fn));
}
