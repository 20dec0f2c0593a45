import assert from "node:assert/strict";
import { AppError } from "../../../shared/errors.ts";
import { closeDb, getDb, getPoolStats } from "../../../shared/db/index.ts";
import { directUrl, testDb, withAdmin } from "./fixtures.ts";

Deno.test("1000 concurrent queries on a pool of 10 through pgbouncer all complete", async () => {
  const db = testDb({ max: 10, acquireTimeoutMs: 60_000 });
  try {
    const results = await Promise.all(
      Array.from(
        { length: 1000 },
        (_, i) =>
          db.asServiceRole("pool test", async (tx) => (await tx`select ${i}::int as i`)[0].i),
      ),
    );
    assert.deepEqual(results, Array.from({ length: 1000 }, (_, i) => i));
    const stats = db.stats();
    assert.equal(stats.queries, 1000);
    assert.equal(stats.errors, 0);
    assert.equal(stats.timeouts, 0);
    assert.equal(stats.acquireWaitMs.count, 1000);
    assert.ok(stats.peakActive <= 10, `peak ${stats.peakActive} exceeds max 10`);
    assert.equal(stats.peakActive, 10, "1000 concurrent borrowers should fill the pool");
    assert.equal(stats.active, 0);
    assert.equal(stats.waiting, 0);
    assert.ok(stats.acquireWaitMs.max > 0, "990 borrowers must have waited");
  } finally {
    await db.end();
  }
});

Deno.test("a full pool fails fast with 503 pool_exhausted instead of hanging", async () => {
  const db = testDb({ max: 2, acquireTimeoutMs: 300 });
  try {
    let sleepersDone = false;
    const sleepers = Promise.all(
      [1, 2].map(() => db.asServiceRole("sleeper", (tx) => tx`select pg_sleep(2)`)),
    ).then(() => sleepersDone = true);
    // Let both sleepers take their connections.
    while (db.stats().active < 2) await new Promise((r) => setTimeout(r, 10));
    const utilization = db.stats().utilization;

    const err = await db.asServiceRole("late", (tx) => tx`select 1`).then(
      () => assert.fail("expected pool_exhausted"),
      (e) => e,
    );
    assert.ok(err instanceof AppError);
    assert.equal(err.status, 503);
    assert.equal(err.code, "pool_exhausted");
    assert.equal(err.retryAfter, 1);
    assert.equal(sleepersDone, false, "the refusal must not wait for the sleepers");
    assert.equal(utilization, 100);
    assert.equal(db.stats().timeouts, 1);
    assert.equal(db.stats().waiting, 0, "a timed-out waiter leaves the queue");

    await sleepers;
    const [row] = await db.asServiceRole("after", (tx) => tx`select 7 as n`);
    assert.equal(row.n, 7, "the pool recovers once connections free up");
  } finally {
    await db.end();
  }
});

Deno.test("the wait queue is bounded: beyond maxWaiting a borrower is refused at once", async () => {
  const db = testDb({ max: 1, maxWaiting: 1, acquireTimeoutMs: 10_000 });
  try {
    const holder = db.asServiceRole("holder", (tx) => tx`select pg_sleep(0.5)`);
    while (db.stats().active < 1) await new Promise((r) => setTimeout(r, 5));
    const waiter = db.asServiceRole("waiter", (tx) => tx`select 1 as one`);
    const refused = await db.asServiceRole("third", (tx) => tx`select 1`).then(
      () => assert.fail("expected pool_exhausted"),
      (e) => e,
    );
    assert.equal(refused.code, "pool_exhausted");
    assert.equal(db.stats().waiting, 1, "the refusal happened while the waiter still waited");
    await holder;
    assert.equal((await waiter)[0].one, 1, "the queued waiter is served once the holder is done");
  } finally {
    await db.end();
  }
});

Deno.test("the statement timeout gives a typed 504, per pool and per transaction", async () => {
  const db = testDb({ statementTimeoutMs: 200 });
  try {
    for (
      const run of [
        () => db.asServiceRole("slow", (tx) => tx`select pg_sleep(1)`),
        () => db.asUser({ role: "anon" }, (tx) => tx`select pg_sleep(1)`),
      ]
    ) {
      const err = await run().then(() => assert.fail("expected a timeout"), (e) => e);
      assert.ok(err instanceof AppError);
      assert.equal(err.status, 504);
      assert.equal(err.code, "timeout");
      assert.equal((err.cause as { code?: string }).code, "57014");
    }
    const ok = await db.asServiceRole("longer", (tx) => tx`select pg_sleep(0.3) is null as slept`, {
      statementTimeoutMs: 2_000,
    });
    assert.equal(ok[0].slept, false, "a per-transaction timeout overrides the pool's");
  } finally {
    await db.end();
  }
});

Deno.test("an unreachable database gives 503 db_unavailable with Retry-After", async () => {
  const db = testDb({
    url: "postgres://postgres:postgres@127.0.0.1:1/postgres",
    connectTimeoutS: 2,
  });
  try {
    const err = await db.asServiceRole("down", (tx) => tx`select 1`).then(
      () => assert.fail("expected db_unavailable"),
      (e) => e,
    );
    assert.equal(err.status, 503);
    assert.equal(err.code, "db_unavailable");
    assert.equal(err.retryAfter, 1);
    assert.equal(db.stats().active, 0, "the slot is given back after a connection failure");
  } finally {
    await db.end();
  }
});

Deno.test("DB_POOL_MIN connections are opened on first use", async () => {
  const name = `dbtest-warm-${crypto.randomUUID().slice(0, 8)}`;
  // Direct connection: through pgbouncer, server connections do not map to this pool's clients.
  const db = testDb({ url: directUrl(), min: 3, max: 5, applicationName: name });
  try {
    await db.asServiceRole("warm", (tx) => tx`select 1`);
    let count = 0;
    for (let i = 0; i < 100 && count < 3; i++) {
      [{ count }] = await withAdmin((sql) =>
        sql`select count(*)::int as count from pg_stat_activity where application_name = ${name}`
      );
      if (count < 3) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(count >= 3 && count <= 5, `expected 3–5 connections, saw ${count}`);
  } finally {
    await db.end();
  }
});

Deno.test("the module pool is one per isolate and reports its stats", async () => {
  try {
    assert.equal(getDb(), getDb());
    const before = getPoolStats().queries;
    const [row] = await getDb().asServiceRole("singleton", (tx) => tx`select 1 as one`);
    assert.equal(row.one, 1);
    const stats = getPoolStats();
    assert.equal(stats.queries, before + 1);
    assert.equal(stats.max, Number(Deno.env.get("DB_POOL_MAX") ?? 10));
  } finally {
    await closeDb();
  }
});
