/** Cache tiers against the real bridge + redis: accounting, TTLs, tags, shapes, modes. */
import assert from "node:assert/strict";
import { cacheKey, cacheTag, listKey, listTag, rowTags } from "../../../shared/cache/index.ts";
import { sharedL2, sleep, testCache } from "./fixtures/redis.ts";

const l2 = await sharedL2();
addEventListener("unload", () => void l2.close());

Deno.test("cache: miss → loader, then L1 hit; a fresh isolate hits L2", async () => {
  const a = testCache(l2);
  const b = testCache(l2, { namespace: a.options.namespace });
  let calls = 0;
  const load = () => ({ id: "p1", name: "Gala Dinner", calls: ++calls });

  assert.deepEqual(await a.getOrSetWithInfo("p1", load, 60), {
    value: { id: "p1", name: "Gala Dinner", calls: 1 },
    source: "loader",
  });
  assert.equal((await a.getOrSetWithInfo("p1", load, 60)).source, "l1");
  const fromB = await b.getOrSetWithInfo("p1", load, 60);
  assert.deepEqual(fromB, { value: { id: "p1", name: "Gala Dinner", calls: 1 }, source: "l2" });
  assert.equal((await b.getOrSetWithInfo("p1", load, 60)).source, "l1");
  assert.equal(calls, 1);

  const sa = a.getStats();
  assert.equal(sa.requests, 2);
  assert.equal(sa.l1.hits, 1);
  assert.equal(sa.l1.misses, 1);
  assert.equal(sa.l2.misses, 1);
  assert.equal(sa.l2.hits, 0);
  assert.equal(sa.loaderCalls, 1);
  assert.equal(sa.hitRate, 50);
  assert.equal(sa.l2.breaker, "closed");
  assert.ok(sa.l2.latencyMs.count >= 2);
  const sb = b.getStats();
  assert.equal(sb.l2.hits, 1);
  assert.equal(sb.l1.hits, 1);
  assert.equal(sb.loaderCalls, 0);
  assert.equal(sb.hitRate, 100);

  a.resetStats();
  assert.equal(a.getStats().requests, 0);
  assert.equal(a.getStats().hitRate, 0);
});

Deno.test("cache: the seed's getOrSet(key, fn, ttlSeconds) and get()", async () => {
  const c = testCache(l2);
  assert.equal(await c.get("k"), undefined);
  assert.equal(await c.getOrSet("k", () => "v", 300), "v");
  assert.equal(await c.get("k"), "v");
  c.clearLocal();
  assert.equal(await c.get("k"), "v"); // from L2
  assert.equal(c.getStats().l2.hits, 1);
});

Deno.test("cache: L1 and L2 TTLs expire", async () => {
  const c = testCache(l2, { l1TtlSeconds: 0.3 });
  let calls = 0;
  const load = () => ++calls;
  await c.getOrSet("short", load, { ttl: 0.8 });
  assert.equal((await c.getOrSetWithInfo("short", load, { ttl: 0.8 })).source, "l1");
  await sleep(400); // past L1's 0.3 s, inside L2's 0.8 s
  assert.equal((await c.getOrSetWithInfo("short", load, { ttl: 0.8 })).source, "l2");
  await sleep(900); // past L2's TTL too
  const after = await c.getOrSetWithInfo("short", load, { ttl: 0.8 });
  assert.deepEqual(after, { value: 2, source: "loader" });
});

