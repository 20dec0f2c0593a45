/**
 * The app factory every function uses: base path = function name, request id, CORS, one request
 * log line, `Server-Timing`, caller authentication, zod validation errors in our error shape, and
 * the single `onError`. A function's index.ts only mounts its routes on what this returns.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { BlankSchema } from "hono/types";
import { authenticate } from "../auth.ts";
import { cache } from "../cache/index.ts";
import { config } from "../config.ts";
import { getPoolStats } from "../db/index.ts";
import { AppError, validationFailed } from "../errors.ts";
import { startOutboxReplayer } from "../cache/outbox.ts";
import type { AppEnv } from "./env.ts";
import { escapedErrors, installGuard } from "./guard.ts";
import { rateLimiter } from "./ratelimit.ts";
import { envelope, finished, loadStats, requestIdOf } from "./envelope.ts";
import { flushStats, startMetricsFlush } from "../observe/flush.ts";
import { routeTemplate } from "../observe/route.ts";
import { captureUnexpected } from "../observe/sentry.ts";
import { historySlot } from "../services/ops/history.ts";
import { replay, replayStats } from "./replay.ts";
import { errorResponse, issuesToDetails } from "./respond.ts";
import { jsonResponse, route } from "./route.ts";
import { refuseUnsafeText } from "./text.ts";
import { limitBody } from "./body.ts";

/** A function's app: mounted at `/<name>`, every route of the function on it. */
export type App = OpenAPIHono<AppEnv, BlankSchema, string>;

const authenticateCaller: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set("user", await authenticate(c.req.header("authorization")));
  await next();
};

/**
 * Creates a function's app mounted at `/<name>` (hosted Supabase strips `/functions/v1`).
 * `/<name>/health` and `/<name>/openapi.json` answer without a token; every other route
 * authenticates the caller first.
 */
export function createApp(
  name: string,
  options: {
    version?: string;
    requestTimeoutMs?: number;
    /**
     * Every answer carries personal data (an IC, contact or bank details): `Cache-Control:
     * private, no-store` on all of them, errors and replays included, so no browser or proxy
     * keeps one.
     */
    noStore?: boolean;
  } = {},
): App {
  installGuard();
  startOutboxReplayer();
  // Every request's end-to-end deadline (`REQUEST_TIMEOUT_MS`, default 10 s — far under the Edge
  // wall clock of 150 s): past it the client gets 504 `timeout` and its database work is stopped.
  const requestTimeoutMs = options.requestTimeoutMs ?? config.http.requestTimeoutMs;
  const app: App = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationFailed(issuesToDetails(result.error));
    },
  }).basePath(`/${name}`);

  if (options.noStore) {
    app.use("*", async (c, next) => {
      // Before: answers built by `c.json` carry it, so the replay kept of one does too. After:
      // answers built elsewhere (errors) get it as well.
      c.header("cache-control", "private, no-store");
      await next();
      c.header("cache-control", "private, no-store");
    });
  }
  app.use("*", envelope(name, requestTimeoutMs, config.http.maxInFlight));
  // The one error handler. An error that is not ours (a bug, not a refusal) goes to Sentry too,
  // flushed before the response leaves: the isolate may be recycled right after.
  app.onError(async (err, c) => {
    const requestId = c.get("requestId") ?? crypto.randomUUID();
    const response = errorResponse(err, requestId);
    if (response.status === 500 && !(err instanceof AppError)) {
      await captureUnexpected(err, {
        requestId,
        fn: name,
        route: routeTemplate(c),
        method: c.req.method,
        userId: c.get("user")?.id,
      });
    }
    return response;
  });
  app.notFound((c) =>
    errorResponse(
      new AppError("route_not_found", `No route ${c.req.method} ${c.req.path}`),
      c.get("requestId") ?? crypto.randomUUID(),
    )
  );

  app.get("/health", (c) => c.json({ status: "ok", function: name }));
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: { title: `${name} function`, version: options.version ?? "1.0.0" },
    servers: [{ url: "/functions/v1" }],
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  app.use("*", async (c, next) => {
    const path = c.req.path;
    if (path === `/${name}/health` || path === `/${name}/openapi.json`) return await next();
    if (c.req.method === "OPTIONS") return await next();
    return await authenticateCaller(c, next);
  });
  app.use("*", limitBody);
  app.use("*", refuseUnsafeText);
  // Registered before the function's own routes so `/stats` never reaches a `/{id}` route.
  app.openapi(
    route({
      method: "get",
      path: "/stats",
      roles: ["admin"],
      summary: "Cache and pool counters of this isolate (the bench reads them)",
      responses: { 200: jsonResponse(Stats, "Counters") },
    }),
    (c) =>
      c.json({
        cache: cache.getStats(),
        pool: getPoolStats(),
        isolate: { escapedErrors: escapedErrors(), requestTimeoutMs },
        rateLimit: rateLimiter.stats,
        replay: replayStats(),
        load: loadStats(),
        metrics: flushStats(),
      }, 200),
  );
  startMetricsFlush(name, historySlot);
  const routed = app.fetch;
  app.fetch = (request, env, context) => replayed(name, request) ?? routed(request, env, context);
  return app;
}

/** A repeat of a replayable cached read (shared/http/replay.ts), with its per-request headers. */
function replayed(fn: string, request: Request): Response | undefined {
  return replay(request, (started, route) => {
    const requestId = requestIdOf(request.headers.get("x-request-id") ?? undefined);
    const total = performance.now() - started;
    finished({
      requestId,
      fn,
      method: "GET",
      route,
      status: 200,
      ms: total,
      cache: "l1",
      logLevel: "info",
    });
    return [["x-request-id", requestId], ["server-timing", `replay;dur=${total.toFixed(1)}`]];
  });
}

const Stats = z.object({
  cache: z.unknown(),
  pool: z.unknown(),
  isolate: z.unknown(),
  rateLimit: z.unknown(),
  replay: z.unknown(),
  load: z.unknown(),
  metrics: z.unknown(),
}).openapi("Stats");
