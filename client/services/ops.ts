/**
 * The ops function (admin): what the dashboard reads. `GET /ops/metrics` (Prometheus text, for
 * a scraper) is not offered.
 */
import type { Operation, QueryOf, RouteBinder } from "../operations.ts";
import type { components, paths } from "../types/ops.gen.ts";

type Schemas = components["schemas"];

export type Overview = Schemas["Overview"];
export type History = Schemas["History"];
export type Statements = Schemas["Statements"];
export type SlowQueryFilters = QueryOf<Operation<paths, "/ops/slow-queries", "get">>;

/** The ops service over `route` (see client/index.ts). */
export function opsService(route: RouteBinder<paths>) {
  const overview = route("get", "/ops/overview");
  const history = route("get", "/ops/history");
  const slowQueries = route("get", "/ops/slow-queries");
  return {
    /** Every isolate's request, cache, pool and job figures with the database's health. */
    overview: () => overview({}).then((r) => r.data),
    /** Per-function snapshots every 10 s, the last hour. */
    history: () => history({}).then((r) => r.data),
    /** Slow statements (mean above `min_mean_ms`) and the top statements by total time. */
    slowQueries: (filters?: SlowQueryFilters) =>
      slowQueries({ query: filters }).then((r) => r.data),
  };
}

/** What `crew.ops` offers. */
export type OpsService = ReturnType<typeof opsService>;
