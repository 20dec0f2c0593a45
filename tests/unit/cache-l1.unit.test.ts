/**
 * The cache without Redis (L1 only, as a function runs when UPSTASH_* is unset): cache-aside,
 * single-flight per loader scope, invalidation by key and tag, the stale-fill guard — and the
 * key builders every service uses.
 */
import assert from "node:assert/strict";
import { cacheKey, createCache, listKey, scopedKey } from "../../shared/cache/index.ts";

const deferred = <T>() => {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => resolve = r);
  return { promise, resolve };
};

Deno.test("cache L1: a miss loads once, then hits; values are copies, never shared objects", async () => {
  const cache = createCache({ namespace: "unit" });
  let calls = 0;
  const load = () => ({ n: ++calls, list: [1, 2] });
  const first = await cache.getOrSetWithInfo("k", load, 60);
  const second = await cache.getOrSetWithInfo("k", load, 60);
  assert.deepEqual([first.source, second.source], ["loader", "l1"]);
  assert.equal(calls, 1);
  second.value.list.push(3);
  assert.deepEqual((await cache.get<{ list: number[] }>("k"))?.list, [1, 2]);
  assert.equal(cache.getStats().hitRate, 66.67);
});

Deno.test("cache L1: concurrent misses share one load within a scope, not across scopes", async () => {
  const cache = createCache({ namespace: "unit" });
  const gate = deferred<string>();
  let calls = 0;
  const load = () => (calls++, gate.promise);
  const a = cache.getOrSetWithInfo("k", load, { ttl: 60, scope: "manager:1" });
  const b = cache.getOrSetWithInfo("k", load, { ttl: 60, scope: "manager:1" });
  const c = cache.getOrSetWithInfo("k", load, { ttl: 60, scope: "manager:2" });
  gate.resolve("v");
  const [ra, rb, rc] = await Promise.all([a, b, c]);
  assert.equal(calls, 2, "one load per scope");
  assert.deepEqual([ra.source, rb.source, rc.source], ["loader", "joined", "loader"]);
  assert.equal(cache.getStats().joins, 1);
});

Deno.test("cache L1: invalidating a tag drops entries and refuses a fill that started before", async () => {
  const cache = createCache({ namespace: "unit" });
  await cache.set("project:1", { v: 1 }, { ttl: 60, tags: ["project:1"] });
  await cache.invalidate({ tags: ["project:1"] });
  assert.equal(await cache.get("project:1"), undefined);

  const gate = deferred<{ v: number }>();
  const slow = cache.getOrSet("detail:1", () => gate.promise, { ttl: 60, tags: ["project:1"] });
  await cache.invalidate({ tags: ["project:1"] }); // a write lands while the load runs
  gate.resolve({ v: 2 });
  assert.deepEqual(await slow, { v: 2 }, "the caller still gets its answer");
  assert.equal(await cache.get("detail:1"), undefined, "but the old read is not cached");
  assert.equal(cache.getStats().l1.entries, 0);
});

Deno.test("cache L1: a loader's error reaches the caller and is not cached", async () => {
  const cache = createCache({ namespace: "unit" });
  await assert.rejects(cache.getOrSet("k", () => Promise.reject(new Error("db down")), 60), {
    message: "db down",
  });
  assert.equal(await cache.getOrSet("k", () => "ok", 60), "ok");
  assert.equal(cache.getStats().loaderErrors, 1);
});

Deno.test("cache keys: stable whatever the filter order; user input cannot fake a part", () => {
  assert.equal(
    listKey("projects", { status: "active", limit: 20, q: undefined }),
    listKey("projects", { limit: 20, status: "active" }),
  );
  assert.equal(
    listKey("projects", { status: "active", limit: 20 }),
    "projects:list:limit=20&status=active",
  );
  assert.notEqual(cacheKey("project", "a:b"), cacheKey("project", "a", "b"));
  assert.notEqual(
    listKey("projects", { q: "x&status=active" }),
    listKey("projects", { q: "x", status: "active" }),
  );
  assert.notEqual(scopedKey("k", "manager:1"), scopedKey("k", "manager:2"));
});
