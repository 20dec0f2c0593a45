import assert from "node:assert/strict";
import { AppError } from "../../../shared/errors.ts";
import { toAppError } from "../../../shared/db/index.ts";
import { setupSchema, testDb, withAdmin } from "./fixtures.ts";

// Looks like a Malaysian IC number: it must never appear in what a client sees.
const IC = "900101-14-5678";

await setupSchema(`
  drop table if exists dbtest.err_child, dbtest.err_parent, dbtest.err_shift;
  drop sequence if exists dbtest.err_attempts;
  create table dbtest.err_parent (id int primary key);
  create table dbtest.err_child (
    id int primary key,
    parent_id int references dbtest.err_parent (id),
    ic text constraint err_child_ic_key unique,
    qty int constraint err_child_qty_positive check (qty > 0),
    note text not null default '',
    amount numeric(6, 2),
    status text not null default 'draft'
  );
  create table dbtest.err_shift (id serial primary key, worker text not null);
  create sequence dbtest.err_attempts;
  create or replace function dbtest.err_guard_status() returns trigger language plpgsql as $$
  begin
    if old.status = 'paid' and new.status = 'draft' then
      -- The shape of the status machines' refusals (20261202000100_status_machines.sql).
      raise exception 'invalid err status transition: paid -> draft'
        using errcode = 'check_violation', constraint = 'err_child_status_transition',
              detail = '{"from": "paid", "to": "draft"}';
    end if;
    if new.status = 'locked' then
      raise exception 'This record is locked';
    end if;
    return new;
  end $$;
  create trigger err_guard_status before update on dbtest.err_child
    for each row execute function dbtest.err_guard_status();
  insert into dbtest.err_parent values (1);
  insert into dbtest.err_child (id, parent_id, ic, qty, status) values (1, 1, '${IC}', 1, 'paid');
`);

const db = testDb({ max: 4 });

/** Runs `work` as service role and returns the AppError it must fail with. */
async function failure(work: Parameters<typeof db.asServiceRole>[1]): Promise<AppError> {
  const err = await db.asServiceRole("errors test", work).then(
    () => assert.fail("expected an error"),
    (e) => e,
  );
  assert.ok(err instanceof AppError, `not an AppError: ${err}`);
  assert.ok(!JSON.stringify(err.toBody()).includes(IC), "personal data leaked into the body");
  return err;
}

Deno.test("unique violation → 409 conflict naming the constraint, never the value", async () => {
  const err = await failure((tx) => tx`insert into dbtest.err_child (id, ic) values (2, ${IC})`);
  assert.equal(err.status, 409);
  assert.equal(err.code, "conflict");
  assert.deepEqual(err.details, { constraint: "err_child_ic_key" });
  assert.equal((err.cause as { code?: string }).code, "23505");
  assert.match(String((err.cause as { detail?: string }).detail), new RegExp(IC), "cause keeps it");
});

Deno.test("FK, check, not-null, bad format and overflow → 422 unprocessable", async () => {
  const cases: Array<[string, Parameters<typeof db.asServiceRole>[1], Record<string, unknown>?]> = [
    ["23503", (tx) => tx`insert into dbtest.err_child (id, parent_id) values (3, 99)`, {
      constraint: "err_child_parent_id_fkey",
    }],
    ["23514", (tx) => tx`insert into dbtest.err_child (id, qty) values (4, 0)`, {
      constraint: "err_child_qty_positive",
    }],
    ["23502", (tx) => tx`insert into dbtest.err_child (id, note) values (5, null)`, {
      column: "note",
    }],
    ["22P02", (tx) => tx`select ${IC}::uuid`, undefined],
    [
      "22003",
      (tx) => tx`insert into dbtest.err_child (id, amount) values (6, 123456.78)`,
      undefined,
    ],
  ];
  for (const [sqlstate, work, details] of cases) {
    const err = await failure(work);
    assert.equal((err.cause as { code?: string }).code, sqlstate);
    assert.equal(err.status, 422, sqlstate);
    assert.equal(err.code, "unprocessable");
    if (details) assert.deepEqual(err.details, details, sqlstate);
  }
});

