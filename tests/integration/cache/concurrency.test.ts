/** Single-flight loads and the stale-set race (memcache-style leases), against real Redis. */
import assert from "node:assert/strict";
import { type Cache, cacheTag, rowTags } from "../../../shared/cache/index.ts";
import { sharedL2, sleep, testCache } from "./fixtures/redis.ts";

const l2 = await sharedL2();
addEventListener("unload", () => void l2.close());

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => open = r);
  return { open, opened };
}

Deno.test("single-flight: 100 concurrent misses of one key run the loader once", async () => {
  for (const c of [testCache(l2), testCache(null)]) {
    let calls = 0;
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        c.getOrSetWithInfo("hot", async () => {
          calls++;
          await sleep(30);
          return { n: calls };
        }, 60)),
    );
    assert.equal(calls, 1);
    assert.ok(results.every((r) => r.value.n === 1));
    assert.equal(results.filter((r) => r.source === "loader").length, 1);
    assert.equal(results.filter((r) => r.source === "joined").length, 99);
    assert.equal(c.getStats().joins, 99);
    assert.equal(c.getStats().loaderCalls, 1);
    // Joiners get their own copies too.
    results[1].value.n = 42;
    assert.equal(results[2].value.n, 1);
  }
});

Deno.test("single-flight: a failing load rejects every joiner and caches nothing", async () => {
  const c = testCache(l2);
  let calls = 0;
  const all = await Promise.allSettled(
    Array.from({ length: 10 }, () =>
      c.getOrSet("fails", async () => {
        calls++;
        await sleep(10);
        throw new Error("loader failed");
      }, 60)),
  );
  assert.equal(calls, 1);
  assert.ok(all.every((r) => r.status === "rejected"));
  assert.equal(await c.getOrSet("fails", () => "recovered", 60), "recovered");
});

/**
 * Reproduces the race: the loader reads the "database" before a write, the writer (another
 * isolate) invalidates, then the loader finishes with the old value. That value is returned to
 * its caller (who asked before the write) but must not stick in either tier.
 */
async function race(
  writer: (db: { v: string }, other: Cache) => Promise<void>,
  options: { tags?: string[] | ((v: string) => string[]) } = {},
) {
  const reader = testCache(l2);
  const other = testCache(l2, { namespace: reader.options.namespace });
  const fresh = testCache(l2, { namespace: reader.options.namespace, l1Enabled: false });
  const db = { v: "old" };
  const loaded = gate();
  const release = gate();
  const slow = reader.getOrSet("row", async () => {
    const snapshot = db.v; // read before the write...
    loaded.open();
    await release.opened; // ...and finish after the invalidation
    return snapshot;
  }, { ttl: 60, ...options });
  await loaded.opened;
  await writer(db, other);
  release.open();
  assert.equal(await slow, "old", "the race happened: the loader returned pre-write data");

  assert.equal(reader.getStats().staleSetsRejected, 1);
  const seen = await fresh.getOrSetWithInfo("row", () => db.v, 60);
  assert.deepEqual(seen.value, "new", "L2 did not keep the stale value");
  assert.equal(await reader.getOrSet("row", () => db.v, 60), "new", "nor did the loader's L1");
}

Deno.test("stale-set race: key invalidation during a slow load does not stick", async () => {
  await race(async (db, other) => {
    db.v = "new";
    await other.invalidate({ keys: ["row"] });
  });
});

Deno.test("stale-set race: tag invalidation during a slow load does not stick", async () => {
  await race(async (db, other) => {
    db.v = "new";
    await other.invalidate({ tags: [cacheTag("project", 7)] });
  }, { tags: [cacheTag("project", 7)] });
});

Deno.test("stale-set race: tags computed from the value are guarded too", async () => {
  await race(async (db, other) => {
    db.v = "new";
    await other.invalidate({ tags: [cacheTag("project", "r1")] });
  }, { tags: () => rowTags("project", [{ id: "r1" }]) });
});

Deno.test("stale-set race: a write-through set() during a slow load wins", async () => {
  await race(async (db, other) => {
    db.v = "new";
    await other.set("row", "new", 60);
  });
});

Deno.test("stale-set race: within one isolate on L1 alone", async () => {
  const c = testCache(null);
  const db = { v: "old" };
  const loaded = gate();
  const release = gate();
  const slow = c.getOrSet("row", async () => {
    const snapshot = db.v;
    loaded.open();
    await release.opened;
    return snapshot;
  }, 60);
  await loaded.opened;
  db.v = "new";
  await c.invalidate({ keys: ["row"] });
  // A caller arriving after the invalidation must not join the pre-write load.
  const after = c.getOrSetWithInfo("row", () => db.v, 60);
  release.open();
  assert.equal(await slow, "old");
  assert.deepEqual(await after, { value: "new", source: "loader" });
  assert.equal(await c.getOrSet("row", () => "loader again", 60), "new");
});

Deno.test("stale-set race: an unrelated invalidation does not block the fill", async () => {
  const c = testCache(l2);
  const release = gate();
  const slow = c.getOrSet("calm", async () => {
    await release.opened;
    return "v";
  }, { ttl: 60, tags: ["project:a"] });
  await sleep(20);
  await c.invalidate({ tags: ["project:b"], keys: ["other"] });
  release.open();
  await slow;
  assert.equal(c.getStats().staleSetsRejected, 0);
  assert.equal((await c.getOrSetWithInfo("calm", () => "x", 60)).source, "l1");
  const peer = testCache(l2, { namespace: c.options.namespace });
  assert.equal((await peer.getOrSetWithInfo("calm", () => "x", 60)).source, "l2");
});
