/**
 * End-to-end test helpers: the typed client (client/) for each demo role over the real
 * supabase-js `functions.invoke` against the local gateway — what the README tells apps to call
 * — a raw `invoke` for the requests the typed client cannot send (malformed bodies, unknown
 * routes, missing headers), and a direct SQL connection for checking what the database holds.
 */
import assert from "node:assert/strict";
import { createClient, FunctionsHttpError, type SupabaseClient } from "@supabase/supabase-js";
import postgres from "postgres";
import {
  createCrewClient,
  CrewApiError,
  type CrewClient,
  type CrewClientOptions,
  type FunctionsInvoker,
} from "../../client/index.ts";
import { type RouteBinder, routeBinder } from "../../client/operations.ts";
import { createTransport } from "../../client/transport.ts";
import type { paths as CandidatesPaths } from "../../client/types/candidates.gen.ts";
import type { paths as ClaimsPaths } from "../../client/types/claims.gen.ts";
import type { paths as JobsPaths } from "../../client/types/jobs.gen.ts";
import type { paths as OpsPaths } from "../../client/types/ops.gen.ts";
import type { paths as PaymentsPaths } from "../../client/types/payments.gen.ts";
import type { paths as ProjectsPaths } from "../../client/types/projects.gen.ts";
import { mintJwt, mintUserJwt } from "../../scripts/stack/keys.ts";
import { DEMO_USERS, type DemoUserName } from "../../scripts/seed/demo-users.ts";

/** The seed's demo user ids by name (admin, manager, finance, crew, manager2, crew2). */
export const DEMO = Object.fromEntries(
  Object.entries(DEMO_USERS).map(([name, user]) => [name, user.id]),
) as { readonly [K in DemoUserName]: string };
export type DemoUser = DemoUserName;

export function env(name: string): string {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is not set: run tests through \`npm test\``);
  return value;
}

/** A user JWT for a demo user (or the anon key for "anon"). */
export function tokenFor(user: DemoUser | "anon"): Promise<string> {
  if (user === "anon") return Promise.resolve(env("SUPABASE_ANON_KEY"));
  return mintUserJwt(DEMO_USERS[user].id, DEMO_USERS[user].role);
}

/** A token for an arbitrary user id and app role. */
export function tokenAs(sub: string, appRole: string): Promise<string> {
  return mintUserJwt(sub, appRole);
}

export { mintJwt };

/** Who a call is made as: a demo user, the anon key (signed out), or any token. */
export type Caller = DemoUser | "anon" | { token: string };

function tokenOf(user: Caller): Promise<string> {
  return typeof user === "object" ? Promise.resolve(user.token) : tokenFor(user);
}

/** The supabase-js client an app signed in with `token` holds. */
function supabaseWith(token: string): SupabaseClient {
  return createClient(env("SUPABASE_URL"), env("SUPABASE_ANON_KEY"), {
    auth: { persistSession: false, autoRefreshToken: false },
    global: { headers: { Authorization: `Bearer ${token}` } },
  });
}

/** A supabase-js client for `user`, made at the first call (a demo token is minted async). */
function invokerFor(user: Caller): FunctionsInvoker {
  let supabase: Promise<SupabaseClient> | undefined;
  return {
    functions: {
      invoke: async (name, options) => {
        supabase ??= tokenOf(user).then(supabaseWith);
        return await (await supabase).functions.invoke(name, options);
      },
    },
  };
}

/**
 * Tests see every answer as the server gave it: no retry of a 429 or 503 (a test that wants the
 * client's retries passes its own `retry`).
 */
const NO_RETRY: CrewClientOptions = { retry: { maxRetries: 0 } };

const clients = new Map<string, CrewClient>();
/**
 * The typed client as `user` (a demo user, "anon", or `{ token }`), as an app builds it:
 * `createCrewClient` over a supabase-js client carrying that user's bearer token. Retries are
 * off unless `options.retry` says otherwise; clients without options are cached per user.
 */
export function crewAs(user: Caller, options?: CrewClientOptions): CrewClient {
  if (options) return createCrewClient(invokerFor(user), { ...NO_RETRY, ...options });
  const key = typeof user === "object" ? `token:${user.token}` : user;
  let crew = clients.get(key);
  if (!crew) clients.set(key, crew = createCrewClient(invokerFor(user), NO_RETRY));
  return crew;
}

/** One typed route binder per function (see `routesAs`). */
export interface CrewRoutes {
  projects: RouteBinder<ProjectsPaths>;
  candidates: RouteBinder<CandidatesPaths>;
  payments: RouteBinder<PaymentsPaths>;
  claims: RouteBinder<ClaimsPaths>;
  jobs: RouteBinder<JobsPaths>;
  ops: RouteBinder<OpsPaths>;
}

