/**
 * The database client: one postgres.js pool per isolate, behind the transaction pooler
 * (Supavisor on hosted projects, pgbouncer locally), so `prepare: false` and every setting is
 * transaction-local. All access goes through two doors:
 *
 * - `asUser(claims, work)` — runs as `authenticated`/`anon` with the caller's JWT claims, so RLS
 *   applies. The normal path for anything a client asked for.
 * - `asServiceRole(reason, work)` — runs as the pool's login role, which bypasses RLS. Greppable
 *   on purpose; `reason` shows up in `pg_stat_activity` while the transaction opens.
 *
 * Both wait at most the acquire timeout for a connection (503 `pool_exhausted`), retry the whole
 * transaction once on a serialization failure or deadlock, and throw only `AppError`s.
 */
import postgres from "postgres";
import { AppError, forbidden } from "./errors.ts";
import { DB_DEFAULTS, type DbOptions, dbOptionsFromEnv } from "./db-config.ts";
import { isConnectionError, isRetryable, toAppError } from "./db-errors.ts";
import { Gate, type PoolStats } from "./db-gate.ts";
import {
  openingStatement,
  runTransaction,
  type TxOptions,
  type Work,
  type WorkResult,
} from "./db-tx.ts";

export type { DbOptions } from "./db-config.ts";
export { dbOptionsFromEnv } from "./db-config.ts";
export type { PoolStats } from "./db-gate.ts";
export type { Tx, TxOptions, Work, WorkResult } from "./db-tx.ts";
export { uuidLiteral } from "./db-tx.ts";
export { toAppError } from "./db-errors.ts";

/** Roles a request may assume. `service_role` and login roles go through `asServiceRole`. */
export type RequestRole = "authenticated" | "anon";

/** Verified JWT claims. Only `role` is read here; all of them reach SQL via `auth.jwt()`. */
export interface Claims {
  role: RequestRole;
  sub?: string;
  [claim: string]: unknown;
}

/** A pool with its two doors. */
export interface Db {
  /**
   * Runs `work` in one transaction as the caller: `request.jwt.claims` = `claims`, role
   * `authenticated` or `anon` (anything else is refused with 403 before touching the database),
   * `statement_timeout` — all `set local`, so nothing outlives the transaction on the pooled
   * connection.
   *
   * Round trips (measured through pgbouncer with a counting proxy, see tests/shared/db-rls.test.ts):
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
  /** Pool counters (see `PoolStats`). */
  stats(): PoolStats;
  /**
   * The raw postgres.js client: no queue, no timeout, no role. For tooling and tests only; app
   * code uses the two doors. (Replaced after a dropped connection: read it, do not keep it.)
   */
  readonly sql: postgres.Sql;
  /** Closes every connection (tests, shutdown). */
  end(): Promise<void>;
}

const REASON = /^[A-Za-z0-9_.:\- ]{1,80}$/;

