/**
 * The invalidation bus (shared/cache/bus.ts) against the real bridge + redis: two caches of one
 * namespace stand for two isolates. L1 entries live until invalidated while the bus vouches for
 * them; without it they live the staleness bound.
 */
import assert from "node:assert/strict";
import { Redis } from "@upstash/redis";
import { sharedL2, sleep, testCache } from "./fixtures/redis.ts";

const l2 = await sharedL2();
addEventListener("unload", () => void l2.close());

const BOUND_MS = 400;
const INTERVAL_MS = 50;

function pair() {
  const a = testCache(l2, { staleBoundMs: BOUND_MS, busIntervalMs: INTERVAL_MS });
  const b = testCache(l2, {
    namespace: a.options.namespace,
    staleBoundMs: BOUND_MS,
    busIntervalMs: INTERVAL_MS,
  });
  return { a, b };
}

/** Reads `key` from `c` every 20 ms for `ms`; the sources seen, in order. */
async function readFor(
  c: ReturnType<typeof testCache>,
  key: string,
  ms: number,
  load: () => string,
) {
  const seen: { source: string; value: string; at: number }[] = [];
  const start = performance.now();
  while (performance.now() - start < ms) {
    const { value, source } = await c.getOrSetWithInfo(key, load, { ttl: 60, tags: ["t:" + key] });
    seen.push({ source, value, at: performance.now() - start });
    await sleep(20);
  }
  return seen;
}

Deno.test("bus: an entry outlives the bound while the bus vouches for it", async () => {
  const { a, b } = pair();
  await a.getOrSet("p", () => "v1", 60);
  assert.equal((await b.getOrSetWithInfo("p", () => "never", 60)).source, "l2");
  const seen = await readFor(b, "p", BOUND_MS * 3, () => "never");
  assert.deepEqual(new Set(seen.map((s) => s.source)), new Set(["l1"]), JSON.stringify(seen));
  assert.ok(b.getStats().bus.reads >= 5, JSON.stringify(b.getStats().bus));
  await sleep(INTERVAL_MS * 3); // reads in flight settle before the test ends
});

Deno.test("bus: another isolate's invalidation reaches L1 within the bound", async () => {
  const { a, b } = pair();
  let version = "v1";
  const load = () => version;
  await readFor(b, "q", 100, load);
  await readFor(a, "q", 100, load);
  version = "v2";
  const wrote = performance.now();
  await a.invalidate({ tags: ["t:q"] });
  const seen = await readFor(b, "q", BOUND_MS * 2, load);
  const first = seen.find((s) => s.value === "v2");
  assert.ok(first, JSON.stringify(seen));
  assert.ok(
    first.at <= BOUND_MS,
    `b saw the write ${Math.round(first.at)} ms after it (bound ${BOUND_MS} ms)`,
  );
  assert.ok(seen.slice(seen.indexOf(first)).every((s) => s.value === "v2"));
  assert.ok(performance.now() - wrote > BOUND_MS);
  assert.ok(b.getStats().bus.applied >= 1, JSON.stringify(b.getStats().bus));
  // A writer does not apply its own invalidations twice.
  await a.readBus();
  assert.equal(a.getStats().bus.applied, 0);
  await sleep(INTERVAL_MS * 3);
});

Deno.test("bus: with Redis unreachable an L1 entry lives the bound, not its TTL", async () => {
  const c = testCache(
    { url: "http://127.0.0.1:9", token: "t", close: async () => {} },
    { staleBoundMs: 200, busIntervalMs: INTERVAL_MS, l2TimeoutMs: 100 },
  );
  let calls = 0;
  await c.getOrSet("r", () => ++calls, 60);
  assert.equal((await c.getOrSetWithInfo("r", () => ++calls, 60)).source, "l1");
  await sleep(300);
  assert.deepEqual(await c.getOrSetWithInfo("r", () => ++calls, 60), {
    value: 2,
    source: "loader",
  });
  await sleep(150);
});

Deno.test("bus: a reader whose position was trimmed away starts over and keeps the bound", async () => {
  const { a, b } = pair();
  await b.readBus(); // b knows its position
  await a.invalidate({ keys: ["x"] });
  await b.readBus();
  const redis = new Redis({ url: l2.url, token: l2.token, enableTelemetry: false });
  await redis.del(`${a.prefix}#bus`);
  let version = "old";
  await readFor(b, "s", 60, () => version);
  version = "new";
  await a.invalidate({ keys: ["s"] });
  await b.readBus();
  assert.equal(b.getStats().bus.gaps, 1);
  assert.equal((await b.getOrSetWithInfo("s", () => version, 60)).value, "new");
  await sleep(INTERVAL_MS * 3);
});
