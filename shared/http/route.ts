/**
 * Route definitions: `createRoute` plus who may call it (checked before the handler runs and
 * written into the OpenAPI document) and its rate-limit class, and the response helpers the
 * functions' route files use.
 */
import { createRoute, type RouteConfig, z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { admitsMachine, type AppRole, assertRole, type MachineToken } from "../auth.ts";
import { forbidden } from "../errors.ts";
import type { AppEnv } from "./env.ts";
import { type LimitClass, rateLimited, rateLimiter, rateLimitHeaders } from "./ratelimit.ts";
import { clientIp } from "./client-ip.ts";

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
    /** App roles allowed, or `"service_role"`: only the project's service key (workers, cron). */
    roles: readonly AppRole[] | "service_role";
    /** The route's rate-limit class, or a choice per request (e.g. only searches with `q`). */
    rateLimit?: LimitClass | false | ((c: Context<AppEnv>) => LimitClass | false);
    /**
     * The answer is a function of the URL, the caller and one cached read: repeats may be
     * replayed from memory (shared/http/replay.ts). GET routes without a rate limit only.
     */
    replay?: boolean;
    /**
     * Called routinely by a machine (a metrics scrape, the scheduler's worker call): its request
     * line is logged at `debug`, so the log shows what people do (`LOG_LEVEL=debug` shows all).
     */
    quiet?: boolean;
    /**
     * A machine token the route takes besides a JWT of `roles` (shared/auth.ts), e.g.
     * `"metrics"`: the token Prometheus scrapes with. Checked in constant time.
     */
    token?: MachineToken;
  },
) {
  const { roles, rateLimit, replay, quiet, token, ...rest } = config;
  // Writes are limited unless a route says otherwise; reads only when marked expensive.
  const chosen = rateLimit ?? (rest.method === "get" ? false : "write");
  if (replay && (rest.method !== "get" || chosen)) {
    throw new Error(`${rest.method} ${rest.path}: only unlimited GET routes can be replayed`);
  }
  const allow: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (quiet) c.set("quiet", true);
    const user = c.get("user");
    if (admitsMachine(user, token)) return await next();
    if (roles === "service_role") {
      if (user.role !== "service_role") throw forbidden("This route needs the service role key");
      return await next();
    }
    assertRole(user, roles);
    if (replay) c.set("replay", { roles, reads: 0 });
    const cls = typeof chosen === "function" ? chosen(c) : chosen;
    if (cls) {
      const ip = clientIp((name) => c.req.header(name));
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
  const defined = createRoute({
    ...rest,
    description: `${rest.description ?? ""}\n\nRoles: ${
      roles === "service_role" ? roles : roles.join(", ")
    }${token ? `; or the ${token} token` : ""}${limitNote}`.trim(),
    security: [{ bearer: [] }],
    middleware: [allow] as const,
    responses: { ...errorResponses, ...(chosen ? rateLimitResponse : {}), ...rest.responses },
  });
  return Object.assign(defined, { [SOURCE]: definingFile(), [REPLAYED]: replay === true });
}

const SOURCE = Symbol("route source");
const REPLAYED = Symbol("route replayed");

/** The file whose code called `route()` (its caller's stack frame), relative to the repo. */
function definingFile(): string | undefined {
  const frame = new Error().stack?.split("\n")[3] ?? "";
  const file = /(file:\/\/[^\s)]+?):\d+:\d+/.exec(frame)?.[1];
  if (!file) return undefined;
  const root = new URL("../../", import.meta.url).href;
  return file.startsWith(root) ? file.slice(root.length) : file;
}

/** The file that defined a route (for the README's API table); undefined if unknown. */
export function routeSource(defined: object): string | undefined {
  return (defined as { [SOURCE]?: string })[SOURCE];
}

/** Whether a route said `replay: true` (a test walks every such route). */
export function routeReplayed(defined: object): boolean {
  return (defined as { [REPLAYED]?: boolean })[REPLAYED] === true;
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
