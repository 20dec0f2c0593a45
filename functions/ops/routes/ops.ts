/**
 * The ops function's routes: the Prometheus exposition (an admin JWT, or the `METRICS_TOKEN`
 * a scraper is configured with: `route({ token: "metrics" })`), the same figures as JSON for the
 * dashboard, their short history, and the slow-query report. All of them only read. Deployed
 * with verify_jwt off (config.toml): a scrape token is not a JWT, so the function checks every
 * caller itself (shared/auth.ts).
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { type AppEnv, handle, jsonResponse, route } from "../../../shared/http/index.ts";
import { CONTENT_TYPE } from "../../../shared/observe/prometheus.ts";
import { history } from "../../../shared/services/ops/history.ts";
import { statements } from "../../../shared/services/ops/index.ts";
import { metricsText, overview } from "../../../shared/services/ops/overview.ts";
import { History, Overview, Statements, StatementsQuery } from "../schemas.ts";

export const opsRoutes = new OpenAPIHono<AppEnv>();

opsRoutes.openapi(
  route({
    method: "get",
    path: "/metrics",
    roles: ["admin"],
    token: "metrics",
    // A scraper's routine call: its request line logs at debug.
    quiet: true,
    // Prometheus text, for a scraper: not in the OpenAPI document (nor the typed client).
    hide: true,
    summary: "Every registered metric in the Prometheus text exposition (0.0.4)",
    responses: {
      200: {
        description: "Prometheus text",
        content: { [CONTENT_TYPE]: { schema: z.string() } },
      },
    },
  }),
  // Not through handle(): a scraper is not a user to run as.
  async (c) =>
    c.body(await metricsText(), 200, {
      "content-type": CONTENT_TYPE,
      "cache-control": "no-store",
    }),
);

opsRoutes.openapi(
  route({
    method: "get",
    path: "/overview",
    roles: ["admin"],
    summary: "Every isolate's request, cache, pool and job figures with the database's health",
    description: "What the dashboard reads: request counts and duration buckets per function, " +
      "route and status class (totals since the counters began), cache and pool per function, " +
      "reporting-view age, pg_cron health, partitions ahead, queues and statements.",
    responses: { 200: jsonResponse(Overview, "The figures") },
  }),
  async (c) => c.json(await handle(c, "overview", () => overview()), 200),
);

opsRoutes.openapi(
  route({
    method: "get",
    path: "/history",
    roles: ["admin"],
    summary: "Per-function snapshots every 10 s, the last hour",
    responses: { 200: jsonResponse(History, "Oldest first") },
  }),
  async (c) => c.json({ data: await handle(c, "history", () => history()) }, 200),
);

opsRoutes.openapi(
  route({
    method: "get",
    path: "/slow-queries",
    roles: ["admin"],
    rateLimit: "expensive",
    summary: "Slow statements (mean above min_mean_ms) and the top statements by total time",
    description: "From pg_stat_statements, normalised (constants as $1, literals blanked): " +
      "never a parameter value.",
    request: { query: StatementsQuery },
    responses: { 200: jsonResponse(Statements, "Statements") },
  }),
  async (c) => {
    const { min_mean_ms, limit } = c.req.valid("query");
    return c.json(await handle(c, "statements", () => statements(min_mean_ms, limit)), 200);
  },
);
