/**
 * The isolate's metrics, kept as DELTAS since the last flush (shared/observe/flush.ts adds them
 * to the totals in Redis, so every isolate of every function counts into the same series).
 *
 * - Requests: `http_server_request_duration_seconds`, a histogram named and bucketed as
 *   OpenTelemetry's HTTP semantic conventions advise, per function, method, route template and
 *   status class — never an id, a user or a query string, so the series are bounded by the
 *   routes. Recording one is a map lookup and two additions.
 * - Counters the isolate already keeps cumulatively (cache tiers, L2 errors, pool waits and
 *   timeouts, rate-limit refusals, job outcomes) are read at flush time and sent as the
 *   difference to what the last flush sent: no work on the request path at all.
 *
 * Every metric's name, type, help and labels are in shared/observe/registry.ts.
 */
import type { HistogramName } from "./registry.ts";

/** OTel's advised buckets for http.server.request.duration, in seconds. */
export const DURATION_BUCKETS = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.075,
  0.1,
  0.25,
  0.5,
  0.75,
  1,
  2.5,
  5,
  7.5,
  10,
] as const;

export const REQUEST_METRIC = "http_server_request_duration_seconds" satisfies HistogramName;

/** At most this many request series per isolate; more (a bug: ids in a route) are dropped. */
const MAX_SERIES = 2_000;

/** Counts per bucket (not cumulative; the last slot is +Inf), sum and count. */
export interface HistogramDelta {
  labels: Record<string, string>;
  buckets: number[];
  sum: number;
  count: number;
}

let requests = new Map<string, HistogramDelta>();
/** Series dropped at the cap, cumulative (flushed like the other isolate counters). */
let droppedSeries = 0;

const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;

/**
 * The methods a label may name; anything else a client sends (`M1`…`M5000` on a route without
 * verify_jwt) is `OTHER`, so clients cannot mint series — every label comes from a fixed set:
 * these methods, the route templates plus `unmatched` (route.ts), five status classes.
 */
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const methodLabel = (method: string) => METHODS.has(method) ? method : "OTHER";
const requestKey = (method: string, route: string, cls: string) => `${method} ${route} ${cls}`;

/** Records one request: `route` is the template (`/projects/{id}`), never the path. */
export function recordRequest(
  fn: string,
  method: string,
  route: string,
  status: number,
  seconds: number,
): void {
  const cls = statusClass(status);
  method = methodLabel(method);
  const key = requestKey(method, route, cls);
  let series = requests.get(key);
  if (!series) {
    if (requests.size >= MAX_SERIES) {
      droppedSeries++;
      return;
    }
    series = {
      labels: { function: fn, http_request_method: method, http_route: route, status_class: cls },
      buckets: new Array(DURATION_BUCKETS.length + 1).fill(0),
      sum: 0,
      count: 0,
    };
    requests.set(key, series);
  }
  let i = 0;
  while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]) i++;
  series.buckets[i]++;
  series.sum += seconds;
  series.count++;
}

/** Request series this isolate dropped at the cap, since it started. */
export const droppedSeriesTotal = () => droppedSeries;

/** Takes the request deltas recorded so far (the next ones start from zero). */
export function takeRequests(): HistogramDelta[] {
  const taken = [...requests.values()];
  requests = new Map();
  return taken;
}

/** Puts deltas back after a failed flush, so the next flush sends them (nothing is lost). */
export function restoreRequests(taken: HistogramDelta[]): void {
  for (const old of taken) {
    const l = old.labels;
    const key = requestKey(l.http_request_method, l.http_route, l.status_class);
    const now = requests.get(key);
    if (!now) {
      requests.set(key, old);
      continue;
    }
    old.buckets.forEach((n, i) => now.buckets[i] += n);
    now.sum += old.sum;
    now.count += old.count;
  }
}

/** A counter series: name and labels, and its cumulative value in this isolate. */
export interface CounterReading {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The cumulative counters' values at the last successful flush, by series key. */
const sent = new Map<string, number>();

export const seriesKey = (name: string, labels: Record<string, string>) =>
  `${name}{${
    Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`).join(",")
  }}`;

/** What each cumulative counter grew by since the last flush (zero growth left out). */
export function counterDeltas(readings: CounterReading[]): { key: string; delta: number }[] {
  const out: { key: string; delta: number }[] = [];
  for (const r of readings) {
    const key = seriesKey(r.name, r.labels);
    // A counter that went down was reset (a new pool): count it from zero again.
    const before = sent.get(key) ?? 0;
    const delta = r.value >= before ? r.value - before : r.value;
    if (delta > 0) out.push({ key, delta });
  }
  return out;
}

/** After a successful flush: these readings are what the totals now include. */
export function markSent(readings: CounterReading[]): void {
  for (const r of readings) sent.set(seriesKey(r.name, r.labels), r.value);
}
