import assert from "node:assert/strict";
import { AppError } from "../../../shared/errors.ts";
import { testDb, withAdmin } from "./fixtures.ts";

Deno.test("a server connection killed mid-transaction → 503 db_unavailable, and the pool recovers", async () => {
  const db = testDb({ max: 1, min: 1 });
  const marker = `victim_${crypto.randomUUID().replaceAll("-", "")}`;
  try {
    // The outcome is captured at once: the rejection arrives while the test is still polling.
    const victim = db.asServiceRole("victim", (tx) => tx.unsafe(`select pg_sleep(5) as ${marker}`))
      .then(() => assert.fail("expected db_unavailable"), (e) => e);
    let killed = 0;
    for (let i = 0; i < 200 && killed === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      [{ killed }] = await withAdmin((sql) =>
        sql`select count(pg_terminate_backend(pid))::int as killed from pg_stat_activity
            where query like ${`%${marker}%`} and pid <> pg_backend_pid()`
      );
    }
    assert.equal(killed, 1);
    const err = await victim;
    assert.ok(err instanceof AppError);
    assert.equal(err.status, 503);
    assert.equal(err.code, "db_unavailable");
    assert.equal(err.retryAfter, 1);

    for (let i = 0; i < 3; i++) {
      const [row] = await db.asServiceRole("after kill", (tx) => tx`select ${i}::int as i`);
      assert.equal(row.i, i, "the pool serves requests again on a fresh connection");
    }
    assert.equal(db.stats().active, 0);
  } finally {
    await db.end();
  }
});
