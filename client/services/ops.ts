/**
 * The ops function (admin): what the dashboard reads. `GET /ops/metrics` (Prometheus text, for
 * a scraper) is not offered.
 */
import type { Operation, QueryOf, RouteBinder } from "../operations.ts";
import type { components, paths } from "../types/ops.gen.ts";

type Schemas = components["schemas"];

export type Overview = Schemas["Overview"];
/** A registered counter's name (shared/observe/registry.ts), as `Overview["counters"]` holds. */
export type CounterName = Overview["counters"][number]["name"];
/** A function's isolate gauges, summed over its live isolates. */
export type FunctionGauges = Schemas["FunctionGauges"];
/** Reporting views, pg_cron, partitions, idempotency keys and queues. */
export type Health = Schemas["Health"];
export type History = Schemas["History"];
/** One 10 s snapshot of the per-function totals. */
export type Snapshot = Schemas["Snapshot"];
export type FunctionSnapshot = Schemas["FunctionSnapshot"];
export type Statements = Schemas["Statements"];
export type SlowQueryFilters = QueryOf<Operation<paths, "/ops/slow-queries", "get">>;

/** The ops service over `route` (see client/index.ts). */
export function opsService(route: RouteBinder<paths>) {
  const overview = route("get", "/ops/overview");
  const history = route("get", "/ops/history");
  const slowQueries = route("get", "/ops/slow-queries");
  return {
    /** Every isolate's request, cache, pool and job figures with the database's health. */
    overview: (): Promise<Overview> => overview({}).then((r) => r.data),
    /** Per-function snapshots every 10 s, the last hour (`data`, oldest first). */
    history: (): Promise<History> => history({}).then((r) => r.data),
    /** Slow statements (mean above `min_mean_ms`) and the top statements by total time. */
    slowQueries: (filters?: SlowQueryFilters): Promise<Statements> =>
      slowQueries({ query: filters }).then((r) => r.data),
  };
}

/** What `crew.ops` offers. */
export type OpsService = ReturnType<typeof opsService>;
