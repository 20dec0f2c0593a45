/**
 * The request histogram's totals (shared/observe/totals.ts) as rows: per function, method,
 * route template and status class, the count, the sum and cumulative buckets.
 */
import { DURATION_BUCKETS, REQUEST_METRIC } from "../../observe/metrics.ts";
import { parseSeries, type Totals } from "../../observe/totals.ts";

export interface RequestRow {
  function: string;
  method: string;
  route: string;
  status_class: string;
  count: number;
  sum_s: number;
  /** Cumulative counts per upper bound (`le`, seconds; the last is +Inf). */
  buckets: number[];
}

/** Per request series: count, sum and cumulative buckets, sorted by function and route. */
export function requestRows(totals: Totals): RequestRow[] {
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
