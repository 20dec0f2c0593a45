/**
 * shared/db/errors.ts on the fields postgres.js keeps from the server: one mapping from SQLSTATE
 * and constraint name to the API's errors, never from the message text.
 */
import assert from "node:assert/strict";
import { toAppError } from "../../shared/db/errors.ts";

/** The shape of a postgres.js PostgresError, as the mapping reads it. */
const pg = (fields: Record<string, string>) => Object.assign(new Error("server message"), fields);

Deno.test("db errors: a status-machine refusal is 409 invalid_transition with from/to", () => {
  const err = toAppError(pg({
    code: "23514",
    constraint_name: "project_staff_status_transition",
    detail: JSON.stringify({ from: "completed", to: "cancelled", id: "x" }),
    message: "wording the mapping must not depend on",
  }));
  assert.equal(err.status, 409);
  assert.equal(err.code, "invalid_transition");
  assert.deepEqual(err.details, { from: "completed", to: "cancelled" });
  assert.match(err.message, /assignment/);
  // Without the DETAIL it still is a refusal, just less specific.
  const bare = toAppError(pg({ code: "23514", constraint_name: "payments_status_transition" }));
  assert.equal(bare.code, "invalid_transition");
});

Deno.test("db errors: other constraint failures are 409 or 422 naming the constraint only", () => {
  const unique = toAppError(pg({ code: "23505", constraint_name: "candidates_ic_number_key" }));
  assert.equal(unique.status, 409);
  assert.deepEqual(unique.details, { constraint: "candidates_ic_number_key" });
  const check = toAppError(pg({ code: "23514", constraint_name: "projects_dates_check" }));
  assert.equal(check.status, 422);
  assert.equal(check.code, "unprocessable");
  const notNull = toAppError(pg({ code: "23502", column_name: "title" }));
  assert.equal(notNull.status, 422);
  assert.deepEqual(notNull.details, { column: "title" });
  for (const e of [unique, check, notNull]) {
    assert.ok(!e.message.includes("server message"), "the server's text never reaches a client");
  }
});

Deno.test("db errors: retryable, timeout, privilege and connection faults", () => {
  const serialization = toAppError(pg({ code: "40001" }));
  assert.equal(serialization.status, 409);
  assert.equal(serialization.retryAfter, 1);
  assert.equal(toAppError(pg({ code: "57014" })).status, 504);
  assert.equal(toAppError(pg({ code: "42501" })).status, 403);
  for (const code of ["ECONNREFUSED", "CONNECTION_CLOSED", "57P01", "53300"]) {
    const down = toAppError(pg({ code }));
    assert.equal(down.status, 503, code);
    assert.equal(down.code, "db_unavailable");
    assert.equal(down.retryAfter, 1);
  }
  const unknown = toAppError(new TypeError("boom"));
  assert.equal(unknown.status, 500);
  assert.equal(unknown.message, "Internal error");
  assert.ok(unknown.cause instanceof TypeError, "the cause is kept for the server log");
});