/** Builds a pool. The module singleton (`getDb`) uses it with options from the environment. */
export function createDb(options: DbOptions): Db {
  const max = options.max ?? DB_DEFAULTS.max;
  const min = Math.min(options.min ?? DB_DEFAULTS.min, max);
  const statementTimeoutMs = options.statementTimeoutMs ?? DB_DEFAULTS.statementTimeoutMs;
  const gate = new Gate(
    max,
    options.acquireTimeoutMs ?? DB_DEFAULTS.acquireTimeoutMs,
    options.maxWaiting ?? max * 100,
  );
  const connect = () =>
    postgres(options.url, {
      max,
      // Transaction pooling: a prepared statement would live on a server connection the next
      // transaction may not get (pgbouncer 1.18 hangs on it).
      prepare: false,
      idle_timeout: options.idleTimeoutS,
      max_lifetime: options.maxLifetimeS,
      connect_timeout: options.connectTimeoutS ?? DB_DEFAULTS.connectTimeoutS,
      // Notices can quote row values (RAISE NOTICE in a trigger); postgres.js would log them.
      onnotice: () => {},
      connection: { application_name: options.applicationName ?? "crew-backend" },
    });
  let sql = connect();
  let warmed = false;
  const retiring: Promise<void>[] = [];

  const warm = () => {
    warmed = true;
    // Concurrent queries make postgres.js open one connection each (the borrow that triggered
    // this opens one more); failures surface on real use.
    for (let i = 1; i < min; i++) sql`select 1`.catch(() => undefined);
  };

  // A connection dropped while a query ran (pgbouncer restart, backend killed) leaves postgres.js
  // 3.4.9 broken: the connection keeps the last ErrorResponse ("server conn crashed?"), fails the
  // next borrow of the reconnected socket with it and then strands that borrow forever. So the
  // whole client is replaced; the old one closes once the transactions it still runs are done.
  const borrowed = new Map<postgres.Sql, number>();
  const closeIfIdle = (client: postgres.Sql) => {
    if (client === sql || borrowed.get(client)) return;
    borrowed.delete(client);
    // Nothing of ours runs on it any more; timeout 0 also drops the stranded connection.
    retiring.push(client.end({ timeout: 0 }).catch(() => undefined));
  };
  const retire = (client: postgres.Sql) => {
    if (client !== sql) return;
    sql = connect();
    warmed = false;
    closeIfIdle(client);
  };

  async function transaction<T>(opening: string, work: Work<T>): Promise<WorkResult<T>> {
    await gate.acquire();
    if (!warmed) warm();
    const client = sql;
    borrowed.set(client, (borrowed.get(client) ?? 0) + 1);
    let tx: postgres.ReservedSql | undefined;
    let brokenConnection = false;
    try {
      tx = await client.reserve();
      for (let attempt = 1;; attempt++) {
        try {
          return await runTransaction(tx, opening, work);
        } catch (err) {
          if (attempt === 1 && isRetryable(err)) continue;
          throw err;
        }
      }
    } catch (err) {
      gate.recordError();
      brokenConnection = isConnectionError(err);
      if (brokenConnection) retire(client);
      throw toAppError(err);
    } finally {
      // Releasing a dropped connection would put a dead socket into the idle list.
      if (tx && !brokenConnection) tx.release();
      borrowed.set(client, borrowed.get(client)! - 1);
      closeIfIdle(client);
      gate.release();
    }
  }

  const timeoutOf = (o: TxOptions) => {
    const ms = o.statementTimeoutMs ?? statementTimeoutMs;
    if (!Number.isInteger(ms) || ms < 0) {
      throw new Error("statementTimeoutMs must be an integer ≥ 0");
    }
    return String(ms);
  };

  return {
    get sql() {
      return sql;
    },
    stats: () => gate.stats(),
    async end() {
      await Promise.all([sql.end({ timeout: 5 }), ...retiring]);
    },

    async asUser(claims, work, txOptions = {}) {
      const role = claims?.role;
      if (role !== "authenticated" && role !== "anon") {
        throw forbidden(`Role ${JSON.stringify(String(role))} may not be assumed`);
      }
      return await transaction(
        openingStatement(txOptions, [
          ["request.jwt.claims", JSON.stringify(claims)],
          ["role", role],
          ["statement_timeout", timeoutOf(txOptions)],
        ]),
        work,
      );
    },

    async asServiceRole(reason, work, txOptions = {}) {
      if (!REASON.test(reason)) {
        throw new AppError(500, "internal_error", "asServiceRole needs a plain reason");
      }
      return await transaction(
        openingStatement(
          txOptions,
          [["statement_timeout", timeoutOf(txOptions)]],
          `/* service_role: ${reason} */ `,
        ),
        work,
      );
    },
  };
}

let shared: Db | undefined;

/** The isolate's pool, created on first use from the environment and reused for its lifetime. */
export function getDb(): Db {
  return shared ??= createDb(dbOptionsFromEnv());
}

/** Closes the isolate's pool (shutdown, tests); the next `getDb()` opens a fresh one. */
export async function closeDb(): Promise<void> {
  const db = shared;
  shared = undefined;
  await db?.end();
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
