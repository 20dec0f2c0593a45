/**
 * The local functions gateway: what `supabase functions serve` plus Supabase's API gateway do,
 * without Docker. Serves `/functions/v1/<name>/*` from supabase/config.toml, checks `verify_jwt`,
 * answers CORS preflights, and forwards everything else (streamed) to the function's processes.
 *
 * Each function runs as the Edge Runtime runs it: on the runtime's Deno, in its sandbox, its
 * workers recycled (function-pool.ts, edge-runtime.ts; docs/edge-runtime.md).
 *
 * CLI: `deno run -A scripts/stack/gateway.ts [--config supabase/config.toml] [--port 54321]
 * [--instances N]`; env API_PORT, FUNCTION_INSTANCES, FUNCTION_INSTANCES_<NAME>, JWT_SECRET,
 * SUPABASE_JWKS, JWKS_URL, EDGE_RECYCLING, EDGE_WALL_CLOCK_S, EDGE_IDLE_S, EDGE_LOCK. The
 * functions get the gateway's whole environment.
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { AppError, notFound, unavailable } from "../../shared/errors.ts";
import { createJwtVerifier, type JwtVerifier } from "./gateway-auth.ts";
import { type FunctionConfig, loadFunctionConfigs } from "./gateway-config.ts";
import {
  FunctionPool,
  type Instance,
  precache,
  settledWithin,
  type SlotStatus,
  writeHostModule,
} from "./function-pool.ts";
import { type Recycling, recyclingFrom } from "./edge-runtime.ts";
import { DEFAULT_JWT_SECRET } from "./keys.ts";
import { Upstream, type UpstreamAnswer } from "./upstream.ts";
import { CLIENT_IP_HEADERS } from "../../shared/http/client-ip.ts";

export interface GatewayOptions {
  /** Path to config.toml; default `supabase/config.toml`. */
  configPath?: string;
  /** 0 picks a free port; default 54321. */
  port?: number;
  hostname?: string;
  /** Processes per function unless `FUNCTION_INSTANCES_<NAME>` says otherwise; default 1. */
  instances?: number;
  /** Environment of the gateway and its functions; default the process environment. */
  env?: Record<string, string>;
  /** How long to wait for every instance to come up before serving anyway; default 60 s. */
  readyTimeoutMs?: number;
  /** Worker recycling; default from the environment (`recyclingFrom`). */
  recycling?: Recycling;
  /** Where the gateway's lines go (default stdout); `routine`: a worker started, retired, stopped. */
  log?: (line: string, routine?: boolean) => void;
  /**
   * Leave routine lines out of the default log (`--quiet`: the terminal of `npm start`) unless
   * `LOG_LEVEL=debug`. Log files and the harnesses (which read the worker ports from the
   * "started" lines) keep them.
   */
  quiet?: boolean;
}

export interface Gateway {
  /** Base URL, e.g. `http://127.0.0.1:54321` (what SUPABASE_URL points at). */
  url: string;
  /** Stops serving and stops every function process. */
  close(): Promise<void>;
}

const PREFIX = "/functions/v1/";
const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;
const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers":
    "authorization, x-client-info, apikey, content-type, idempotency-key, x-request-id",
  "access-control-allow-methods": "GET,POST,PUT,PATCH,DELETE,OPTIONS",
  "access-control-max-age": "86400",
};
// Per-hop headers are the gateway's business, not the function's.
const REQUEST_HEADERS_DROPPED = [
  "host",
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
];

interface ServedFunction {
  config: FunctionConfig;
  pool?: FunctionPool;
  /** Why the function cannot run (it has no pool), for the 503 and the log. */
  problem?: string;
}

