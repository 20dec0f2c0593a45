/**
 * Database errors → the backend's one error type. Postgres messages and DETAIL lines quote the
 * offending values (an IC number in a unique violation, a bad UUID in 22P02), so the client only
 * ever sees a fixed message plus the constraint or column name; the original error rides along
 * as `cause` for the server log.
 */
import { AppError } from "./errors.ts";

/** The fields of a postgres.js `PostgresError` (or a socket error) this module reads. */
interface DbErrorLike {
  code?: unknown;
  message?: unknown;
  constraint_name?: unknown;
  column_name?: unknown;
}

/** Codes postgres.js and Node sockets use when the server (or pgbouncer) cannot be reached. */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

/** SQLSTATEs meaning "the server went away or refused us", not "your statement is wrong". */
const UNAVAILABLE_STATES = new Set(["57P01", "57P02", "57P03", "53300", "53400"]);

/** Serialization failure and deadlock: the whole transaction may simply be run again. */
const RETRYABLE_STATES = new Set(["40001", "40P01"]);

/** A trigger message `snake_code: text` picks its own error code (e.g. `invalid_transition`). */
const CODED_MESSAGE = /^([a-z][a-z0-9_]{2,40}): (.+)$/s;

const codeOf = (err: unknown): string | undefined => {
  const code = (err as DbErrorLike | null)?.code;
  return typeof code === "string" ? code : undefined;
};

const nameOf = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;

/** True for a serialization failure or deadlock: the caller should rerun the transaction. */
export function isRetryable(err: unknown): boolean {
  const code = codeOf(err);
  return code !== undefined && RETRYABLE_STATES.has(code);
}

/** True when the database or the pooler could not be reached or dropped the connection. */
export function isConnectionError(err: unknown): boolean {
  const code = codeOf(err);
  if (code === undefined) return false;
  // Class 08 is "connection exception"; pgbouncer reports a lost server as 08P01/08006.
  return CONNECTION_CODES.has(code) || code.startsWith("08") || UNAVAILABLE_STATES.has(code);
}

/**
 * Maps any error thrown by postgres.js to an `AppError`. `AppError`s pass through unchanged;
 * anything unknown becomes a generic 500 whose `cause` holds the original.
 *
 * - 23505 unique → 409 `conflict` (details: constraint)
 * - 23503 FK, 23514 check, 23502 not-null, 23P01 exclusion, class 22 data errors → 422 `unprocessable`
 * - P0001 (`raise exception` in our triggers) → 409 with the trigger's message; a message
 *   `some_code: text` yields code `some_code` (e.g. `invalid_transition`), otherwise `conflict`
 * - 40001 / 40P01 (after the one retry) → 409 `conflict` with Retry-After
 * - 57014 statement timeout / cancel → 504 `timeout`
 * - 42501 insufficient privilege, RLS violation → 403 `forbidden`
 * - connection loss, admin shutdown, too many connections → 503 `db_unavailable` with Retry-After
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as DbErrorLike;
  const code = codeOf(err);
  const constraint = nameOf(e.constraint_name);
  const column = nameOf(e.column_name);
  const details = (extra: Record<string, unknown> = {}) => {
    const d: Record<string, unknown> = { ...extra };
    if (constraint) d.constraint = constraint;
    if (column) d.column = column;
    return Object.keys(d).length ? d : undefined;
  };
  const opts = (extra?: Record<string, unknown>) => ({ cause: err, details: details(extra) });
  const named = (what: string) => constraint ? `${what} (${constraint})` : what;

  switch (code) {
    case "23505":
      return new AppError(
        409,
        "conflict",
        named("A record with these values already exists"),
        opts(),
      );
    case "23503":
      return new AppError(
        422,
        "unprocessable",
        named("A referenced record does not exist or is still in use"),
        opts(),
      );
    case "23514":
      return new AppError(
        422,
        "unprocessable",
        named("A value breaks a rule of the record"),
        opts(),
      );
    case "23502":
      return new AppError(
        422,
        "unprocessable",
        column ? `A value is required (${column})` : "A value is required",
        opts(),
      );
    case "23P01":
      return new AppError(
        422,
        "unprocessable",
        named("The record overlaps an existing one"),
        opts(),
      );
    case "22P02":
      return new AppError(422, "unprocessable", "A value has the wrong format", opts());
    case "22003":
      return new AppError(422, "unprocessable", "A number is out of range", opts());
    case "22001":
      return new AppError(422, "unprocessable", "A value is too long", opts());
    case "P0001":
      return fromRaise(err);
    case "57014":
      return new AppError(504, "timeout", "The database query took too long", { cause: err });
    case "42501":
      return new AppError(403, "forbidden", "You may not do this", { cause: err });
  }
  if (code !== undefined && RETRYABLE_STATES.has(code)) {
    return new AppError(409, "conflict", "The record was changed concurrently; retry", {
      cause: err,
      retryAfter: 1,
    });
  }
  if (code?.startsWith("22")) {
    return new AppError(422, "unprocessable", "A value is not valid", opts());
  }
  if (isConnectionError(err)) {
    return new AppError(503, "db_unavailable", "The database is unavailable; retry shortly", {
      cause: err,
      retryAfter: 1,
    });
  }
  return new AppError(500, "internal_error", "Internal error", { cause: err });
}

/** Trigger messages are written by us and safe to show; the optional prefix picks the code. */
function fromRaise(err: unknown): AppError {
  const message = String((err as DbErrorLike).message ?? "Conflict");
  const coded = CODED_MESSAGE.exec(message);
  return coded
    ? new AppError(409, coded[1], coded[2], { cause: err })
    : new AppError(409, "conflict", message, { cause: err });
}
