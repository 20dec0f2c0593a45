/**
 * Database errors → the backend's one error type. Postgres messages and DETAIL lines quote the
 * offending values (an IC number in a unique violation, a bad UUID in 22P02), so the client only
 * ever sees a fixed message plus the constraint or column name; the original error rides along
 * as `cause` for the server log.
 */
import { AppError, invalidTransition } from "../errors.ts";

/** The fields of a postgres.js `PostgresError` (or a socket error) this module reads. */
interface DbErrorLike {
  code?: unknown;
  message?: unknown;
  constraint_name?: unknown;
  column_name?: unknown;
  table_name?: unknown;
  detail?: unknown;
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

/**
 * The status machines' refusals (supabase/migrations/20261202000100_status_machines.sql): a
 * check violation on `<table>_status_transition` with `{"from", "to"}` as DETAIL.
 */
const TRANSITION = /^([a-z_]+)_status_transition$/;
const THING: Record<string, string> = {
  projects: "project",
  project_staff: "assignment",
  payments: "payment",
  expense_claims: "claim",
};

function transitionRefusal(err: unknown, table: string): AppError {
  let moved: { from?: unknown; to?: unknown } = {};
  try {
    moved = JSON.parse(String((err as DbErrorLike).detail ?? "{}"));
  } catch { /* a refusal without the detail still is one */ }
  const refusal = invalidTransition(
    THING[table] ?? "record",
    String(moved.from ?? "its status"),
    String(moved.to ?? "that status"),
  );
  return new AppError(refusal.code, refusal.message, { details: refusal.details, cause: err });
}

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
 * What a refusal named by the database's own rules (42501 with a constraint name: the triggers
 * of docs/security.md) tells the caller. The database holds the rule; this is only its wording.
 */
const RULES: Record<string, string> = {
  payments_four_eyes: "A payment is approved by someone other than the user who created it " +
    "(or ran the payroll that created it)",
  candidates_admin_fields: "Only an admin may change a candidate's login link or IC number",
  candidates_self_fields: "A crew member may change only their phone, email and skills",
};

/**
 * Maps any error thrown by postgres.js to an `AppError`. `AppError`s pass through unchanged;
 * anything unknown becomes a generic 500 whose `cause` holds the original.
 *
 * - 23505 unique → 409 `conflict` (details: constraint)
 * - 23514 on a `<table>_status_transition` pseudo-constraint → 409 `invalid_transition` with
 *   `{ from, to }` (by constraint name, never by matching the message)
 * - 23P01 on payment_periods_no_overlap (a day paid twice), 23514 on payments_exported (a
 *   payment in a bank file cancelled or edited) → 409 `conflict`
 * - 23503 FK, other 23514 checks, 23502 not-null, 23P01 exclusion, class 22 → 422 `unprocessable`
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
      return new AppError("conflict", named("A record with these values already exists"), opts());
    case "23503":
      return new AppError(
        "unprocessable",
        named("A referenced record does not exist or is still in use"),
        opts(),
      );
    case "23514": {
      const machine = constraint ? TRANSITION.exec(constraint) : null;
      if (machine) return transitionRefusal(err, machine[1]);
      if (constraint === "payments_exported") {
        return new AppError(
          "conflict",
          "The payment is in a bank file: it can only be marked paid or failed",
          opts(),
        );
      }
      return new AppError("unprocessable", named("A value breaks a rule of the record"), opts());
    }
    case "23502":
      return new AppError(
        "unprocessable",
        column ? `A value is required (${column})` : "A value is required",
        opts(),
      );
    case "23P01":
      // The no-day-paid-twice rule: a conflict with what is already paid, not bad input.
      if (constraint === "payment_periods_no_overlap") {
        return new AppError(
          "conflict",
          named("Some days of this period are already paid for this candidate and project"),
          opts(),
        );
      }
      return new AppError("unprocessable", named("The record overlaps an existing one"), opts());
    case "22P02":
      return new AppError("unprocessable", "A value has the wrong format", opts());
    case "22003":
      return new AppError("unprocessable", "A number is out of range", opts());
    case "22001":
      return new AppError("unprocessable", "A value is too long", opts());
    case "57014":
      return new AppError("timeout", "The database query took too long", { cause: err });
    case "42501":
      return new AppError("forbidden", (constraint && RULES[constraint]) || "You may not do this", {
        cause: err,
        details: constraint ? { constraint } : undefined,
      });
  }
  if (code !== undefined && RETRYABLE_STATES.has(code)) {
    return new AppError("conflict", "The record was changed concurrently; retry", {
      cause: err,
      retryAfter: 1,
    });
  }
  if (code?.startsWith("22")) {
    return new AppError("unprocessable", "A value is not valid", opts());
  }
  if (isConnectionError(err)) {
    return new AppError("db_unavailable", "The database is unavailable; retry shortly", {
      cause: err,
      retryAfter: 1,
    });
  }
  return new AppError("internal_error", "Internal error", { cause: err });
}