/** Starts the gateway and every enabled function's processes; resolves once it is serving. */
export async function startGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const env = options.env ?? Deno.env.toObject();
  const quiet = options.quiet && env.LOG_LEVEL !== "debug";
  const log = options.log ??
    ((line: string, routine?: boolean) => (!routine || !quiet) && console.log(line));
  const configs = await loadFunctionConfigs(options.configPath ?? "supabase/config.toml");
  const verify = createJwtVerifier({
    secret: env.JWT_SECRET || DEFAULT_JWT_SECRET,
    jwks: env.SUPABASE_JWKS || undefined,
    jwksUrl: env.JWKS_URL || undefined,
  });

  const recycling = options.recycling ?? recyclingFrom(env);
  // EDGE_LOCK=off: resolve every package afresh, as a deploy without a lockfile would.
  const noLock = env.EDGE_LOCK === "off";
  const workDir = await Deno.makeTempDir({ prefix: "crew-edge-" });
  // This gateway's connection pools, one per function process (a restarted one has a new port).
  const upstreams = new Map<number, Upstream>();
  const upstreamOf = (port: number) => {
    let upstream = upstreams.get(port);
    if (!upstream) upstreams.set(port, upstream = new Upstream(port));
    return upstream;
  };
  // A worker that exited (retired, crashed) takes its port with it.
  const onExit = (port: number) => {
    upstreams.get(port)?.close();
    upstreams.delete(port);
  };
  const runnable = configs.filter((c) => c.enabled && existsSync(c.entrypoint));
  for (const config of runnable) await writeHostModule(config, workDir);
  await precache(runnable, workDir, noLock, log);
  const functions = new Map<string, ServedFunction>();
  for (const config of configs.filter((c) => c.enabled)) {
    if (!existsSync(config.entrypoint)) {
      log(`gateway: function ${config.name} not started: ${config.entrypoint} does not exist`);
      functions.set(config.name, { config, problem: "its entrypoint does not exist" });
      continue;
    }
    const instances = instanceCount(config.name, env, options.instances);
    functions.set(config.name, {
      config,
      pool: new FunctionPool({
        fn: config,
        instances,
        env,
        log,
        recycling,
        workDir,
        noLock,
        onExit,
      }),
    });
  }
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  await Promise.all([...functions.values()].map(async ({ config, pool }) => {
    if (pool && !await pool.ready(readyTimeoutMs)) {
      log(`gateway: function ${config.name} not ready after ${readyTimeoutMs} ms; serving anyway`);
    }
  }));

  const stopFunctions = async () => {
    await Promise.all([...functions.values()].map(({ pool }) => pool?.close()));
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
  };
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: options.hostname ?? "127.0.0.1",
      port: options.port ?? 54321,
      onListen: () => {},
    }, (request, info) => route(request, info, functions, verify, upstreamOf));
  } catch (error) {
    // Port taken, say: leave no function processes behind.
    await stopFunctions();
    throw error;
  }
  const url = `http://${server.addr.hostname}:${server.addr.port}`;
  log(`gateway: listening on ${url}`);

  let closed: Promise<void> | undefined;
  return {
    url,
    close: () =>
      closed ??= (async () => {
        await server.shutdown();
        await stopFunctions();
        for (const upstream of upstreams.values()) upstream.close();
        upstreams.clear();
      })(),
  };
}

async function route(
  request: Request,
  info: Deno.ServeHandlerInfo,
  functions: Map<string, ServedFunction>,
  verify: JwtVerifier,
  upstreamOf: (port: number) => Upstream,
): Promise<Response> {
  const url = new URL(request.url);
  const { pathname } = url;
  if (pathname === "/health") return health(functions);
  // The gateway's own refusals carry a request id like the functions' answers do.
  const incoming = request.headers.get("x-request-id");
  const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
  const errorResponse = (error: AppError) => errorBody(error, requestId);
  if (!pathname.startsWith(PREFIX)) return errorResponse(notFound("Route"));

  // The function sees the path without /functions/v1, as on hosted Supabase.
  const forwardedPath = pathname.slice(PREFIX.length - 1);
  const end = forwardedPath.indexOf("/", 1);
  const name = forwardedPath.slice(1, end === -1 ? undefined : end);
  const served = functions.get(name);
  if (!served) return errorResponse(notFound("Function"));
  if (request.method === "OPTIONS") {
    return new Response(null, { status: 204, headers: CORS_HEADERS });
  }

  if (served.config.verifyJwt) {
    try {
      await verify(request.headers.get("authorization"));
    } catch (error) {
      if (error instanceof AppError) return errorResponse(error);
      throw error;
    }
  }

  const instance = await served.pool?.pick();
  if (!instance) {
    return errorResponse(
      unavailable(`Function ${name} is not running: ${served.problem ?? "starting"}`),
    );
  }
  const headers = new Headers(request.headers);
  for (const header of REQUEST_HEADERS_DROPPED) headers.delete(header);
  // As a real proxy does: the addresses the functions trust (shared/http/client-ip.ts) are the
  // socket's, whatever the client sent; X-Forwarded-For gets the socket's appended.
  const peer = remoteAddress(info);
  for (const name of CLIENT_IP_HEADERS) headers.set(name, peer);
  const forwarded = headers.get("x-forwarded-for");
  headers.set("x-forwarded-for", forwarded ? `${forwarded}, ${peer}` : peer);
  headers.set("x-forwarded-host", url.host);
  // A client's own id goes through as sent (the function validates it); else the gateway's.
  if (!incoming) headers.set("x-request-id", requestId);
  // The function answers uncompressed and the gateway's own server compresses for the client:
  // compressing twice on loopback costs CPU, and fetch would decode a body it did not ask to.
  headers.set("accept-encoding", "identity");

  const lease = instance.begin();
  try {
    return await forward(
      request,
      url,
      name,
      forwardedPath,
      headers,
      instance,
      upstreamOf,
      errorResponse,
    );
  } finally {
    lease.end();
  }
}

