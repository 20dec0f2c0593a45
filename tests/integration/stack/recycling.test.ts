/**
 * What worker recycling changes, with the real functions behind a gateway of each test's own
 * (short wall clock or idle period; scripts/stack/edge-runtime.ts): a cold start warms L1 from L2
 * and replays the outbox before it reads Redis; a retired worker leaves no connection in the
 * pooler and recycling workers stay within the client budget of docs/edge-runtime.md; the job
 * worker stops at the wall clock when it ends before the run's budget.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { type Gateway, startGateway } from "../../../scripts/stack/gateway.ts";
import type { Recycling } from "../../../scripts/stack/edge-runtime.ts";
import { closeDb, db, env, tokenFor } from "../../helpers/client.ts";
import { noWorkerRunning, withoutScheduler } from "../../helpers/scheduler.ts";
import { configPath } from "./fixtures/gateway.ts";

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function gatewayOf(
  fn: string,
  recycling: Recycling,
  extraEnv: Record<string, string> = {},
  instances = 1,
): Promise<
  Gateway & {
    call(path: string, init?: RequestInit): Promise<Response>;
    slots(): Promise<{ state: string; retired: Record<string, number> }[]>;
  }
> {
  const gateway = await startGateway({
    configPath: configPath(`${fn}.toml`),
    port: 0,
    instances,
    recycling,
    env: { ...Deno.env.toObject(), LOG_REQUESTS: "0", ...extraEnv },
    log: () => {},
  });
  return {
    ...gateway,
    // `path` after the function's name: "run", "<id>", or a query ("?limit=5").
    call: (path, init) =>
      fetch(`${gateway.url}/functions/v1/${fn}${path.startsWith("?") ? "" : "/"}${path}`, init),
    slots: async () => (await (await fetch(`${gateway.url}/health`)).json()).functions[fn].slots,
  };
}

async function until<T>(what: string, check: () => Promise<T>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(100);
  }
}

const allCold = (gateway: Awaited<ReturnType<typeof gatewayOf>>) =>
  until(
    "every worker to retire",
    async () => (await gateway.slots()).every((slot) => slot.state === "cold"),
  );

Deno.test("a cold start warms L1 from L2, and replays the outbox before it reads Redis", async () => {
  // A cache namespace of its own: no worker of the stack's replays these rows.
  const namespace = `recycle-${crypto.randomUUID().slice(0, 8)}`;
  const gateway = await gatewayOf("candidates", { wallClockS: 0, idleS: 1 }, {
    CACHE_NAMESPACE: namespace,
  });
  const [{ id, phone }] = await db()`
    select id::text, phone from public.candidates where phone is not null order by id limit 1`;
  const headers = { authorization: `Bearer ${await tokenFor("admin")}` };
  const read = async () => {
    const response = await gateway.call(id, { headers });
    assert.equal(response.status, 200);
    return { cache: response.headers.get("x-cache"), body: await response.json() };
  };
  try {
    assert.equal((await read()).cache, "loader");
    assert.equal((await read()).cache, "l1");

    // A fresh worker: its L1 is empty, L2 (Redis) still holds the record.
    await allCold(gateway);
    assert.equal((await read()).cache, "l2");
    assert.equal((await read()).cache, "l1");

    // No worker alive; an operator's SQL write leaves an outbox row nobody can replay.
    await allCold(gateway);
    const newPhone = `01${String(Date.now()).slice(-8)}`;
    await db()`update public.candidates set phone = ${newPhone} where id = ${id}::uuid`;
    const waiting = () =>
      db()`select 1 from private.cache_invalidations
            where namespace like ${namespace + "%"} and ${`candidate:${id}`} = any (tags)`;
    await sleep(6_000); // past the replay bound (two intervals of 2 s + 1 s of grace)
    assert.equal((await waiting()).length, 1, "the row waits for a worker");

    // The next request's cold start replays it before any read meets Redis.
    const fresh = await read();
    assert.equal(fresh.body.phone ?? fresh.body.data?.phone, newPhone);
    assert.notEqual(fresh.cache, "l2");
    assert.equal((await waiting()).length, 0, "replayed by the new worker");
  } finally {
    await db()`update public.candidates set phone = ${phone} where id = ${id}::uuid`;
    await gateway.close();
  }
});

Deno.test("recycling workers stay within the pooler budget, and a retired one leaves no connection", async () => {
  const appName = `recycle-${crypto.randomUUID().slice(0, 8)}`;
  const instances = 4;
  const poolMax = 4;
  // A wall clock longer than the grace: a slot never has more than two workers at once.
  const gateway = await gatewayOf("projects", { wallClockS: 3, idleS: 1 }, {
    DB_APPLICATION_NAME: appName,
    DB_POOL_MAX: String(poolMax),
    DB_POOL_MIN: "1",
  }, instances);
  const admin = postgres(
    `postgres://postgres:postgres@127.0.0.1:${env("POOLER_PORT")}/pgbouncer`,
    { prepare: false, fetch_types: false, max: 1, onnotice: () => {} },
  );
  const clients = async () =>
    (await admin.unsafe("show clients").simple())
      .filter((row) => row.application_name === appName).length;
  const headers = { authorization: `Bearer ${await tokenFor("admin")}` };
  try {
    let stop = false;
    let peak = 0;
    let requests = 0;
    const sampler = (async () => {
      while (!stop) {
        peak = Math.max(peak, await clients());
        await sleep(50);
      }
    })();
    // Eight callers for 7 s: every worker retires on its 2 s wall clock a few times under load.
    const load = Array.from({ length: 8 }, async () => {
      const end = Date.now() + 7_000;
      while (Date.now() < end) {
        const response = await gateway.call("?limit=5", { headers });
        const text = await response.text();
        assert.equal(response.status, 200, text);
        requests++;
      }
    });
    try {
      await Promise.all(load);
    } finally {
      stop = true;
      await sampler;
    }
    const retired = (await gateway.slots())
      .reduce((n, slot) => n + (slot.retired.wall_clock ?? 0), 0);
    assert.ok(retired >= instances, `${retired} retirements under load`);
    assert.ok(peak > 0, "the sampler saw the workers' connections");
    // The budget (docs/edge-runtime.md): 2 × instances × DB_POOL_MAX — a retiring worker
    // drains beside its successor for at most the grace.
    const budget = 2 * instances * poolMax;
    assert.ok(peak <= budget, `peak ${peak} clients > ${budget}`);
    console.log(
      `pooler clients: peak ${peak} (budget ${budget}), ${requests} requests, ` +
        `${retired} retirements`,
    );

    // Idle, every worker is dropped; none leaves a connection behind.
    await allCold(gateway);
    assert.equal(
      await until(
        "the pooler to drop them",
        async () => (await clients()) === 0 ? "none" : undefined,
        5_000,
      ),
      "none",
    );
  } finally {
    await admin.end();
    await gateway.close();
  }
});

Deno.test("the job worker stops claiming at its wall clock, and hands back what it had not started", async () => {
  const sql = db();
  await withoutScheduler(sql, async () => {
    await noWorkerRunning(sql);
    const tag = crypto.randomUUID();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const [{ id }] = await sql`
        select queue.send('probe', ${sql.json({ sleep_ms: 600, tag })}, 0, 0)::text as id`;
      ids.push(id);
    }
    // One job at a time, batches of 5, a 60 s budget — and a 3 s wall clock.
    const gateway = await gatewayOf("jobs", { wallClockS: 3, idleS: 0 }, {
      JOBS_CONCURRENCY: "1",
      JOBS_BATCH: "5",
    });
    try {
      const started = performance.now();
      const response = await gateway.call("run", {
        method: "POST",
        headers: {
          authorization: `Bearer ${env("SUPABASE_SERVICE_ROLE_KEY")}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ queues: ["probe"], budget_ms: 60_000 }),
      });
      const ms = performance.now() - started;
      // Answered before the worker was gone: not cut off, not past the wall clock's grace.
      assert.equal(response.status, 200, await response.clone().text());
      const report = await response.json();
      assert.ok(ms < 3_000 + 3_000, `answered after ${Math.round(ms)} ms`);
      assert.ok(report.succeeded >= 1 && report.succeeded < 10, JSON.stringify(report));
      await until("the retirement", async () => (await gateway.slots())[0].retired.wall_clock);

      // Nothing left running under the retired worker's claim; the rest is claimable now.
      const states = await sql<{ state: string; due: boolean }[]>`
        select state, run_at <= clock_timestamp() as due from queue.jobs
         where id = any(${ids}::uuid[])`;
      assert.equal(states.filter((s) => s.state === "running").length, 0);
      assert.ok(states.every((s) => s.state === "queued" && s.due), JSON.stringify(states));
      assert.equal(states.length + report.succeeded, 10);
      await sql`select queue.cancel(id) from queue.jobs where id = any(${ids}::uuid[])`;
    } finally {
      await gateway.close();
    }
  });
});

Deno.test({
  name: "close connections",
  fn: async () => {
    await closeDb();
  },
});
