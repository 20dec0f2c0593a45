/**
 * The database client: one pool per isolate (slots of one postgres.js connection each, see
 * shared/db/pool.ts), behind the transaction pooler (Supavisor on hosted projects, pgbouncer locally),
 * so `prepare: false` and every setting is transaction-local. All access goes through two doors:
 *
 * - `asUser(claims, work)` — runs as `functions_user` (a signed-in caller) or `anon` with the
 *   caller's JWT claims, so RLS applies. The normal path for anything a client asked for.
 *   `functions_user` is the database role the Data API cannot assume (docs/security.md): the
 *   claims still say `"role": "authenticated"`, only the transaction's role differs.
 * - `asServiceRole(reason, work)` — runs as the pool's login role, which bypasses RLS. Greppable
 *   on purpose; `reason` shows up in `pg_stat_activity` while the transaction opens.
 *
 * Both wait at most the acquire timeout for a connection (503 `pool_exhausted`), stop at the
 * request's deadline (504 `timeout`: the connection is dropped, so nothing runs on after the
 * client was answered), retry the whole transaction once on a serialization failure or deadlock,
 * and throw only `AppError`s.
 */
import type postgres from "postgres";
import { AppError, forbidden } from "../errors.ts";
import { currentContext, remainingMs } from "../context.ts";
import { config } from "../config.ts";
import { DB_DEFAULTS, type DbOptions } from "./options.ts";
import { type PoolStats } from "./gate.ts";
import { Pool, type SlotStats } from "./pool.ts";
import { openingStatement, type TxOptions, type Work, type WorkResult } from "./tx.ts";
import type { Claims as JwtClaims } from "../auth.ts";

export type { DbOptions } from "./options.ts";
export type { PoolStats } from "./gate.ts";
export type { SlotStats } from "./pool.ts";
export type { Tx, TxOptions, Work, WorkResult } from "./tx.ts";
export { uuidLiteral } from "./tx.ts";
export { toAppError } from "./errors.ts";

/** Roles a request may assume. `service_role` and login roles go through `asServiceRole`. */
export type RequestRole = "authenticated" | "anon";

/**
 * The database role a request's transaction runs as, by the JWT role it carries. A signed-in
 * caller runs as `functions_user`, not `authenticated`: every business privilege and policy is
 * granted to it, and PostgREST (which only assumes roles granted to `authenticator`) cannot
 * switch to it — so the Data API can do nothing the functions do not (docs/security.md).
 */
export const DB_ROLE: Readonly<Record<RequestRole, string>> = {
  authenticated: "functions_user",
  anon: "anon",
};

/**
 * Verified JWT claims (shared/auth.ts) with the role the transaction assumes. Only `role` is
 * read here; all of them reach SQL via `auth.jwt()`.
 */
export type Claims = JwtClaims & { role: RequestRole };

/** A pool with its two doors. */
export interface Db {
  /**
   * Runs `work` in one transaction as the caller: `request.jwt.claims` = `claims`, role
   * `DB_ROLE[claims.role]` (anything but `authenticated` / `anon` is refused with 403 before
   * touching the database),
   * `statement_timeout` — all `set local`, so nothing outlives the transaction on the pooled
   * connection. Inside a request, the request's deadline bounds it all (see `Pool.run`).
   *
   * Round trips (measured through pgbouncer with a counting proxy, see tests/integration/db/rls.test.ts):
   * the opening (`begin; select set_config(…) ×3`, one message) travels with the work's first
   * query, so `asUser(c, tx => tx\`select …\`)` costs 2 (that query + COMMIT). Returning an array
   * of parameterless queries pipelines COMMIT too: 1 round trip. A query WITH parameters costs one
   * extra round trip on its own, because postgres.js with `prepare: false` describes it first.
   * `sql.begin` plus a separate set_config query would cost 5–6.
   */
  asUser<T>(claims: Claims, work: Work<T>, options?: TxOptions): Promise<WorkResult<T>>;
  /**
   * Runs `work` in one transaction as the pool's login role (bypasses RLS) — for server-side
   * bookkeeping such as the idempotency table or cache warmers, never for client requests.
   * `reason` (letters, digits, `_-.: `) is written as a comment into the opening statement, so
   * it is visible in `pg_stat_activity` (pg_stat_statements merges openings under one entry).
   * Same round trips as `asUser`.
   */
  asServiceRole<T>(reason: string, work: Work<T>, options?: TxOptions): Promise<WorkResult<T>>;
  /** Pool counters (see `PoolStats`, `SlotStats`). */
  stats(): PoolStats & SlotStats;
  /**
   * A raw postgres.js client on one of the pool's connections: no gate, no timeout, no role.
   * For tooling and tests only, never while the pool is busy; app code uses the two doors.
   */
  readonly sql: postgres.Sql;
  /** Closes every connection (tests, shutdown). */
  end(): Promise<void>;
}

