/**
 * Issue 9.4: pgbouncer restarting under load must never strand a borrow. A private pgbouncer is
 * killed and started 20 times while six workers run transactions through a pool of four; every
 * transaction must settle by its deadline, the pool must be idle afterwards, and it must serve.
 */
import assert from "node:assert/strict";
import { runWithContext } from "../../../shared/context.ts";
import { createDb } from "../../../shared/db/index.ts";
import { directUrl } from "../db/fixtures.ts";
import { DisposablePgbouncer } from "./fixtures/pgbouncer.ts";

const DEADLINE_MS = 3000;
const RESTARTS = 20;

Deno.test(`pgbouncer killed and restarted ${RESTARTS}× under load: nothing hangs, the pool ends idle`, async () => {
  const pgb = await new DisposablePgbouncer(directUrl(), 4).start();
  const db = createDb({ url: pgb.url(), max: 4, min: 2, connectTimeoutS: 2 });
  let running = true;
  const outcomes: { ms: number; ok: boolean; code?: string; at: number }[] = [];
  const worker = async () => {
    while (running) {
      const started = performance.now();
      try {
        await runWithContext(
          { requestId: "restart-test", deadline: started + DEADLINE_MS },
          () => db.asServiceRole("restart load", (tx) => tx`select pg_sleep(0.02), 1 as one`),
        );
        outcomes.push({ ms: performance.now() - started, ok: true, at: performance.now() });
      } catch (error) {
        outcomes.push({
          ms: performance.now() - started,
          ok: false,
          code: (error as { code?: string }).code,
          at: performance.now(),
        });
      }
    }
  };
  try {
    const workers = Array.from({ length: 6 }, worker);
    for (let i = 0; i < RESTARTS; i++) {
      await new Promise((r) => setTimeout(r, 150));
      await pgb.kill();
      await new Promise((r) => setTimeout(r, 30));
      await pgb.start();
    }
    const lastBack = performance.now();
    await new Promise((r) => setTimeout(r, 1500));
    running = false;
    await Promise.all(workers);

    const slowest = Math.max(...outcomes.map((o) => o.ms));
    assert.ok(slowest < DEADLINE_MS + 500, `a transaction took ${Math.round(slowest)} ms`);
    const codes = new Set(outcomes.filter((o) => !o.ok).map((o) => o.code));
    for (const code of codes) {
      assert.ok(["db_unavailable", "timeout", "pool_exhausted"].includes(code!), `code ${code}`);
    }
    assert.ok(outcomes.some((o) => !o.ok), "the restarts were felt");
    assert.ok(
      outcomes.filter((o) => o.at > lastBack + 1000).every((o) => o.ok),
      "every transaction after the last restart succeeded",
    );
    const stats = db.stats();
    assert.equal(stats.active, 0, "no stranded borrow");
    assert.equal(stats.waiting, 0);
    const [row] = await db.asServiceRole("after", (tx) => tx`select 1 as one`);
    assert.equal(row.one, 1);
  } finally {
    running = false;
    await db.end();
    await pgb.close();
  }
});
