/**
 * Two separate processes sharing one Redis: what one writes or invalidates, the other sees
 * within the staleness bound (the invalidation bus; at once where its L1 holds nothing).
 */
import assert from "node:assert/strict";
import { createCache } from "../../../shared/cache/index.ts";
import { sharedL2, sleep, testNamespace } from "./fixtures/redis.ts";
import { WorkerProcess } from "./fixtures/worker-process.ts";

const BOUND_MS = 500;

Deno.test("two processes: writes and invalidations cross within the staleness bound", async () => {
  const l2 = await sharedL2();
  const namespace = testNamespace();
  // Both processes seal L2 values with the same key, as every isolate of a deployment does.
  const encryptionKeys = `t:${
    btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))
  }`;
  const here = createCache({
    redisUrl: l2.url,
    redisToken: l2.token,
    encryptionKeys,
    namespace,
    staleBoundMs: BOUND_MS,
    l2TimeoutMs: 2000,
  });
  const worker = new WorkerProcess(new URL("./fixtures/worker.ts", import.meta.url), {
    UPSTASH_REDIS_REST_URL: l2.url,
    UPSTASH_REDIS_REST_TOKEN: l2.token,
    CACHE_NAMESPACE: namespace,
    CACHE_ENCRYPTION_KEYS: encryptionKeys,
    CACHE_STALE_BOUND_MS: String(BOUND_MS),
  });
  try {
    // This process fills; the other process reads it from L2 without loading.
    await here.getOrSet("project:1", () => ({ name: "Expo v1" }), { ttl: 60, tags: ["project:1"] });
    assert.deepEqual(
      await worker.ask({ op: "getOrSet", key: "project:1", loaderValue: "worker-loaded" }),
      { value: { name: "Expo v1" }, source: "l2" },
    );

    // This process writes through; the worker's L1 may lag, but not past the bound.
    await here.set("project:1", { name: "Expo v2" }, { ttl: 60, tags: ["project:1"] });
    await sleep(BOUND_MS + 150);
    assert.deepEqual(await worker.ask({ op: "get", key: "project:1" }), {
      value: { name: "Expo v2" },
    });

    // The worker invalidates by tag; this process (L1 holds v2) sees it within the bound.
    assert.deepEqual(await here.get("project:1"), { name: "Expo v2" });
    assert.deepEqual(await worker.ask({ op: "invalidate", tags: ["project:1"] }), { ok: true });
    assert.deepEqual(
      await worker.ask({ op: "get", key: "project:1" }),
      { value: "<miss>" },
      "the invalidating process reads its own invalidation at once",
    );
    await sleep(BOUND_MS + 150);
    assert.equal(await here.get("project:1"), undefined);

    // The worker writes through; this process has nothing in L1, so it sees it at once.
    await worker.ask({ op: "set", key: "project:2", value: { name: "Gala" }, tags: ["project:2"] });
    assert.deepEqual(await here.get("project:2"), { name: "Gala" });
  } finally {
    await worker.close();
    await l2.close();
  }
});
