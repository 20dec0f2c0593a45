/**
 * Issue 9.5: the L2 breaker recovers and a backlog of missed invalidations drains, also when
 * Redis is slow. The backlog used to go out as ONE script call: on a busy machine that call
 * outlived the L2 timeout every time, so the half-open probe failed forever, the breaker never
 * closed and the backlog never shrank. Here a proxy makes Redis answer in time proportional to
 * the request's size (as a starved machine does); the backlog must still drain, in bounded calls.
 */
import assert from "node:assert/strict";
import { createCache } from "../../../shared/cache/index.ts";
import { CircuitBreaker } from "../../../shared/cache/breaker.ts";
import { DisposableRedis, sleep, testNamespace } from "../cache/fixtures/redis.ts";

Deno.test("breaker: opens after the threshold, probes once when half-open, closes on success", () => {
  let now = 0;
  const b = new CircuitBreaker(3, 1000, () => now);
  for (let i = 0; i < 3; i++) b.failure();
  assert.equal(b.state, "open");
  assert.equal(b.allow(), false);
  now = 1000;
  assert.equal(b.state, "half-open");
  assert.equal(b.allow(), true, "one probe");
  assert.equal(b.allow(), false, "only one at a time");
  b.failure();
  assert.equal(b.state, "open", "a failed probe opens it again");
  now = 2000;
  assert.equal(b.allow(), true);
  b.success();
  assert.equal(b.state, "closed");
  assert.equal(b.opens, 2);
});

Deno.test("breaker under a supervisor: stays open for calls until the supervisor closes it", () => {
  let now = 0;
  const b = new CircuitBreaker(1, 100, () => now);
  b.probeBySupervisor = true;
  b.failure();
  now = 10_000;
  assert.equal(b.state, "open");
  assert.equal(b.allow(), false, "calls never probe by themselves");
  b.success();
  assert.equal(b.allow(), true);
});

/** A proxy to the bridge that takes 1 ms per 100 bytes of request before answering. */
function slowProxy(target: string): { url: string; close: () => Promise<void> } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.arrayBuffer();
    await sleep(body.byteLength / 100);
    const url = new URL(req.url);
    const res = await fetch(`${target}${url.pathname}${url.search}`, {
      method: req.method,
      headers: req.headers,
      body,
    });
    return new Response(res.body, { status: res.status, headers: res.headers });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

Deno.test("a backlog of 3000 missed invalidations drains through a slow Redis, and the breaker closes", async () => {
  const redis = await new DisposableRedis().start();
  const proxy = slowProxy(redis.url);
  try {
    const c = createCache({
      redisUrl: proxy.url,
      redisToken: redis.token,
      namespace: testNamespace(),
      l2TimeoutMs: 300,
      breakerThreshold: 3,
      breakerOpenMs: 200,
      l1Enabled: false,
    });
    await c.set("row", "v1", { ttl: 60, tags: ["project:0"] });
    await redis.stopRedis();
    const tags = Array.from({ length: 3000 }, (_, i) => `project:${i}`);
    for (let i = 0; i < tags.length; i += 100) {
      await c.invalidate({ tags: tags.slice(i, i + 100) });
    }
    assert.equal(c.getStats().pendingInvalidations, 3000);
    assert.equal(c.getStats().l2.breaker, "open");
    await redis.start();

    const until = performance.now() + 15_000;
    while (performance.now() < until && c.getStats().pendingInvalidations > 0) {
      await c.get("row"); // reads drive the replay, as traffic does
      await sleep(50);
    }
    const s = c.getStats();
    assert.equal(s.pendingInvalidations, 0, "the backlog drained");
    assert.equal(s.l2.breaker, "closed");
    assert.equal(await c.get("row"), undefined, "the invalidation of project:0 held");
  } finally {
    await proxy.close();
    await redis.close();
  }
});
