/**
 * The ops history: a compact snapshot of the totals — per function, not per route — every
 * `HISTORY_EVERY_S` seconds, the last `HISTORY_LENGTH` of them (an hour), so the dashboard has a
 * past when it opens. Kept on a timer, not by readers: every isolate's periodic metrics flush
 * asks Redis for the current 10 s slot (a `SET NX` inside the flush's own pipeline), and the one
 * isolate that gets it keeps the slot's snapshot (shared/observe/flush.ts `SlotWork`). So there is
 * one snapshot per slot across all isolates of all functions, whether or not anyone is looking,
 * and `GET /ops/history` only reads.
 */
import { DURATION_BUCKETS } from "../../observe/metrics.ts";
import { metricKeys, metricsRedis, type SlotWork } from "../../observe/flush.ts";
import { parseSeries, readTotals, type Totals } from "../../observe/totals.ts";
import { requestRows } from "./requests.ts";

export const HISTORY_EVERY_S = 10;
export const HISTORY_LENGTH = 360;

const CACHE_FIELDS = ["l1_hit", "l1_miss", "l2_hit", "l2_miss"] as const;
type CacheField = typeof CACHE_FIELDS[number];

/** One function in a snapshot: totals since counting began, like the overview's. */
export type FunctionSnapshot =
  & {
    count: number;
    /** 5xx answers. */
    errors: number;
    /** Cumulative duration buckets (the overview's `bounds_s`, then +Inf). */
    buckets: number[];
    /** In use ÷ allowed over the live isolates, and how many there are. */
    pool_utilization?: number;
    isolates?: number;
  }
  & Partial<Record<CacheField, number>>;

export interface Snapshot {
  at: string;
  functions: Record<string, FunctionSnapshot>;
}

const isCacheField = (field: string): field is CacheField =>
  (CACHE_FIELDS as readonly string[]).includes(field);

/** Per function: requests, errors (5xx), duration buckets, cache tiers and pool. */
export function snapshot(at: string, totals: Totals): Snapshot {
  const functions: Record<string, FunctionSnapshot> = {};
  const fn = (name: string) =>
    functions[name] ??= {
      count: 0,
      errors: 0,
      buckets: new Array(DURATION_BUCKETS.length + 1).fill(0),
    };
  for (const r of requestRows(totals)) {
    const f = fn(r.function);
    f.count += r.count;
    if (r.status_class === "5xx") f.errors += r.count;
    r.buckets.forEach((n, i) => f.buckets[i] += n);
  }
  for (const [key, value] of totals.counters) {
    const { name, labels } = parseSeries(key);
    const field = `${labels.tier}_${labels.result}`;
    if (name !== "crew_cache_requests_total" || !isCacheField(field)) continue;
    const f = fn(labels.function);
    f[field] = (f[field] ?? 0) + value;
  }
  for (const [name, g] of totals.gauges) {
    const f = fn(name);
    f.pool_utilization = g.pool_max ? g.pool_active / g.pool_max : 0;
    f.isolates = g.isolates;
  }
  return { at, functions };
}

/** Reads the totals and keeps their snapshot (the slot's work: one isolate per slot does it). */
export async function keepSnapshot(): Promise<void> {
  const client = metricsRedis();
  if (!client) return;
  const entry = snapshot(new Date().toISOString(), await readTotals());
  const keys = metricKeys();
  await client.pipeline()
    .lpush(keys.history, JSON.stringify(entry))
    .ltrim(keys.history, 0, HISTORY_LENGTH - 1)
    .exec();
}

/** The history's periodic work, for `startMetricsFlush`. */
export const historySlot: SlotWork = { everyS: HISTORY_EVERY_S, work: keepSnapshot };

/** The kept snapshots, oldest first (GET /ops/history). */
export async function history(): Promise<Snapshot[]> {
  const client = metricsRedis();
  if (!client) return [];
  const rows = await client.lrange(metricKeys().history, 0, HISTORY_LENGTH - 1);
  return rows.map((r): Snapshot => (typeof r === "string" ? JSON.parse(r) : r)).reverse();
}
