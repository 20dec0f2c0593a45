/**
 * The Upstash bridge, driven by the real `@upstash/redis` client (default options, so
 * auto-pipelining and base64 responses are on) against a real redis-server.
 * Uses the stack's bridge when UPSTASH_REDIS_REST_URL/TOKEN are set, otherwise starts one
 * in-process on REDIS_URL.
 */
import assert from "node:assert/strict";
import { Redis } from "@upstash/redis";
import { startBridge, USAGE_PATH } from "../../../scripts/stack/upstash-bridge.ts";

const envUrl = Deno.env.get("UPSTASH_REDIS_REST_URL");
const envToken = Deno.env.get("UPSTASH_REDIS_REST_TOKEN");
const prefix = `test:bridge:${crypto.randomUUID()}:`;

async function withClient(fn: (redis: Redis, url: string, token: string) => Promise<void>) {
  if (envUrl && envToken) {
    await fn(new Redis({ url: envUrl, token: envToken }), envUrl, envToken);
    return;
  }
  const token = "bridge-test-token";
  const bridge = await startBridge({
    redisUrl: Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:54379",
    port: 0,
    token,
  });
  try {
    await fn(new Redis({ url: bridge.url, token }), bridge.url, token);
  } finally {
    await bridge.close();
  }
}

Deno.test("bridge: strings, unicode JSON, numbers and nil round-trip", async () => {
  await withClient(async (redis) => {
    const k = `${prefix}str`;
    assert.equal(await redis.set(k, "plain", { ex: 60 }), "OK");
    assert.equal(await redis.get(k), "plain");
    assert.ok((await redis.ttl(k)) > 0);

    const value = { name: "Siti Nurhaliza 🎤", city: "Kuala Lumpur — KL", amount: "1234.50" };
    await redis.set(`${prefix}json`, value);
    assert.deepEqual(await redis.get(`${prefix}json`), value);

    assert.equal(await redis.incrby(`${prefix}n`, 41), 41);
    assert.equal(await redis.incr(`${prefix}n`), 42);
    assert.equal(await redis.get(`${prefix}missing`), null);
    assert.deepEqual(await redis.mget(`${prefix}str`, `${prefix}missing`), ["plain", null]);
    assert.equal(await redis.ping(), "PONG");
  });
});

Deno.test("bridge: hashes and sorted sets come back in the client's shapes", async () => {
  await withClient(async (redis) => {
    const h = `${prefix}hash`;
    assert.equal(await redis.hset(h, { a: "1", b: "dua", c: "三" }), 3);
    assert.deepEqual(await redis.hgetall(h), { a: 1, b: "dua", c: "三" });
    assert.equal(await redis.hget(h, "c"), "三");

    const z = `${prefix}zset`;
    await redis.zadd(z, { score: 2, member: "two" }, { score: 1, member: "one" });
    assert.deepEqual(await redis.zrange(z, 0, -1), ["one", "two"]);
    assert.deepEqual(await redis.zrange(z, 0, -1, { withScores: true }), ["one", 1, "two", 2]);
    assert.equal(await redis.zscore(z, "two"), 2);
  });
});

Deno.test("bridge: EVAL and EVALSHA scripts, including the NOSCRIPT fallback", async () => {
  await withClient(async (redis) => {
    const k = `${prefix}script`;
    const echoed = await redis.eval("redis.call('SET', KEYS[1], ARGV[1]); return {ARGV[1], 7}", [
      k,
    ], ["héllo"]);
    assert.deepEqual(echoed, ["héllo", 7]);
    const lua = `return redis.call('GET', KEYS[1]) .. ':${crypto.randomUUID()}'`;
    const script = redis.createScript<string>(lua);
    const first = await script.exec([k], []); // EVALSHA fails with NOSCRIPT, then EVAL
    assert.match(first, /^héllo:/);
    const sha = await redis.scriptLoad(lua);
    assert.equal(await redis.evalsha(sha, [k], []), first);
  });
});

