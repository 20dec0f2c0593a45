/**
 * What the ops endpoints answer, read-only: the Prometheus exposition of every registered metric
 * (shared/observe/registry.ts), and the same figures as JSON for the dashboard (dashboard/). The
 * history the dashboard starts from is kept on a timer (./history.ts), not here.
 */
import { DURATION_BUCKETS } from "../../observe/metrics.ts";
import { exposition } from "../../observe/prometheus.ts";
import { type CounterName, isCounter } from "../../observe/registry.ts";
import { type FunctionGauges, parseSeries, readTotals } from "../../observe/totals.ts";
import { health, statements } from "./index.ts";
import { requestRows } from "./requests.ts";

/** Statements the exposition and the overview show (the top ones by total time). */
const TOP_STATEMENTS = 10;

/** A registered counter's series and its total. */
export interface CounterTotal {
  name: CounterName;
  labels: Record<string, string>;
  value: number;
}

/** The totals, the database's health and its statements, read at once. */
async function gather(minMeanMs: number) {
  const [totals, db, stmts] = await Promise.all([
    readTotals(),
    health(),
    statements(minMeanMs, TOP_STATEMENTS),
  ]);
  return { totals, db, stmts };
}

/** The figures as JSON (GET /ops/overview). */
export async function overview(minMeanMs = 100) {
  const at = new Date().toISOString();
  const { totals, db, stmts } = await gather(minMeanMs);
  const counters: CounterTotal[] = [];
  for (const [key, value] of totals.counters) {
    const { name, labels } = parseSeries(key);
    if (isCounter(name)) counters.push({ name, labels, value });
  }
  return {
    at,
    aggregated: totals.aggregated,
    requests: requestRows(totals),
    bounds_s: [...DURATION_BUCKETS],
    counters,
    functions: Object.fromEntries(
      [...totals.gauges].map(([fn, g]): [string, FunctionGauges] => [fn, { ...g }]),
    ),
    health: db,
    statements: stmts,
  };
}

/** The Prometheus text (GET /ops/metrics). */
export async function metricsText(): Promise<string> {
  const { totals, db, stmts } = await gather(100);
  return exposition({ totals, db, top: stmts.top });
}