Deno.test("cache: invalidation by key and by tag, across instances", async () => {
  const a = testCache(l2);
  const b = testCache(l2, { namespace: a.options.namespace, l1Enabled: false });
  const v = { p1: 1, p2: 1 };
  const project = (id: "p1" | "p2") =>
    a.getOrSet(cacheKey("project", id), () => ({ id, v: v[id] }), {
      ttl: 60,
      tags: [cacheTag("project", id)],
    });
  const list = (c = a) =>
    c.getOrSetWithInfo(listKey("projects", { status: "active" }), () => [
      { id: "p1", v: v.p1 },
      { id: "p2", v: v.p2 },
    ], { ttl: 60, tags: (rows) => rowTags("project", rows, listTag("projects")) });

  await project("p1");
  await project("p2");
  await list();
  assert.equal((await list(b)).source, "l2");

  v.p2 = 2; // a write to p2 invalidates p2 and, through its row tag, the list — not p1
  await a.invalidate({ tags: [cacheTag("project", "p2")] });
  assert.deepEqual(await project("p2"), { id: "p2", v: 2 });
  assert.equal(a.getStats().loaderCalls, 4);
  await project("p1");
  assert.equal(a.getStats().loaderCalls, 4, "p1 still cached");
  const fromB = await list(b);
  assert.equal(fromB.source, "loader", "the other isolate sees the list invalidated in L2");
  assert.deepEqual(fromB.value, [{ id: "p1", v: 1 }, { id: "p2", v: 2 }]);
  assert.equal((await list()).source, "l2", "the writer's L1 dropped it and refilled from L2");

  await a.invalidate({ tags: [listTag("projects")] });
  assert.equal((await list(b)).source, "loader");

  await a.invalidate({ keys: [cacheKey("project", "p1")] });
  v.p1 = 3;
  assert.deepEqual(await project("p1"), { id: "p1", v: 3 });
  assert.deepEqual(await b.get(cacheKey("project", "p1")), { id: "p1", v: 3 }, "refilled in L2");
});

Deno.test("cache: write-through set() makes the next read a hit in both tiers", async () => {
  const a = testCache(l2);
  const b = testCache(l2, { namespace: a.options.namespace });
  await a.getOrSet("row", () => ({ status: "draft" }), 60);
  await a.set("row", { status: "confirmed" }, { ttl: 60, tags: ["project:9"] });
  const own = await a.getOrSetWithInfo("row", () => ({ status: "loader" }), 60);
  assert.deepEqual(own, { value: { status: "confirmed" }, source: "l1" });
  const other = await b.getOrSetWithInfo("row", () => ({ status: "loader" }), 60);
  assert.deepEqual(other, { value: { status: "confirmed" }, source: "l2" });
  await a.invalidate({ tags: ["project:9"] });
  assert.equal(await a.get("row"), undefined);
  b.clearLocal();
  assert.equal(await b.get("row"), undefined);
});

Deno.test("cache: values have one shape from loader, L1 and L2, and cannot be mutated in", async () => {
  const a = testCache(l2);
  const b = testCache(l2, { namespace: a.options.namespace });
  const row = {
    id: "c-1",
    name: "Nurul Aina 🌸",
    rate: "180.50",
    big: "12345678901234567890.12",
    starts_at: new Date("2026-12-01T09:00:00.000Z"),
    notes: null,
    skills: ["usher", "av"],
    missing: undefined,
  };
  const expected = {
    id: "c-1",
    name: "Nurul Aina 🌸",
    rate: "180.50",
    big: "12345678901234567890.12",
    starts_at: "2026-12-01T09:00:00.000Z",
    notes: null,
    skills: ["usher", "av"],
  };
  const fromLoader = await a.getOrSet("shape", () => row, 60);
  assert.deepEqual(fromLoader, expected);
  fromLoader.skills.push("mutated");
  const fromL1 = await a.getOrSetWithInfo("shape", () => row, 60);
  assert.equal(fromL1.source, "l1");
  assert.deepEqual(fromL1.value, expected);
  fromL1.value.name = "changed";
  assert.deepEqual(await a.getOrSet("shape", () => row, 60), expected);
  const fromL2 = await b.getOrSetWithInfo("shape", () => row, 60);
  assert.equal(fromL2.source, "l2");
  assert.deepEqual(fromL2.value, expected);
});