Deno.test("bridge: explicit pipelines and MULTI/EXEC transactions", async () => {
  await withClient(async (redis) => {
    const k = `${prefix}pipe`;
    const p = redis.pipeline();
    p.set(k, "1");
    p.incr(k);
    p.get(k);
    assert.deepEqual(await p.exec(), ["OK", 2, 2]);

    const tx = redis.multi();
    tx.incr(k);
    tx.hset(`${prefix}txh`, { f: "v" });
    tx.hgetall(`${prefix}txh`);
    assert.deepEqual(await tx.exec(), [3, 1, { f: "v" }]);

    // Per-command errors inside a pipeline are reported per command.
    const bad = redis.pipeline();
    bad.set(`${prefix}s`, "text");
    bad.incr(`${prefix}s`);
    const results = await bad.exec({ keepErrors: true });
    assert.equal(results[0].result, "OK");
    assert.match(String(results[1].error), /not an integer/);
  });
});

Deno.test("bridge: redis errors surface as errors", async () => {
  await withClient(async (redis) => {
    const k = `${prefix}notint`;
    await redis.set(k, "abc");
    await assert.rejects(() => redis.incr(k), /not an integer/);
    await assert.rejects(() => redis.eval("return redis.call('NOPE')", [], []), /Unknown Redis/i);
  });
});

Deno.test("bridge: a wrong or missing token is refused with 401", async () => {
  await withClient(async (_redis, url) => {
    const wrong = new Redis({ url, token: "not-the-token", retry: false });
    await assert.rejects(() => wrong.get(`${prefix}x`), /Unauthorized/);
    const res = await fetch(url, { method: "POST", body: JSON.stringify(["ping"]) });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { error: "Unauthorized" });
  });
});

Deno.test("bridge: path-style commands and plain (non-base64) responses", async () => {
  await withClient(async (_redis, url, token) => {
    const headers = { authorization: `Bearer ${token}` };
    const k = encodeURIComponent(`${prefix}path`);
    const set = await fetch(`${url}/set/${k}`, { method: "POST", headers, body: "héllo wörld" });
    assert.deepEqual(await set.json(), { result: "OK" });
    const get = await fetch(`${url}/get/${k}`, { headers });
    assert.deepEqual(await get.json(), { result: "héllo wörld" });
    const encoded = await fetch(`${url}/get/${k}`, {
      headers: { ...headers, "Upstash-Encoding": "base64" },
    });
    const body = await encoded.json();
    assert.equal(
      new TextDecoder().decode(Uint8Array.from(atob(body.result), (c) => c.charCodeAt(0))),
      "héllo wörld",
    );
    const err = await fetch(url, { method: "POST", headers, body: "[]" });
    assert.equal(err.status, 400);
    await err.body?.cancel();
  });
});

Deno.test("bridge: usage counts commands as Upstash bills them — a script as one", async () => {
  // A bridge of our own: the stack's counts every other client's commands too.
  const token = "bridge-usage-token";
  const bridge = await startBridge({
    redisUrl: Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:54379",
    port: 0,
    token,
  });
  try {
    const headers = { authorization: `Bearer ${token}` };
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${bridge.url}${path}`, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 200, await res.text());
    };
    const usage = async () => await (await fetch(`${bridge.url}${USAGE_PATH}`, { headers })).json();
    const k = `${prefix}usage`;
    const before = await usage();
    await post("/", ["set", k, "1"]);
    await post("/pipeline", [["incr", k], ["incr", k], ["get", k]]);
    await post("/multi-exec", [["incr", k], ["get", k]]);
    // Three redis.call inside: redis-server counts four commands, Upstash one.
    await post("/", [
      "eval",
      "redis.call('incr', KEYS[1]); redis.call('get', KEYS[1]); " +
      "return redis.call('get', KEYS[1])",
      "1",
      k,
    ]);
    const after = await usage();
    assert.deepEqual(
      { requests: after.requests - before.requests, commands: after.commands - before.commands },
      { requests: 4, commands: 1 + 3 + 2 + 1 },
    );
    const refused = await fetch(`${bridge.url}${USAGE_PATH}`);
    assert.equal(refused.status, 401);
    await refused.body?.cancel();
  } finally {
    await bridge.close();
  }
});