Deno.test("a status machine's refusal → 409 invalid_transition by constraint name, with from/to", async () => {
  const refused = await failure((tx) =>
    tx`update dbtest.err_child set status = 'draft' where id = 1`
  );
  assert.equal(refused.status, 409);
  assert.equal(refused.code, "invalid_transition");
  assert.deepEqual(refused.details, { from: "paid", to: "draft" });

  // Any other exception a trigger raises is a bug of ours: a generic 500, its text not shown.
  const plain = await failure((tx) =>
    tx`update dbtest.err_child set status = 'locked' where id = 1`
  );
  assert.equal(plain.status, 500);
  assert.equal(plain.code, "internal_error");
  assert.ok(!plain.message.includes("locked"));
});

Deno.test("40001 is retried once: the work runs twice and succeeds", async () => {
  let attempts = 0;
  const [row] = await db.asServiceRole("retry test", async (tx) => {
    attempts++;
    await tx`insert into dbtest.err_shift (worker) values ('retry')`;
    const [{ n }] = await tx`select nextval('dbtest.err_attempts') as n`;
    // A sequence is not rolled back, so the database itself tells first attempt from second.
    if (Number(n) === 1) {
      await tx`do $$ begin raise exception 'forced' using errcode = '40001'; end $$`;
    }
    return tx`select count(*)::int as rows from dbtest.err_shift where worker = 'retry'`;
  });
  assert.equal(attempts, 2);
  assert.equal(row.rows, 1, "the first attempt's insert was rolled back");
});

Deno.test("a second serialization failure is not retried again → 409 with Retry-After", async () => {
  let attempts = 0;
  const err = await failure(async (tx) => {
    attempts++;
    await tx`do $$ begin raise exception 'always' using errcode = '40P01'; end $$`;
  });
  assert.equal(attempts, 2);
  assert.equal(err.status, 409);
  assert.equal(err.retryAfter, 1);
});

Deno.test("a real serialization failure between two serializable transactions is retried", async () => {
  await withAdmin((sql) => sql`delete from dbtest.err_shift where worker like 'skew-%'`);
  let bothRead!: () => void;
  const barrier = new Promise<void>((r) => bothRead = r);
  let reads = 0;
  let attempts = 0;
  // Classic write skew: each reads how many are on shift, then adds itself if fewer than 2.
  const signUp = (worker: string) =>
    db.asServiceRole("write skew", async (tx) => {
      attempts++;
      const [{ n }] =
        await tx`select count(*)::int as n from dbtest.err_shift where worker like 'skew-%'`;
      if (++reads === 2) bothRead();
      if (reads <= 2) await barrier;
      if (n < 2) await tx`insert into dbtest.err_shift (worker) values (${worker})`;
      return n;
    }, { isolation: "serializable" });
  const seen = await Promise.all([signUp("skew-a"), signUp("skew-b")]);
  assert.equal(attempts, 3, "exactly one of the two had to run again");
  assert.deepEqual([...seen].sort(), [0, 1], "the retry saw the other's committed row");
});

Deno.test("toAppError maps connection, privilege and timeout errors and passes AppErrors", () => {
  for (
    const code of [
      "ECONNREFUSED",
      "CONNECTION_CLOSED",
      "CONNECT_TIMEOUT",
      "08P01",
      "08006",
      "57P01",
    ]
  ) {
    const err = toAppError(Object.assign(new Error("x"), { code }));
    assert.equal(err.status, 503, code);
    assert.equal(err.code, "db_unavailable");
    assert.equal(err.retryAfter, 1);
  }
  assert.equal(toAppError({ code: "42501" }).status, 403);
  assert.equal(toAppError({ code: "57014" }).status, 504);
  const unknown = toAppError(new Error("select secret from t"));
  assert.equal(unknown.status, 500);
  assert.ok(!unknown.message.includes("secret"));
  const own = new AppError("not_found", "nope");
  assert.equal(toAppError(own), own);
});

Deno.test({
  name: "close the errors test pool",
  fn: () => db.end(),
});
