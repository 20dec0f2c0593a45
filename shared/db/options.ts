/**
 * Pool settings as plain objects (tests build pools from them; the functions' come from
 * shared/config.ts).
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
  // Supabase's guidance for functions: 1–4 connections per isolate behind the transaction
  // pooler, whose client limit all isolates share (docs/edge-runtime.md has the budget).
  min: 1,
  max: 4,
  statementTimeoutMs: 30_000,
  connectTimeoutS: 5,
  acquireTimeoutMs: 2_000,
} as const;
