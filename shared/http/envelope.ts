/**
 * The per-request envelope every app runs first: request id, CORS, the deadline, load shedding,
 * `Server-Timing`, keeping a replayable answer, and the request log line.
 *
 * CORS is static (any origin, no credentials), so its headers are set directly on the finished
 * response: hono/cors and `c.header()` after `next()` each rebuild the Response, which cost more
 * than the rest of a cached read.
 */
import type { Context, MiddlewareHandler, Next } from "hono";
import { config } from "../config.ts";
import { type RequestContext, runWithContext } from "../context.ts";
import { recordRequest } from "../observe/metrics.ts";
import { routeTemplate } from "../observe/route.ts";
import { overloaded, timedOut } from "../errors.ts";
import type { AppEnv } from "./env.ts";
import { keepForReplay } from "./replay.ts";
import { errorResponse } from "./respond.ts";
import { log, type LogLevel, logs } from "../log.ts";

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;
const METRICS = config.metrics.enabled;

/** Browsers may call from any origin; auth is a bearer token, never a cookie. */
const CORS = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers":
    "x-request-id, x-cache, server-timing, retry-after, etag, idempotent-replayed, ratelimit-limit, ratelimit-remaining, ratelimit-reset, ratelimit-policy",
};
const CORS_PREFLIGHT = {
  "access-control-allow-headers":
    "authorization, x-client-info, apikey, content-type, idempotency-key, if-match, x-request-id",
  "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
  "access-control-max-age": "86400",
};

const load = { inFlight: 0, peakInFlight: 0, shed: 0 };

/** Requests in flight in this isolate and those shed (in `/stats`). */
export function loadStats() {
  return { ...load, maxInFlight: config.http.maxInFlight };
}

/** The client's request id when it is a sane one, else a new one. */
export function requestIdOf(incoming: string | undefined): string {
  return incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
}

/** What the request log line and the request metric know of a finished request. */
export interface FinishedRequest {
  requestId: string;
  fn: string;
  method: string;
  /** The route template (`/projects/{id}`), never the path: paths hold ids. */
  route: string;
  status: number;
  ms: number;
  /** `x-cache` of a cached read. */
  cache?: string | null;
  dbMs?: number;
  /** The line's level: `info`, or `debug` for a route that asked to be quiet (route.ts). */
  logLevel: LogLevel;
}

const round1 = (ms: number) => Math.round(ms * 10) / 10;

/**
 * Counts a finished request (shared/observe/metrics.ts) and writes its one log line: JSON with
 * the route template only — no path, no query string (it may carry an IC number searched for),
 * no body, no user data.
 */
export function finished(r: FinishedRequest): void {
  if (METRICS) recordRequest(r.fn, r.method, r.route, r.status, r.ms / 1000);
  if (!logs(r.logLevel)) return;
  log.at(r.logLevel, "request", {
    request_id: r.requestId,
    function: r.fn,
    method: r.method,
    route: r.route,
    status: r.status,
    ms: round1(r.ms),
    ...(r.cache ? { cache: r.cache } : {}),
    ...(r.dbMs !== undefined ? { db_ms: round1(r.dbMs) } : {}),
  });
}

/**
 * The envelope. Every request ends by `requestTimeoutMs` (504 `timeout`, its database work
 * stopped). Past `maxInFlight` requests at once the isolate is behind its work: more would only
 * queue behind it into the deadline, so it answers 503 `overloaded` + `Retry-After: 1` at once
 * and the client (or another isolate) retries — overload costs a fast refusal, never a hang.
 */
export function envelope(
  fn: string,
  requestTimeoutMs: number,
  maxInFlight: number,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const requestId = requestIdOf(c.req.header("x-request-id"));
    if (c.req.method === "OPTIONS") {
      return new Response(null, { status: 204, headers: { ...CORS_PREFLIGHT, ...CORS } });
    }
    c.set("requestId", requestId);
    c.set("timings", {});
    const started = performance.now();
    const context: RequestContext = {
      requestId,
      deadline: started + requestTimeoutMs,
    };
    if (load.inFlight >= maxInFlight) {
      load.shed++;
      c.res = errorResponse(overloaded(), requestId);
    } else {
      load.peakInFlight = Math.max(load.peakInFlight, ++load.inFlight);
      try {
        await withDeadline(c, next, context, requestTimeoutMs);
      } finally {
        load.inFlight--;
      }
    }
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
    const route = routeTemplate(c);
    if (c.get("replay")) await keepForReplay(c, route);
    finished({
      requestId,
      fn,
      method: c.req.method,
      route,
      status: c.res.status,
      ms: total,
      cache: c.res.headers.get("x-cache"),
      dbMs: context.dbMs,
      logLevel: c.get("quiet") ? "debug" : "info",
    });
  };
}

/** Runs the rest of the request with its deadline in context; past it, answers 504. */
async function withDeadline(
  c: Context<AppEnv>,
  next: Next,
  context: RequestContext,
  timeoutMs: number,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const requestId = context.requestId;
  const handled = runWithContext(context, next);
  const expired = new Promise<"expired">((done) => {
    timer = setTimeout(() => done("expired"), timeoutMs);
  });
  try {
    if (await Promise.race([handled, expired]) === "expired") {
      // The handler may still settle later; its outcome has nobody to go to.
      handled.catch(() => undefined);
      c.res = errorResponse(timedOut("The request took too long; retry it"), requestId);
    }
  } finally {
    clearTimeout(timer);
  }
}
