/**
 * One transaction on a reserved connection, with its opening statement pipelined in front of the
 * caller's first query.
 *
 * Why not `sql.begin`: it awaits BEGIN before running the callback, and with `prepare: false`
 * (required behind a transaction pooler) postgres.js sends every query that has parameters as
 * Parse/Describe first and Bind/Execute after the reply — two round trips, and it stops
 * pipelining. So the opening is one simple-protocol message without parameters
 * (`begin; select set_config(...), ...`, values inlined as escaped literals), sent without awaiting.
 */
import type postgres from "postgres";
import { isConnectionError } from "./errors.ts";

/**
 * The handle a unit of work receives: the postgres.js client of one pool slot, which owns exactly
 * one connection, for the length of the transaction. Use its tag, `unsafe` and helpers; not
 * `begin`/`reserve`/`savepoint` (they would wait for the connection this transaction holds), and
 * stop using it once a query failed — the transaction is aborted anyway.
 */
export type Tx = postgres.Sql;

/** What a unit of work returns: a value, a promise, or an array of queries to pipeline. */
export type Work<T> = (tx: Tx) => T | Promise<T>;

/** The awaited result: arrays of queries resolve element-wise, as in `sql.begin`. */
export type WorkResult<T> = T extends readonly unknown[]
  ? { -readonly [K in keyof T]: Awaited<T[K]> }
  : Awaited<T>;

/** Per-transaction settings. */
export interface TxOptions {
  /** `begin read only`: Postgres refuses writes, and a hot standby could serve it. */
  readOnly?: boolean;
  isolation?: "read committed" | "repeatable read" | "serializable";
  /** Overrides the pool's statement timeout for this transaction only. */
  statementTimeoutMs?: number;
  /**
   * A parameterless statement to run last, sent in the same message as COMMIT, built from the
   * work's result — e.g. the cache invalidation outbox row of a write, which must commit (or
   * roll back) with it. `undefined` sends nothing.
   */
  beforeCommit?: (value: unknown) => string | undefined;
}

/**
 * A string literal safe in any `standard_conforming_strings` mode (the E'' form escapes both
 * quote and backslash; a NUL byte, which Postgres text cannot hold, is refused). For statements
 * sent as text in the transaction's one round trip, where a bind parameter cannot go: the
 * opening `set_config` calls, the outbox's recorded invalidation and the job queue's
 * complete-and-claim call. Any string is safe in it; the callers still pass only values they made.
 */
