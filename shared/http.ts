/**
 * The app factory every function uses: base path = function name, request id, CORS, one request
 * log line, `Server-Timing`, caller authentication, zod validation errors in our error shape, and
 * the single `onError`. A function's index.ts only mounts its routes on what this returns.
 */
import { createRoute, OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { Context, MiddlewareHandler } from "hono";
import { type AppRole, assertRole, authenticate, type AuthUser } from "./auth.ts";
import { cache } from "./cache.ts";
import { runWithContext } from "./context.ts";
import { getPoolStats } from "./db.ts";
import { AppError, timedOut, validationFailed } from "./errors.ts";
import { escapedErrors, installGuard } from "./guard.ts";
import { startOutboxReplayer } from "./outbox.ts";
import { type LimitClass, rateLimited, rateLimiter, rateLimitHeaders } from "./ratelimit.ts";

/** Per-request values, typed once so handlers never cast `c.get`. */
export type AppEnv = {
  Variables: {
    requestId: string;
    user: AuthUser;
    /** Durations (ms) reported in `Server-Timing`, e.g. `db`, `cache`. */
    timings: Record<string, number>;
  };
};

export type App = OpenAPIHono<AppEnv>;

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;
const LOG_REQUESTS = Deno.env.get("LOG_REQUESTS") !== "0";

/**
 * Every request's end-to-end deadline (`REQUEST_TIMEOUT_MS`, default 10 s — far under the Edge
 * wall clock of 150 s): past it the client gets 504 `timeout` and the request's database work is
 * stopped (see `Pool.run`).
 */
export const REQUEST_TIMEOUT_MS = (() => {
  const raw = Deno.env.get("REQUEST_TIMEOUT_MS")?.trim();
  const ms = raw ? Number(raw) : 10_000;
  if (!Number.isInteger(ms) || ms < 100) {
    throw new Error("REQUEST_TIMEOUT_MS must be an integer number of milliseconds ≥ 100");
  }
  return ms;
})();

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

/** Turns zod issues into `{ "field.path": "message" }` for the error's `details`. */
export function issuesToDetails(error: z.ZodError): Record<string, string> {
  const details: Record<string, string> = {};
  for (const issue of error.issues) {
    const prefix = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) details[[...prefix, key].join(".")] ??= "Unknown field";
      continue;
    }
    details[prefix.length ? prefix.join(".") : "_"] ??= issue.message;
  }
  return details;
}

/** Builds the error response; AppErrors keep their status and code, anything else is a 500. */
export function errorResponse(err: unknown, requestId: string): Response {
  let appError: AppError;
  if (err instanceof AppError) appError = err;
  else if (err instanceof z.ZodError) appError = validationFailed(issuesToDetails(err));
  else if (err instanceof HTTPException && err.status < 500) {
    // Hono raises these for malformed JSON bodies and similar client faults.
    appError = new AppError(400, "bad_request", err.message || "Malformed request");
  } else {
    console.error(JSON.stringify({ level: "error", request_id: requestId, error: String(err) }));
    appError = new AppError(500, "internal_error", "Something went wrong; quote the request id");
  }
  if (appError.status >= 500 && appError.cause) {
    console.error(JSON.stringify({
      level: "error",
      request_id: requestId,
      code: appError.code,
      cause: String(appError.cause),
    }));
  }
  const headers = new Headers({
    ...appError.headers,
    "content-type": "application/json",
    "x-request-id": requestId,
  });
  if (appError.retryAfter !== undefined) headers.set("retry-after", String(appError.retryAfter));
  return new Response(JSON.stringify(appError.toBody(requestId)), {
    status: appError.status,
    headers,
  });
}

/** Why a text is refused, or null: Postgres cannot store a NUL, nor text that is not UTF-16. */
function unsafeText(value: string): string | null {
  if (value.includes("\0")) return "Must not contain a NUL character";
  if (!value.isWellFormed()) return "Must not contain an unpaired surrogate";
  return null;
}

/** Every string in a parsed JSON value that `unsafeText` refuses, by field path. */
function unsafeFields(value: unknown, path: string[], out: Record<string, string>): void {
  if (typeof value === "string") {
    const problem = unsafeText(value);
    if (problem) out[path.length ? path.join(".") : "_"] ??= problem;
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => unsafeFields(item, [...path, String(i)], out));
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      unsafeFields(k, [...path, k], out);
      unsafeFields(v, [...path, k], out);
    }
  }
}

