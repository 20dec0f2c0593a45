import assert from "node:assert/strict";
import { AppError } from "../../../shared/errors.ts";
import { type Claims, DB_ROLE } from "../../../shared/db/index.ts";
import {
  directUrl,
  poolerUrl,
  roundTripProxy,
  setupSchema,
  testDb,
  uuid,
  withAdmin,
} from "./fixtures.ts";

const alice = uuid();
const bob = uuid();
const asAlice: Claims = { role: "authenticated", sub: alice };
const asBob: Claims = { role: "authenticated", sub: bob };

await setupSchema(`
  drop table if exists dbtest.rls_notes;
  create table dbtest.rls_notes (
    id uuid primary key default gen_random_uuid(),
    owner uuid not null,
    body text not null
  );
  alter table dbtest.rls_notes enable row level security;
  create policy rls_notes_own_select on dbtest.rls_notes for select to authenticated
    using (owner = auth.uid());
  create policy rls_notes_own_insert on dbtest.rls_notes for insert to authenticated
    with check (owner = auth.uid());
  grant select, insert on dbtest.rls_notes to authenticated;
  grant select on dbtest.rls_notes to anon;
`);
await withAdmin((sql) =>
  sql`insert into dbtest.rls_notes (owner, body)
      values (${alice}, 'a1'), (${alice}, 'a2'), (${bob}, 'b1')`
);

Deno.test("asUser sees only the caller's rows; anon sees none", async () => {
  const db = testDb();
  try {
    const bodies = async (claims: Claims) =>
      (await db.asUser(claims, (tx) => tx`select body from dbtest.rls_notes order by body`))
        .map((r) => r.body);
    assert.deepEqual(await bodies(asAlice), ["a1", "a2"]);
    assert.deepEqual(await bodies(asBob), ["b1"]);
    assert.deepEqual(await bodies({ role: "anon" }), []);
    const [who] = await db.asUser(asBob, (tx) => tx`select current_user, auth.uid() as uid`);
    assert.deepEqual({ ...who }, { current_user: DB_ROLE.authenticated, uid: bob });
  } finally {
    await db.end();
  }
});

Deno.test("asUser leaves nothing on the pooled server connection, even after an error", async () => {
  // Direct: one postgres.js connection is one backend, so the check surely hits the same session.
  // Through pgbouncer: the server connection just released is normally handed out next, but a
  // parallel test may take it, so try until the check lands on the same backend.
  for (const [via, url] of [["direct", directUrl()], ["pgbouncer", poolerUrl()]]) {
    const db = testDb({ url, max: 1, min: 1 });
    const session = async () =>
      (await db.sql`
        select pg_backend_pid() as pid, current_user,
               coalesce(current_setting('request.jwt.claims', true), '') as claims,
               current_setting('statement_timeout') as statement_timeout`)[0];
    const clean = { current_user: "postgres", claims: "", statement_timeout: "0" };
    try {
      let sameBackend = 0;
      for (let attempt = 0; attempt < 20 && sameBackend < 2; attempt++) {
        const [inside] = await db.asUser(
          asAlice,
          (tx) =>
            tx`select pg_backend_pid() as pid, current_user,
                      current_setting('request.jwt.claims', true) as claims,
                      current_setting('statement_timeout') as statement_timeout`,
          { statementTimeoutMs: 1234 },
        );
        assert.equal(inside.current_user, DB_ROLE.authenticated);
        assert.equal(JSON.parse(inside.claims).sub, alice);
        assert.equal(inside.statement_timeout, "1234ms");
        const { pid, ...after } = await session();
        assert.deepEqual(after, clean, via);
        if (pid === inside.pid) sameBackend++;

        await db.asUser(asBob, (tx) => tx`select 1/0`).catch(() => undefined);
        const { pid: _, ...afterError } = await session();
        assert.deepEqual(afterError, clean, via);
      }
      assert.ok(sameBackend > 0, `${via}: never re-checked the backend asUser ran on`);
    } finally {
      await db.end();
    }
  }
});

