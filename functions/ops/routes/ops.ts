/**
 * The ops function's routes: the Prometheus exposition (an admin JWT, or the `METRICS_TOKEN`
 * a scraper is configured with), the same figures as JSON for the dashboard, their short
 * history, and the slow-query report. Deployed with verify_jwt off (config.toml): a scrape token
 * is not a JWT, so the function checks every caller itself.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { assertRole, authenticate } from "../../../shared/auth.ts";
import { config } from "../../../shared/config.ts";
import { type AppEnv, handle, jsonResponse, route } from "../../../shared/http/index.ts";
import { CONTENT_TYPE } from "../../../shared/observe/prometheus.ts";
import { history, metricsText, overview } from "../../../shared/observe/overview.ts";
import { statements } from "../../../shared/services/ops/index.ts";
import { History, Overview, Statements, StatementsQuery } from "../schemas.ts";

export const opsRoutes = new OpenAPIHono<AppEnv>();

const encoder = new TextEncoder();

/** Constant-time comparison, so the token cannot be guessed a byte at a time from timings. */
function sameToken(given: string, expected: string): boolean {
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

// Not through route(): its caller check wants a JWT. This one takes the scrape token too.
opsRoutes.get("/metrics", async (c) => {
  const header = c.req.header("authorization");
  const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!(token && config.metrics.token && sameToken(token, config.metrics.token))) {
    const user = await authenticate(header);
    assertRole(user, ["admin"]);
  }
  return c.body(await metricsText(), 200, {
    "content-type": CONTENT_TYPE,
    "cache-control": "no-store",
  });
});

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