Deno.test("cache: null is cached (negative caching) and differs from a miss", async () => {
  const a = testCache(l2);
  const b = testCache(l2, { namespace: a.options.namespace });
  let calls = 0;
  const none = () => {
    calls++;
    return null;
  };
  assert.equal(await a.getOrSet("nobody", none, 60), null);
  assert.equal(await a.getOrSet("nobody", none, 60), null);
  assert.equal(await a.get("nobody"), null);
  assert.equal(await b.get("nobody"), null, "L2 holds the null");
  assert.equal(await b.get("never-set"), undefined);
  assert.equal(calls, 1);
  assert.equal(await a.getOrSet("undef", () => undefined, 60), null);
});

Deno.test("cache: a loader's error propagates and is not cached", async () => {
  const c = testCache(l2);
  await assert.rejects(
    () => c.getOrSet("boom", () => Promise.reject(new Error("db down")), 60),
    /db down/,
  );
  assert.equal(await c.getOrSet("boom", () => "ok", 60), "ok");
  assert.equal(c.getStats().loaderErrors, 1);
});

Deno.test("cache: L1-only when no Redis is configured", async () => {
  const c = testCache(null);
  let calls = 0;
  assert.equal(await c.getOrSet("x", () => ++calls, 60), 1);
  assert.equal((await c.getOrSetWithInfo("x", () => ++calls, 60)).source, "l1");
  await c.set("y", { a: 1 }, { tags: ["t"] });
  assert.deepEqual(await c.get("y"), { a: 1 });
  await c.invalidate({ tags: ["t"], keys: ["x"] });
  assert.equal(await c.get("y"), undefined);
  assert.equal(await c.getOrSet("x", () => ++calls, 60), 2);
  const s = c.getStats();
  assert.equal(s.l2.enabled, false);
  assert.equal(s.l2.breaker, "disabled");
  assert.equal(s.fallbacks, 0);
});

Deno.test("cache: CACHE_DISABLED runs the loader every time; L1 off reads L2 every time", async () => {
  const off = testCache(l2, { enabled: false });
  let calls = 0;
  await off.getOrSet("k", () => ++calls, 60);
  assert.equal(await off.getOrSet("k", () => ++calls, 60), 2);
  assert.equal(off.getStats().hitRate, 0);

  const l2only = testCache(l2, { l1Enabled: false });
  await l2only.getOrSet("k", () => "v", 60);
  assert.equal((await l2only.getOrSetWithInfo("k", () => "w", 60)).source, "l2");
  assert.equal((await l2only.getOrSetWithInfo("k", () => "w", 60)).source, "l2");
  assert.equal(l2only.getStats().l1.hits, 0);
});

Deno.test("cache: L1 is bounded by entries and by bytes", async () => {
  const byCount = testCache(null, { l1MaxEntries: 3 });
  for (const k of ["a", "b", "c", "d"]) await byCount.set(k, k);
  assert.equal(byCount.getStats().l1.entries, 3);
  assert.equal(await byCount.get("a"), undefined, "least recently used went first");

  const bySize = testCache(null, { l1MaxBytes: 10_000 });
  for (let i = 0; i < 10; i++) await bySize.set(`big${i}`, "x".repeat(2000));
  const s = bySize.getStats().l1;
  assert.ok(s.bytes <= 10_000, `bytes ${s.bytes}`);
  assert.ok(s.entries < 10);
});

Deno.test("cache: key helpers build stable keys and tags", () => {
  assert.equal(cacheKey("project", "a:b", 2), "project:a%3Ab:2");
  assert.equal(
    listKey("projects", { status: "active", page: 1, q: undefined }),
    listKey("projects", { page: 1, status: "active" }),
  );
  assert.equal(listKey("projects", { ids: ["b", "a"] }), "projects:list:ids=b,a");
  assert.deepEqual(rowTags("project", [{ id: 1 }, { id: 2 }], listTag("projects")), [
    "projects:list",
    "project:1",
    "project:2",
  ]);
  assert.equal(testCache(null).prefix.endsWith(":v1:"), true);
});