/**
 * The client's typed routes as `user`, for tests that read an answer's status or headers
 * (`x-cache`, `etag`, `server-timing`, …), which the services do not return:
 * `await routesAs("admin").payments("get", "/payments/{id}")({ path: { id } })` resolves to
 * `{ data, status, headers }`, typed like the service call; a failure is the same
 * `CrewApiError`. No retries.
 */
export function routesAs(user: Caller): CrewRoutes {
  const transport = createTransport(invokerFor(user), NO_RETRY);
  const routes: string[] = [];
  return {
    projects: routeBinder<ProjectsPaths>(transport, routes),
    candidates: routeBinder<CandidatesPaths>(transport, routes),
    payments: routeBinder<PaymentsPaths>(transport, routes),
    claims: routeBinder<ClaimsPaths>(transport, routes),
    jobs: routeBinder<JobsPaths>(transport, routes),
    ops: routeBinder<OpsPaths>(transport, routes),
  };
}

/**
 * Awaits a typed call that must fail with `status` (and `code`, when given); returns the
 * `CrewApiError` for further checks (`details`, `message`, `retryAfterS`, …).
 */
export async function failsWith(
  call: Promise<unknown>,
  status: number,
  code?: string,
): Promise<CrewApiError> {
  try {
    await call;
  } catch (e) {
    if (!(e instanceof CrewApiError)) throw e;
    const what = `${e.route}: ${e.status} ${e.code} ${e.message} ${JSON.stringify(e.details)}`;
    assert.equal(e.status, status, what);
    if (code !== undefined) assert.equal(e.code, code, what);
    return e;
  }
  assert.fail(`expected ${status}${code ? ` ${code}` : ""}, the call succeeded`);
}

/** What an error answer said, for "does not leak" checks (the body's message and details). */
export function errorText(e: CrewApiError): string {
  return JSON.stringify({ code: e.code, message: e.message, details: e.details });
}

export interface InvokeResult<T = Record<string, unknown>> {
  status: number;
  data: T;
  headers: Headers;
}

/**
 * Calls `<fn>/<path>` through supabase-js `functions.invoke` as `user` and returns status, parsed
 * body and headers for both success and HTTP errors. The untyped door: for requests the typed
 * client (`crewAs`) cannot make — malformed or wrongly typed bodies, unknown routes or params,
 * missing headers — and for routes it leaves out (health, openapi.json, stats, metrics).
 */
export async function invoke<T = Record<string, unknown>>(
  user: Caller,
  fnPath: string,
  options: {
    method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<InvokeResult<T>> {
  const client = supabaseWith(await tokenOf(user));
  const { data, error, response } = await client.functions.invoke(fnPath, {
    method: options.method ?? "GET",
    body: options.body as Record<string, unknown> | undefined,
    headers: options.headers,
  });
  if (error) {
    if (error instanceof FunctionsHttpError) {
      const res = error.context as Response;
      return { status: res.status, data: await res.json(), headers: res.headers };
    }
    throw error;
  }
  return { status: response?.status ?? 200, data: data as T, headers: response!.headers };
}

/**
 * How long another function's isolate may serve an entry after a write: the cache's staleness
 * bound (`CACHE_STALE_BOUND_MS`, kept by the invalidation bus), plus slack for the request itself.
 */
export const CROSS_ISOLATE_BOUND_MS = Number(Deno.env.get("CACHE_STALE_BOUND_MS") ?? 1000) + 1500;

/** Calls `read` until `ok` holds or the cross-isolate bound passes; returns the last answer. */
export async function readUntil<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + CROSS_ISOLATE_BOUND_MS;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Reads `fnPath` as `user` until `ok` holds or the bound passes; returns the last read. */
export async function invokeUntil<T = Record<string, unknown>>(
  user: DemoUser | "anon",
  fnPath: string,
  ok: (res: InvokeResult<T>) => boolean,
): Promise<InvokeResult<T>> {
  const deadline = Date.now() + CROSS_ISOLATE_BOUND_MS;
  for (;;) {
    const res = await invoke<T>(user, fnPath);
    if (ok(res) || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, 200));
  }
}

let direct: postgres.Sql | undefined;
/** A direct (not pooled, not RLS) connection for asserting database state. */
export function db(): postgres.Sql {
  direct ??= postgres(env("DB_DIRECT_URL"), { max: 4, prepare: false, onnotice: () => {} });
  return direct;
}

/** Closes the direct connection (call at the end of a test file to avoid leak errors). */
export async function closeDb(): Promise<void> {
  await direct?.end();
  direct = undefined;
}