const REASON = /^[A-Za-z0-9_.:\- ]{1,80}$/;

/**
 * Marks a transaction as the functions': they record their cache invalidations themselves
 * (shared/cache/outbox.ts), so the database's own outbox triggers, which cover writes from
 * anywhere else (an operator's SQL, the service-role key), skip it.
 */
const WRITER: [string, string] = ["app.writer", "functions"];

/** Builds a pool. The module singleton (`getDb`) uses it with options from the environment. */
export function createDb(options: DbOptions): Db {
  const max = options.max ?? DB_DEFAULTS.max;
  const pool = new Pool({
    url: options.url,
    max,
    min: Math.min(options.min ?? DB_DEFAULTS.min, max),
    acquireTimeoutMs: options.acquireTimeoutMs ?? DB_DEFAULTS.acquireTimeoutMs,
    maxWaiting: options.maxWaiting ?? max * 100,
    idleTimeoutS: options.idleTimeoutS,
    maxLifetimeS: options.maxLifetimeS,
    connectTimeoutS: options.connectTimeoutS ?? DB_DEFAULTS.connectTimeoutS,
    applicationName: options.applicationName ?? "crew-backend",
  });
  const poolTimeoutMs = options.statementTimeoutMs ?? DB_DEFAULTS.statementTimeoutMs;

  const run = <T>(
    opening: (timeoutMs: number) => string,
    work: Work<T>,
    txOptions: TxOptions,
  ) => {
    const statementTimeoutMs = txOptions.statementTimeoutMs ?? poolTimeoutMs;
    if (!Number.isInteger(statementTimeoutMs) || statementTimeoutMs < 0) {
      throw new Error("statementTimeoutMs must be an integer ≥ 0");
    }
    const context = currentContext();
    const started = performance.now();
    const running = pool.run(opening, work, {
      ...txOptions,
      // 0 means "no statement timeout", as in Postgres; the deadline still applies.
      statementTimeoutMs: statementTimeoutMs === 0 ? Infinity : statementTimeoutMs,
      deadline: started + remainingMs(),
    });
    if (!context) return running;
    // Wall time in transactions (waiting for a connection included), for the request log.
    const count = () => context.dbMs = (context.dbMs ?? 0) + performance.now() - started;
    running.then(count, count);
    return running;
  };
  const timeoutSetting = (ms: number) => String(ms === Infinity ? 0 : ms);

  return {
    get sql() {
      return pool.raw;
    },
    stats: () => pool.stats(),
    end: () => pool.end(),

    async asUser(claims, work, txOptions = {}) {
      const role = claims?.role;
      if (role !== "authenticated" && role !== "anon") {
        throw forbidden(`Role ${JSON.stringify(String(role))} may not be assumed`);
      }
      const claimsJson = JSON.stringify(claims);
      return await run(
        (timeoutMs) =>
          openingStatement(txOptions, [
            ["request.jwt.claims", claimsJson],
            ["role", DB_ROLE[role]],
            ["statement_timeout", timeoutSetting(timeoutMs)],
            WRITER,
          ]),
        work,
        txOptions,
      );
    },

    async asServiceRole(reason, work, txOptions = {}) {
      if (!REASON.test(reason)) {
        throw new AppError("internal_error", "asServiceRole needs a plain reason");
      }
      return await run(
        (timeoutMs) =>
          openingStatement(
            txOptions,
            [["statement_timeout", timeoutSetting(timeoutMs)], WRITER],
            `/* service_role: ${reason} */ `,
          ),
        work,
        txOptions,
      );
    },
  };
}

let shared: Db | undefined;

/** The isolate's pool, created on first use from the config and reused for its lifetime. */
export function getDb(): Db {
  return shared ??= createDb(config.db);
}

/** Closes the isolate's pool (shutdown, tests); the next `getDb()` opens a fresh one. */
export async function closeDb(): Promise<void> {
  const db = shared;
  shared = undefined;
  await db?.end();
}

/**
 * Closes the isolate's pool and opens the next one with `overrides` over the config — the config
 * is read once at start, so this is how a test points the services at a proxy.
 */
export async function reopenDb(overrides: Partial<DbOptions>): Promise<void> {
  await closeDb();
  shared = createDb({ ...config.db, ...overrides });
}

/** `getDb().asUser(...)`: see `Db.asUser`. */
export function asUser<T>(
  claims: Claims,
  work: Work<T>,
  options?: TxOptions,
): Promise<WorkResult<T>> {
  return getDb().asUser(claims, work, options);
}

/** `getDb().asServiceRole(...)`: see `Db.asServiceRole`. */
export function asServiceRole<T>(
  reason: string,
  work: Work<T>,
  options?: TxOptions,
): Promise<WorkResult<T>> {
  return getDb().asServiceRole(reason, work, options);
}

/** Counters of the isolate's pool (creating it does not open a connection). */
export function getPoolStats(): PoolStats {
  return getDb().stats();
}
