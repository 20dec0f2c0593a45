/**
 * The app factory every function uses: base path = function name, request id, CORS, one request
 * log line, `Server-Timing`, caller authentication, zod validation errors in our error shape, and
 * the single `onError`. A function's index.ts only mounts its routes on what this returns.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { authenticate } from "../auth.ts";
import { cache } from "../cache/index.ts";
import { config } from "../config.ts";
import { runWithContext } from "../context.ts";
import { getPoolStats } from "../db/index.ts";
import { AppError, timedOut, validationFailed } from "../errors.ts";
import { startOutboxReplayer } from "../cache/outbox.ts";
import type { AppEnv } from "./env.ts";
import { escapedErrors, installGuard } from "./guard.ts";
import { rateLimiter } from "./ratelimit.ts";
import { errorResponse, issuesToDetails } from "./respond.ts";
import { jsonResponse, route } from "./route.ts";
import { refuseUnsafeText } from "./text.ts";

export type App = OpenAPIHono<AppEnv>;

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;
const LOG_REQUESTS = config.http.logRequests;

/** Browsers may call from any origin; auth is a bearer token, never a cookie. */
const CORS = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers":
    "x-request-id, x-cache, server-timing, retry-after, etag, ratelimit-limit, ratelimit-remaining, ratelimit-reset, ratelimit-policy",
};
const CORS_PREFLIGHT = {
  "access-control-allow-headers":
    "authorization, x-client-info, apikey, content-type, idempotency-key, if-match, x-request-id",
  "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
  "access-control-max-age": "86400",
};

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
  options: { version?: string; requestTimeoutMs?: number } = {},
): App {
  installGuard();
  startOutboxReplayer();
  // Every request's end-to-end deadline (`REQUEST_TIMEOUT_MS`, default 10 s — far under the Edge
  // wall clock of 150 s): past it the client gets 504 `timeout` and its database work is stopped.
  const requestTimeoutMs = options.requestTimeoutMs ?? config.http.requestTimeoutMs;
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationFailed(issuesToDetails(result.error));
    },
  }).basePath(`/${name}`) as unknown as App;

  // One middleware for the per-request envelope. CORS is static (any origin, no credentials), so
  // its headers are set directly on the finished response: hono/cors and `c.header()` after
  // `next()` each rebuild the Response, which cost more than the rest of a cached read.
  app.use("*", async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    if (c.req.method === "OPTIONS") {
      return new Response(null, { status: 204, headers: { ...CORS_PREFLIGHT, ...CORS } });
    }
    c.set("requestId", requestId);
    c.set("timings", {});
    const started = performance.now();
    const context = { requestId, deadline: started + requestTimeoutMs };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const handled = runWithContext(context, next);
    const expired = new Promise<"expired">((done) => {
      timer = setTimeout(() => done("expired"), requestTimeoutMs);
    });
    if (await Promise.race([handled, expired]) === "expired") {
      // The handler may still settle later; its outcome has nobody to go to.
      handled.catch(() => undefined);
      c.res = errorResponse(timedOut("The request took too long; retry it"), requestId);
    }
    clearTimeout(timer);
    const total = performance.now() - started;
    const timings = Object.entries(c.get("timings"))
      .map(([metric, ms]) => `${metric};dur=${ms.toFixed(1)}`);
    const headers = {
      ...CORS,
      "x-request-id": requestId,
      "server-timing": [...timings, `total;dur=${total.toFixed(1)}`].join(", "),
    };
    try {
      for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
    } catch {
      // A response with immutable headers (e.g. passed through from fetch): copy it once.
      for (const [name, value] of Object.entries(headers)) c.header(name, value);
    }
    // The path only: query strings may carry an IC number being searched for.
    if (LOG_REQUESTS) {
      console.log(JSON.stringify({
        request_id: requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(total * 10) / 10,
      }));
    }
  });
  app.onError((err, c) => errorResponse(err, c.get("requestId") ?? crypto.randomUUID()));
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
      }, 200),
  );
  return app;
}

const Stats = z.object({
  cache: z.unknown(),
  pool: z.unknown(),
  isolate: z.unknown(),
  rateLimit: z.unknown(),
}).openapi("Stats");