async function forward(
  request: Request,
  url: URL,
  name: string,
  forwardedPath: string,
  headers: Headers,
  instance: Instance,
  upstreamOf: (port: number) => Upstream,
  errorResponse: (error: AppError) => Response,
): Promise<Response> {
  // The worker died under this request: ended by the platform (its CPU, its heap: 546), else a
  // crash its pool restarts (503). Why is known once its output is read: wait for that, briefly.
  const failed = async (error: unknown) => {
    await settledWithin(instance.gone, 500);
    return instance.endedFor
      ? workerLimit()
      : errorResponse(unavailable(`Function ${name} did not answer`, 1, error));
  };
  if ((request.method === "GET" || request.method === "HEAD") && request.body === null) {
    let head = "";
    for (const [header, value] of headers) head += `${header}: ${value}\r\n`;
    let answer: UpstreamAnswer;
    try {
      answer = await upstreamOf(instance.port).send(
        request.method,
        forwardedPath + url.search,
        head,
      );
    } catch (error) {
      return await failed(error);
    }
    answer.headers.push(["x-function-instance", String(instance.index)]);
    return new Response(answer.body, { status: answer.status, headers: answer.headers });
  }

  let response: Response;
  try {
    response = await fetch(`http://127.0.0.1:${instance.port}${forwardedPath}${url.search}`, {
      method: request.method,
      headers,
      body: request.body,
      redirect: "manual",
    });
  } catch (error) {
    return await failed(error);
  }
  const responseHeaders = new Headers(response.headers);
  responseHeaders.set("x-function-instance", String(instance.index));
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: responseHeaders,
  });
}

/** What the platform answers when it ends a worker over its limits. */
function workerLimit(): Response {
  return Response.json({
    code: "WORKER_LIMIT",
    message: "Function failed due to not having enough compute resources (please check logs)",
  }, { status: 546, headers: { "access-control-allow-origin": "*" } });
}

function health(functions: Map<string, ServedFunction>): Response {
  // `ports` and `slots` (pids, CPU, starts, retirements) let the bench send requests straight to
  // a function's workers and read their CPU; the gateway listens on loopback only.
  const status: Record<
    string,
    { instances: number; ready: number; ports: number[]; slots: SlotStatus[] }
  > = {};
  for (const [name, { pool }] of functions) {
    const slots = pool?.status() ?? [];
    const ready = slots.filter((slot) => slot.state === "ready");
    status[name] = {
      instances: slots.length,
      ready: ready.length,
      ports: ready.map((slot) => slot.port!),
      slots,
    };
  }
  return Response.json({ status: "ok", functions: status });
}

function errorBody(error: AppError, requestId: string): Response {
  const headers: Record<string, string> = {
    "access-control-allow-origin": "*",
    "x-request-id": requestId,
  };
  if (error.retryAfter !== undefined) headers["retry-after"] = String(error.retryAfter);
  return Response.json(error.toBody(requestId), { status: error.status, headers });
}

function remoteAddress(info: Deno.ServeHandlerInfo): string {
  const address = info.remoteAddr;
  return "hostname" in address ? address.hostname : "unknown";
}

function instanceCount(name: string, env: Record<string, string>, fallback?: number): number {
  const specific = env[`FUNCTION_INSTANCES_${name.toUpperCase().replaceAll("-", "_")}`];
  const count = Number(specific || fallback || env.FUNCTION_INSTANCES || 1);
  if (!Number.isInteger(count) || count < 1) throw new Error(`invalid instance count for ${name}`);
  return count;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      config: { type: "string", default: "supabase/config.toml" },
      port: { type: "string" },
      instances: { type: "string" },
      quiet: { type: "boolean", default: false },
    },
  });
  const gateway = await startGateway({
    configPath: values.config,
    port: Number(values.port ?? Deno.env.get("API_PORT") ?? 54321),
    instances: values.instances ? Number(values.instances) : undefined,
    quiet: values.quiet,
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, async () => {
      await gateway.close();
      Deno.exit(0);
    });
  }
}
