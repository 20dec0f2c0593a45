/**
 * Issue 9.3: every request has an end-to-end deadline. Database work past it is stopped — the
 * connection is dropped and the server's own statement timeout is the same instant — and the
 * caller gets 504 `timeout`. A payment cut off that way either did not commit (then its retry
 * creates it) or committed just before (then its retry under the same Idempotency-Key replays
 * the original answer): both are shown here, with the stall put exactly where each happens.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { toCaller } from "../../../shared/caller.ts";
import { runWithContext } from "../../../shared/context.ts";
import { closeDb, createDb, reopenDb } from "../../../shared/db/index.ts";
import { AppError } from "../../../shared/errors.ts";
import { createApp } from "../../../shared/http/index.ts";
import { createPayment } from "../../../shared/services/payments/index.ts";
import { DEMO_USERS } from "../../../scripts/seed/demo-users.ts";
import { mintUserJwt } from "../../../scripts/stack/keys.ts";
import { directUrl, poolerUrl } from "../db/fixtures.ts";
import { DisposablePgbouncer } from "./fixtures/pgbouncer.ts";
import { StallProxy } from "./fixtures/stall-proxy.ts";

const within = (deadlineMs: number) => ({
  requestId: "deadline-test",
  deadline: performance.now() + deadlineMs,
});

async function rejection(p: Promise<unknown>): Promise<AppError> {
  return await p.then(() => assert.fail("expected a rejection"), (e) => e);
}

Deno.test("a full pooler: each transaction ends at its deadline with 504, the pool is idle after", async () => {
  const pgb = await new DisposablePgbouncer(directUrl(), 1).start();
  const holder = postgres(pgb.url(), { max: 1, onnotice: () => {} });
  const db = createDb({ url: pgb.url(), max: 3, min: 1 });
  try {
    const held = holder.begin((tx) => tx`select pg_sleep(4)`);
    await new Promise((r) => setTimeout(r, 300)); // the only server slot is taken
    const started = performance.now();
    const outcomes = await Promise.all(
      [1, 2, 3].map(() =>
        rejection(
          runWithContext(within(1000), () => db.asServiceRole("queued", (tx) => tx`select 1`)),
        )
      ),
    );
    const took = performance.now() - started;
    for (const err of outcomes) {
      assert.ok(err instanceof AppError, String(err));
      assert.equal(err.status, 504);
      assert.equal(err.code, "timeout");
    }
    assert.ok(took < 1600, `took ${Math.round(took)} ms for a 1000 ms deadline`);
    const stats = db.stats();
    assert.equal(stats.active, 0);
    assert.equal(stats.waiting, 0);
    assert.equal(stats.deadlineAborts, 3);
    await held;
    const [row] = await db.asServiceRole("after", (tx) => tx`select 7 as n`);
    assert.equal(row.n, 7, "fresh connections replace the dropped ones");
  } finally {
    await db.end();
    await holder.end({ timeout: 1 });
    await pgb.close();
  }
});

Deno.test("the statement timeout is the deadline's remainder, so the server stops by itself too", async () => {
  const db = createDb({ url: poolerUrl(), max: 1, min: 1, statementTimeoutMs: 30_000 });
  try {
    const [row] = await runWithContext(
      within(800),
      () =>
        db.asServiceRole("timeout", (tx) => tx`select current_setting('statement_timeout') as t`),
    );
    const ms = Number(String(row.t).replace("ms", ""));
    assert.ok(ms > 0 && ms <= 800, `statement_timeout ${row.t}`);
  } finally {
    await db.end();
  }
});

const finance = toCaller({
  id: DEMO_USERS.finance.id,
  role: "authenticated",
  appRole: "finance",
  claims: { sub: DEMO_USERS.finance.id, role: "authenticated", app_metadata: { role: "finance" } },
});

/** Runs `fn` with the module pool (what the services use) going through `url`. */
async function withPoolerUrl<T>(url: string, fn: () => Promise<T>): Promise<T> {
  await reopenDb({ url });
  try {
    return await fn();
  } finally {
    await closeDb();
  }
}

async function paymentInput(sql: postgres.Sql, key: string) {
  const [pair] = await sql<{ project_id: string; candidate_id: string }[]>`
    select project_id, candidate_id from public.project_staff order by id limit 1`;
  return {
    ...pair,
    amount: "42.10",
    payment_date: new Date().toISOString().slice(0, 10),
    reference: key,
  };
}

async function count(sql: postgres.Sql, key: string): Promise<number> {
  const [{ n }] = await sql<{ n: number }[]>`
    select count(*)::int as n from public.payments where reference = ${key}`;
  return n;
}

for (
  const [when, pattern, committed] of [
    ["before COMMIT", /insert into public\.payments/, false],
    // The COMMIT query message itself (the key must not contain the word).
    // deno-lint-ignore no-control-regex -- the NUL that ends the COMMIT query message
    ["after COMMIT was sent", /commit\u0000/, true],
  ] as const
) {
  Deno.test(`a payment cut off by the deadline ${when}: ${committed ? "committed, the retry replays it" : "not committed, the retry creates it"}`, async () => {
    const sql = postgres(directUrl(), { max: 1, onnotice: () => {} });
    const proxy = new StallProxy(poolerUrl());
    const key = `deadline-${committed ? "late" : "early"}-${crypto.randomUUID()}`;
    try {
      const input = await paymentInput(sql, key);
      const err = await withPoolerUrl(proxy.url, async () => {
        // Warm the pool first (array types), then stall the payment's own connection.
        await runWithContext(within(5000), () =>
          createPayment(finance, `${key}-warm`, {
            ...input,
            reference: `${key}-warm`,
          }));
        proxy.arm(pattern);
        const started = performance.now();
        const e = await rejection(
          runWithContext(within(1000), () => createPayment(finance, key, input)),
        );
        assert.ok(proxy.stalled, "the stall was hit");
        assert.ok(performance.now() - started < 1600, "answered at the deadline");
        return e;
      });
      assert.ok(err instanceof AppError);
      assert.equal(err.status, 504);
      assert.equal(err.code, "timeout");
      proxy.release();
      // Give a dropped transaction time to roll back (or a sent COMMIT time to land).
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(await count(sql, key), committed ? 1 : 0);

      const retry = await createPayment(finance, key, input);
      assert.equal(retry.status, 201);
      assert.equal(retry.replayed, committed, committed ? "replayed" : "created anew");
      assert.equal(await count(sql, key), 1, "exactly one payment either way");
    } finally {
      proxy.close();
      await closeDb();
      await sql.end();
    }
  });
}

Deno.test("a handler that never answers gets 504 timeout JSON at the request deadline", async () => {
  const app = createApp("deadline-test", { requestTimeoutMs: 300 });
  app.get("/hang", () => new Promise<Response>(() => {}));
  const started = performance.now();
  const token = await mintUserJwt(DEMO_USERS.admin.id, "admin");
  const res = await app.request("/deadline-test/hang", {
    headers: { authorization: `Bearer ${token}` },
  });
  const took = performance.now() - started;
  assert.equal(res.status, 504);
  const body = await res.json();
  assert.equal(body.error.code, "timeout");
  assert.ok(body.request_id);
  assert.ok(took >= 290 && took < 800, `took ${Math.round(took)} ms`);
});