Deno.test("asUser refuses roles other than authenticated/anon before touching the database", async () => {
  const db = testDb();
  try {
    for (const role of ["service_role", "postgres", "authenticator", undefined]) {
      const claims = { role, sub: alice } as unknown as Claims;
      const err = await db.asUser(claims, (tx) => tx`select 1`).then(
        () => assert.fail(`role ${role} must be refused`),
        (e) => e,
      );
      assert.ok(err instanceof AppError);
      assert.equal(err.status, 403);
      assert.equal(err.code, "forbidden");
    }
    assert.equal(db.stats().queries, 0);
  } finally {
    await db.end();
  }
});

Deno.test("RLS rejects a forged insert with 403 forbidden and nothing is written", async () => {
  const db = testDb();
  try {
    const err = await db.asUser(
      asAlice,
      (tx) => tx`insert into dbtest.rls_notes (owner, body) values (${bob}, 'forged')`,
    ).then(() => assert.fail("forged insert must fail"), (e) => e);
    assert.ok(err instanceof AppError);
    assert.equal(err.status, 403);
    assert.equal(err.code, "forbidden");
    assert.equal((err.cause as { code?: string }).code, "42501");
    const [{ n }] = await withAdmin((sql) =>
      sql`select count(*)::int as n from dbtest.rls_notes where body = 'forged'`
    );
    assert.equal(n, 0);

    const [own] = await db.asUser(
      asAlice,
      (tx) =>
        tx`insert into dbtest.rls_notes (owner, body) values (${alice}, 'a3') returning owner`,
    );
    assert.equal(own.owner, alice, "the same insert for oneself is allowed");
  } finally {
    await db.end();
  }
});

Deno.test("readOnly transactions refuse writes; a failed pipelined batch is rolled back", async () => {
  const db = testDb();
  try {
    await assert.rejects(
      db.asUser(
        asBob,
        (tx) => tx`insert into dbtest.rls_notes (owner, body) values (${bob}, 'ro')`,
        {
          readOnly: true,
        },
      ),
      (e: AppError) => (e.cause as { code?: string }).code === "25006",
    );
    await assert.rejects(
      db.asUser(asBob, (tx) => [
        tx`insert into dbtest.rls_notes (owner, body) values (${bob}, 'batch')`,
        tx`select 1/0`,
      ]),
      (e: AppError) => e.status === 422,
    );
    const [{ n }] = await withAdmin((sql) =>
      sql`select count(*)::int as n from dbtest.rls_notes where body in ('ro', 'batch')`
    );
    assert.equal(n, 0);
  } finally {
    await db.end();
  }
});

Deno.test("asUser round trips: 2 for one query, 1 for a pipelined batch (counted on the wire)", async () => {
  const proxy = roundTripProxy(poolerUrl());
  const db = testDb({ url: proxy.url, max: 1, min: 1 });
  try {
    await db.asUser(asAlice, (tx) => tx`select 1`); // connect and fetch types first
    const perCall = async (run: () => Promise<unknown>) => {
      const before = proxy.turns();
      for (let i = 0; i < 20; i++) await run();
      return (proxy.turns() - before) / 20;
    };
    assert.equal(await perCall(() => db.asUser(asAlice, (tx) => tx`select 1`)), 2);
    assert.equal(await perCall(() => db.asUser(asAlice, (tx) => [tx`select 1`, tx`select 2`])), 1);
    assert.equal(await perCall(() => db.asServiceRole("rt", (tx) => tx`select 1`)), 2);
    // postgres.js with prepare:false describes a query with parameters before binding it.
    assert.equal(await perCall(() => db.asUser(asAlice, (tx) => tx`select ${1}::int`)), 3);
  } finally {
    await db.end();
    proxy.close();
  }
});