export function sqlLiteral(value: string): string {
  if (value.includes("\0")) throw new Error("NUL byte in an SQL literal");
  return `E'${value.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
}

/** `begin [isolation level …] [read only]` — both parts come from fixed sets, never from input. */
export function beginStatement(options: TxOptions): string {
  const isolation = options.isolation;
  if (isolation && !["read committed", "repeatable read", "serializable"].includes(isolation)) {
    throw new Error(`unknown isolation level ${isolation}`);
  }
  return `begin${isolation ? ` isolation level ${isolation}` : ""}${
    options.readOnly ? " read only" : ""
  }`;
}

/** Settings applied with `set_config(name, value, true)`, i.e. `set local`: gone at commit. */
export function openingStatement(
  options: TxOptions,
  settings: Array<[name: string, value: string]>,
  comment = "",
): string {
  const configs = settings.map(([name, value]) =>
    `set_config(${sqlLiteral(name)}, ${sqlLiteral(value)}, true)`
  );
  return `${beginStatement(options)}; ${comment}select ${configs.join(", ")}`;
}

const isPendingQuery = (x: unknown): x is postgres.PendingQuery<postgres.Row[]> =>
  x instanceof Promise && typeof (x as { execute?: unknown }).execute === "function";

/** Settles to the rejection reason, or undefined; attaching it at once avoids unhandled rejections. */
const failure = (p: PromiseLike<unknown>): Promise<unknown> =>
  Promise.resolve(p).then(() => undefined, (err) => err ?? new Error("query failed"));

/**
 * Runs `work` in one transaction opened by `opening`. The opening's error wins over the 25P02
 * ("current transaction is aborted") the work's first query then gets.
 */
export async function runTransaction<T>(
  tx: Tx,
  opening: string,
  work: Work<T>,
  beforeCommit?: TxOptions["beforeCommit"],
): Promise<WorkResult<T>> {
  // `unsafe` because the opening is several statements in one text (no parameters allowed): it
  // is built by `beginStatement` from fixed sets and `sqlLiteral`-quoted settings, never input.
  // `execute()` queues the opening NOW; a plain `.then` would only queue it a microtask later,
  // behind the work's queries, which would then run with the login role. The work's first query
  // follows in the same TCP write.
  const openingQuery = tx.unsafe(opening).execute();
  const openingFailed = failure(openingQuery);
  try {
    const out = work(tx);
    const value = Array.isArray(out) ? out : await out;
    if (
      !beforeCommit && Array.isArray(value) && value.length > 0 && value.every(isPendingQuery)
    ) {
      return await pipelined(tx, openingFailed, value) as WorkResult<T>;
    }
    const result = Array.isArray(value) && value.every(isPendingQuery)
      ? await Promise.all(value)
      : value;
    const openError = await openingFailed;
    if (openError) throw openError;
    const last = beforeCommit?.(result);
    // Queued now, so it travels with COMMIT; its failure turns the COMMIT into a rollback.
    // `unsafe`: `beforeCommit` returns statement text its caller built with `sqlLiteral` (the
    // outbox's recorded invalidation); COMMIT and ROLLBACK are constants.
    const lastFailed = last === undefined ? undefined : failure(tx.unsafe(last).execute());
    const done = await tx.unsafe("commit");
    const lastError = await lastFailed;
    if (lastError) throw lastError;
    // COMMIT of a transaction that saw an error (the work caught it) silently rolls back.
    if (done.command === "ROLLBACK") {
      throw new Error("transaction was rolled back: a statement in it failed");
    }
    return result as WorkResult<T>;
  } catch (err) {
    const cause = (await openingFailed) ?? err;
    // On a dropped connection, sending anything more on it crashes the isolate (postgres.js 3.4.9
    // writes to the null socket in a setImmediate); the server has rolled back anyway.
    if (!isConnectionError(cause) && !isConnectionError(err)) {
      // Outside a transaction (commit already failed) this is only a warning, and notices are muted.
      await tx.unsafe("rollback").catch(() => undefined);
    }
    throw cause;
  }
}

/**
 * Queries returned as an array are sent back to back with COMMIT behind them: one round trip when
 * none has parameters. If one fails, the ones after it and the COMMIT see an aborted transaction,
 * and COMMIT ends it as a rollback, so no separate ROLLBACK is needed.
 */
async function pipelined(
  tx: Tx,
  openingFailed: Promise<unknown>,
  queries: postgres.PendingQuery<postgres.Row[]>[],
): Promise<unknown[]> {
  for (const q of queries) q.execute();
  const commit = tx.unsafe("commit").execute();
  const settled = await Promise.allSettled([...queries, commit]);
  const openError = await openingFailed;
  if (openError) throw openError;
  const firstError = settled.find((s) => s.status === "rejected");
  if (firstError) throw (firstError as PromiseRejectedResult).reason;
  return settled.slice(0, -1).map((s) => (s as PromiseFulfilledResult<unknown>).value);
}

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A uuid written into the SQL text instead of sent as a parameter, for hot single-row reads:
 * with `prepare: false` postgres.js describes every query that has parameters before running it
 * (a round trip of its own), while a query without any can travel with BEGIN and COMMIT — a
 * whole `asUser` read in one round trip when the work returns `[query]`. Safe because the value
 * must have the exact uuid shape (hex digits and four dashes); anything else throws.
 */
export function uuidLiteral(sql: postgres.Sql, id: string): postgres.PendingQuery<postgres.Row[]> {
  if (!UUID_SHAPE.test(id)) throw new Error("uuidLiteral needs a uuid");
  return sql.unsafe(`'${id}'::uuid`);
}
