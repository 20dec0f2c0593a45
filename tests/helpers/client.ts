/**
 * End-to-end test helpers: supabase-js clients for each demo role (the real `functions.invoke`
 * against the local gateway), and a direct SQL connection for checking what the database holds.
 */
import { createClient, FunctionsHttpError } from "@supabase/supabase-js";
import postgres from "postgres";
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

export interface InvokeResult<T = Record<string, unknown>> {
  status: number;
  data: T;
  headers: Headers;
}

/**
 * Calls `<fn>/<path>` through supabase-js `functions.invoke` as `user` and returns status, parsed
 * body and headers for both success and HTTP errors.
 */
export async function invoke<T = Record<string, unknown>>(
  user: DemoUser | "anon" | { token: string },
  fnPath: string,
  options: {
    method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<InvokeResult<T>> {
  const token = typeof user === "object" ? user.token : await tokenFor(user);
  const client = createClient(env("SUPABASE_URL"), env("SUPABASE_ANON_KEY"), {
    auth: { persistSession: false, autoRefreshToken: false },
    global: { headers: { Authorization: `Bearer ${token}` } },
  });
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
 * How long another function's isolate may serve an entry after a write: its L1 TTL (the
 * documented bound), plus slack for the request itself.
 */
export const CROSS_ISOLATE_BOUND_MS = (Number(Deno.env.get("CACHE_L1_TTL_SECONDS") ?? 5) + 1.5) *
  1000;

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
