/**
 * Pool settings from the environment, read once per isolate. Kept apart from the pool so tests
 * build their own pools from plain objects.
 */

/** Everything `createDb` needs; only `url` is required. */
export interface DbOptions {
  /** postgres:// URL. Through the transaction pooler (6543) in production. */
  url: string;
  /** Connections opened on first use so the first requests do not all pay the handshake. */
  min?: number;
  /** Connections this isolate may hold; also the number of concurrent transactions. */
  max?: number;
  /** Per-transaction `statement_timeout`, set locally because session SETs do not survive pooling. */
  statementTimeoutMs?: number;
  /** Seconds an idle connection is kept (postgres.js default: forever). */
  idleTimeoutS?: number;
  /** Seconds before a connection is recycled (postgres.js default: 30–60 min). */
  maxLifetimeS?: number;
  /** Seconds to wait for a TCP + auth handshake. */
  connectTimeoutS?: number;
  /** Milliseconds a request waits for a free connection before 503 `pool_exhausted`. */
  acquireTimeoutMs?: number;
  /** Waiters beyond this are refused at once (bounded queue). Default 100 × max. */
  maxWaiting?: number;
  /** Shown in `pg_stat_activity` (default `crew-backend`). */
  applicationName?: string;
}

/** The defaults, named so the docs and the code cannot drift apart. */
export const DB_DEFAULTS = {
  min: 2,
  max: 10,
  statementTimeoutMs: 30_000,
  connectTimeoutS: 5,
  acquireTimeoutMs: 2_000,
} as const;

/** Minimal view of `Deno.env`, so tests can pass a Map. */
export interface EnvSource {
  get(key: string): string | undefined;
}

/**
 * Reads `DB_POOLER_URL` (falling back to `SUPABASE_DB_URL`, the direct connection on hosted
 * projects), `DB_POOL_MIN`, `DB_POOL_MAX`, `DB_STATEMENT_TIMEOUT` (ms), `DB_IDLE_TIMEOUT` (s),
 * `DB_MAX_LIFETIME` (s), `DB_CONNECT_TIMEOUT` (s) and `DB_ACQUIRE_TIMEOUT` (ms). A malformed
 * number throws: a typo in a pool setting should fail the deploy, not silently use a default.
 */
export function dbOptionsFromEnv(env: EnvSource = Deno.env): DbOptions {
  const url = env.get("DB_POOLER_URL") || env.get("SUPABASE_DB_URL");
  if (!url) throw new Error("DB_POOLER_URL (or SUPABASE_DB_URL) is not set");
  const num = (key: string): number | undefined => {
    const raw = env.get(key)?.trim();
    if (raw === undefined || raw === "") return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`${key} must be a non-negative number`);
    }
    return value;
  };
  return {
    url,
    min: num("DB_POOL_MIN"),
    max: num("DB_POOL_MAX"),
    statementTimeoutMs: num("DB_STATEMENT_TIMEOUT"),
    idleTimeoutS: num("DB_IDLE_TIMEOUT"),
    maxLifetimeS: num("DB_MAX_LIFETIME"),
    connectTimeoutS: num("DB_CONNECT_TIMEOUT"),
    acquireTimeoutMs: num("DB_ACQUIRE_TIMEOUT"),
  };
}
