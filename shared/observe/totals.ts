/**
 * Reading the totals every isolate flushed (shared/observe/flush.ts): the counter hash, and the
 * gauges of the isolates seen within three flush intervals, summed per function. One pipelined
 * read for the counters and the isolate list, one for the live isolates' gauges.
 */
import { config } from "../config.ts";
import { metricKeys, metricsRedis } from "./flush.ts";
import { GAUGE_FIELDS, type GaugeField } from "./registry.ts";

/** A function's isolate gauges (shared/observe/registry.ts), summed over its live isolates. */
export type FunctionGauges = Record<GaugeField, number>;

export interface Totals {
  /** Series key (`name{label="value",...}`, Prometheus's own spelling) → total. */
  counters: Map<string, number>;
  gauges: Map<string, FunctionGauges>;
  /** False when there is no Redis to read (the ops function then has nothing aggregated). */
  aggregated: boolean;
}

/** HGETALL without automatic deserialization answers a flat [field, value, ...] list. */
type HashReply = Record<string, string> | string[] | null;

function asRecord(reply: HashReply): Record<string, string> {
  if (!reply) return {};
  if (!Array.isArray(reply)) return reply;
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) out[reply[i]] = reply[i + 1];
  return out;
}

function zeroGauges(): FunctionGauges {
  const g: Partial<FunctionGauges> = {};
  for (const field of GAUGE_FIELDS) g[field] = 0;
  return g as FunctionGauges;
}

/** Everything the isolates have flushed so far. */
export async function readTotals(): Promise<Totals> {
  const client = metricsRedis();
  const totals: Totals = { counters: new Map(), gauges: new Map(), aggregated: !!client };
  if (!client) return totals;
  const keys = metricKeys();
  const liveSince = Date.now() - config.metrics.flushMs * 3;
  const [counters, , live] = await client.pipeline()
    .hgetall(keys.counters)
    .zremrangebyscore(keys.isolates, 0, liveSince)
    .zrange(keys.isolates, liveSince, "+inf", { byScore: true })
    .exec<[HashReply, number, string[]]>();
  for (const [series, value] of Object.entries(asRecord(counters))) {
    totals.counters.set(series, Number(value));
  }
  if (!live.length) return totals;
  const pipe = client.pipeline();
  for (const isolate of live) pipe.hgetall(keys.gauges(isolate));
  const rows = (await pipe.exec<HashReply[]>()).map(asRecord);
  for (const row of rows) {
    if (!row?.function) continue;
    const g = totals.gauges.get(row.function) ?? zeroGauges();
    // `isolates` is counted here; every other field is this isolate's reading.
    for (const field of GAUGE_FIELDS) {
      g[field] += field === "isolates" ? 1 : Number(row[field] ?? 0);
    }
    totals.gauges.set(row.function, g);
  }
  return totals;
}

/** A series key split into its metric name and labels. */
export function parseSeries(key: string): { name: string; labels: Record<string, string> } {
  const brace = key.indexOf("{");
  const name = brace < 0 ? key : key.slice(0, brace);
  const labels: Record<string, string> = {};
  if (brace >= 0) {
    const body = key.slice(brace + 1, -1);
    // label="json string" pairs; the values were written with JSON.stringify.
    for (const m of body.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*")/g)) {
      labels[m[1]] = JSON.parse(m[2]);
    }
  }
  return { name, labels };
}