/**
 * Text Postgres would refuse (a NUL, an unpaired surrogate from a `\ud800` JSON escape) is a 400
 * naming the field, here at the boundary, for every route and every field: the database's own
 * refusal (22021 / 22P05) could not say which field it was. The body is parsed once (Hono keeps
 * it for the route's validator); requests without a query or a JSON body cost nothing.
 */
const refuseUnsafeText: MiddlewareHandler<AppEnv> = async (c, next) => {
  const problems: Record<string, string> = {};
  if (c.req.url.includes("?")) {
    for (const [name, value] of new URL(c.req.url).searchParams) {
      const problem = unsafeText(name) ?? unsafeText(value);
      if (problem) problems[name] ??= problem;
    }
  }
  if (c.req.header("content-type")?.includes("application/json")) {
    unsafeFields(await c.req.json().catch(() => undefined), [], problems);
  }
  if (Object.keys(problems).length) throw validationFailed(problems);
  await next();
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
  const requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
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
      new AppError(404, "route_not_found", `No route ${c.req.method} ${c.req.path}`),
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

/** The error body every failing route returns, for the OpenAPI document. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
  request_id: z.string().optional(),
}).openapi("Error");

const errorResponses = {
  400: { description: "Invalid input", content: { "application/json": { schema: ErrorBody } } },
  401: { description: "No valid token", content: { "application/json": { schema: ErrorBody } } },
  403: { description: "Role not allowed", content: { "application/json": { schema: ErrorBody } } },
};

/**
 * `createRoute` plus the roles allowed to call it: they are checked before the handler runs
 * and written into the OpenAPI description, so the document says who may call what.
 */
export function route<const R extends Omit<RouteConfig, "middleware">>(
  config: R & {
    roles: readonly AppRole[];
    /** The route's rate-limit class, or a choice per request (e.g. only searches with `q`). */
    rateLimit?: LimitClass | false | ((c: Context<AppEnv>) => LimitClass | false);
  },
) {
  const { roles, rateLimit, ...rest } = config;
  // Writes are limited unless a route says otherwise; reads only when marked expensive.
  const chosen = rateLimit ?? (rest.method === "get" ? false : "write");
  const allow: MiddlewareHandler<AppEnv> = async (c, next) => {
    const user = c.get("user");
    assertRole(user, roles);
    const cls = typeof chosen === "function" ? chosen(c) : chosen;
    if (cls) {
      const ip = c.req.header("x-forwarded-for")?.split(",")[0]?.trim() || "unknown";
      const decision = await rateLimiter.check(cls, user.id, ip);
      if (decision && !decision.allowed) throw rateLimited(decision, cls);
      if (decision) {
        for (const [k, v] of Object.entries(rateLimitHeaders(decision))) c.header(k, v);
      }
    }
    await next();
  };
  const limitNote = typeof chosen === "function"
    ? "\n\nRate limited (expensive) when it searches."
    : chosen
    ? `\n\nRate limited (${chosen === "write" ? "writes" : "expensive"}).`
    : "";
  return createRoute({
    ...rest,
    description: `${rest.description ?? ""}\n\nRoles: ${roles.join(", ")}${limitNote}`.trim(),
    security: [{ bearer: [] }],
    middleware: [allow] as const,
    responses: { ...errorResponses, ...(chosen ? rateLimitResponse : {}), ...rest.responses },
  });
}

const rateLimitResponse = {
  429: {
    description: "Too many requests (see Retry-After and RateLimit-*)",
    content: { "application/json": { schema: ErrorBody } },
  },
};

/** A JSON response entry for `route({ responses })`. */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** A required JSON request body for `route({ request })`. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

/**
 * A cached read as a handler wants it: timed for `Server-Timing` under `metric`, with the tier
 * that answered (`l1`, `l2`, `loader`, `joined`, `bypass`) in `x-cache`.
 */
export async function cachedRead<T>(
  c: Context<AppEnv>,
  metric: string,
  read: () => Promise<{ value: T; source: string }>,
): Promise<T> {
  const { value, source } = await timed(c.get("timings"), metric, read);
  c.header("x-cache", source);
  return value;
}

/** Adds a duration to the request's `Server-Timing` header. */
export async function timed<T>(
  timings: Record<string, number>,
  metric: string,
  work: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    timings[metric] = (timings[metric] ?? 0) + performance.now() - started;
  }
}
