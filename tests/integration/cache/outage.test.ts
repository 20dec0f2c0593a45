/**
 * L2 outages on a private redis-server (never the stack's): every call still answers, the
 * breaker opens and closes again, and missed invalidations are replayed.
 */
import assert from "node:assert/strict";
import { createCache } from "../../../shared/cache/index.ts";
import { DisposableRedis, sleep, testNamespace } from "./fixtures/redis.ts";

Deno.test("outage: redis stopped mid-test → answers from L1/loader, breaker opens, then recovers", async () => {
  const redis = await new DisposableRedis().start();
  try {
    const opts = {
      redisUrl: redis.url,
      redisToken: redis.token,
      namespace: testNamespace(),
      l2TimeoutMs: 1000,
      breakerThreshold: 3,
      breakerOpenMs: 300,
    };
    const c = createCache({ ...opts, l1Enabled: false });
    const db = new Map([["a", 1], ["b", 2], ["c", 3]]);
    const load = (k: string) => () => db.get(k)!;

    assert.deepEqual(await c.getOrSetWithInfo("a", load("a"), 60), { value: 1, source: "loader" });
    assert.deepEqual(await c.getOrSetWithInfo("a", load("a"), 60), { value: 1, source: "l2" });

    await redis.stopRedis();
    for (let i = 0; i < 10; i++) {
      for (const k of ["a", "b", "c"]) assert.equal(await c.getOrSet(k, load(k), 60), db.get(k));
    }
    await c.set("b", 20, 60); // write-through while down: must not throw
    await c.invalidate({ keys: ["c"], tags: ["project:1"] });
    const down = c.getStats();
    assert.equal(down.l2.errors >= 3, true, `errors ${down.l2.errors}`);
    assert.equal(down.l2.breaker, "open");
    assert.equal(down.l2.breakerOpens >= 1, true);
    assert.equal(down.fallbacks, 30, "every read during the outage fell back");
    assert.equal(down.loaderCalls, 31);
    assert.equal(down.pendingInvalidations, 3, "b (failed write-through), c and project:1");

    await redis.start();
    await sleep(350); // past breakerOpenMs: the next call is the half-open probe
    db.set("a", 10);
    assert.deepEqual(await c.getOrSetWithInfo("a", load("a"), 60), { value: 10, source: "loader" });
    const up = c.getStats();
    assert.equal(up.l2.breaker, "closed");
    assert.equal(up.pendingInvalidations, 0, "replayed once redis was back");
    assert.deepEqual(await c.getOrSetWithInfo("a", load("a"), 60), { value: 10, source: "l2" });
    const peer = createCache({ ...opts, namespace: opts.namespace });
    assert.equal((await peer.getOrSetWithInfo("a", load("a"), 60)).source, "l2");
  } finally {
    await redis.close();
  }
});

Deno.test("outage: a hung redis costs one timeout per call, then the breaker skips it", async () => {
  const redis = await new DisposableRedis().start();
  try {
    const c = createCache({
      redisUrl: redis.url,
      redisToken: redis.token,
      namespace: testNamespace(),
      l2TimeoutMs: 200,
      breakerThreshold: 2,
      breakerOpenMs: 300,
      l1Enabled: false,
    });
    await c.set("row", "v1", { ttl: 60, tags: ["project:1"] });
    assert.equal(await c.get("row"), "v1");

    redis.pause();
    assert.equal(await c.getOrSet("x", () => "from-loader", 60), "from-loader");
    await c.invalidate({ tags: ["project:1"] }); // times out: kept for replay
    assert.equal(await c.getOrSet("y", () => "skipped", 60), "skipped");
    const s = c.getStats();
    assert.equal(s.l2.timeouts, 2);
    assert.equal(s.l2.breaker, "open");
    assert.equal(s.fallbacks, 2);
    assert.equal(s.pendingInvalidations, 1);
    redis.resume();

    await sleep(350); // past breakerOpenMs
    assert.equal(await c.get("row"), undefined, "the invalidation made during the hang holds");
    assert.equal(c.getStats().l2.breaker, "closed");
    assert.equal(c.getStats().pendingInvalidations, 0);
  } finally {
    await redis.close();
  }
});

Deno.test("outage: a server that never answers is cut off at the timeout", async () => {
  const hang = Promise.withResolvers<void>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async () => {
      await hang.promise;
      return new Response("{}");
    },
  );
  try {
    const c = createCache({
      redisUrl: `http://127.0.0.1:${server.addr.port}`,
      redisToken: "t",
      namespace: testNamespace(),
      l2TimeoutMs: 100,
    });
    assert.deepEqual(await c.getOrSetWithInfo("k", () => "v", 60), {
      value: "v",
      source: "loader",
    });
    assert.deepEqual(await c.getOrSetWithInfo("k", () => "w", 60), { value: "v", source: "l1" });
    const s = c.getStats();
    // The read, and the bus read the first lookup started (it began first, with the same timeout).
    assert.equal(s.bus.reads, 1);
    assert.equal(s.l2.timeouts, 2);
    assert.equal(s.fallbacks, 1);
  } finally {
    hang.resolve();
    await server.shutdown();
  }
});
