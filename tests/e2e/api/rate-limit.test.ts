/**
 * Issue 10.5: rate limits per user and per IP (`@upstash/ratelimit` on the same Upstash REST as
 * the cache, through the local bridge): 429 JSON with Retry-After and RateLimit-* past a limit,
 * and fail-open — with the reason counted — when Redis cannot be asked.
 */
import assert from "node:assert/strict";
import { env, invoke, routesAs, tokenAs } from "../../helpers/client.ts";
import { config } from "../../../shared/config.ts";
import { RateLimiter } from "../../../shared/http/ratelimit.ts";
import { DisposableRedis } from "../../integration/cache/fixtures/redis.ts";

Deno.test("through the gateway: the 31st search in 10 s is 429 with Retry-After and RateLimit-*", async () => {
  const token = await tokenAs(crypto.randomUUID(), "admin");
  const limit = config.rateLimit.expensive.limit;
  const list = routesAs({ token }).candidates("get", "/candidates");
  let last = Infinity;
  for (let i = 0; i < limit; i++) {
    const res = await list({ query: { q: "ali", limit: 1 } });
    assert.equal(res.status, 200, `request ${i + 1}`);
    const remaining = Number(res.headers.get("ratelimit-remaining"));
    assert.ok(remaining < last, "remaining goes down");
    last = remaining;
    assert.equal(res.headers.get("ratelimit-limit"), String(limit));
  }
  // Raw: the 429's RateLimit-* headers, which a CrewApiError does not carry.
  const refused = await invoke<{ error: { code: string; details: Record<string, unknown> } }>(
    { token },
    "candidates?q=ali&limit=1",
  );
  assert.equal(refused.status, 429);
  assert.equal(refused.data.error.code, "rate_limited");
  assert.equal(refused.data.error.details.class, "expensive");
  const retryAfter = Number(refused.headers.get("retry-after"));
  assert.ok(retryAfter >= 1 && retryAfter <= 10, `Retry-After ${retryAfter}`);
  assert.equal(refused.headers.get("ratelimit-remaining"), "0");
  assert.ok(refused.headers.get("ratelimit-policy")?.startsWith(`${limit};w=`));
  // Another user is not affected, and plain paging of the list is no search.
  const other = await tokenAs(crypto.randomUUID(), "admin");
  const otherList = routesAs({ token: other }).candidates("get", "/candidates");
  assert.equal((await otherList({ query: { q: "ali", limit: 1 } })).status, 200);
  assert.equal((await list({ query: { limit: 1 } })).status, 200);
  // Stats are typed loosely (each part `unknown`): check the shape before reading it.
  const stats = await routesAs("admin").candidates("get", "/candidates/stats")({});
  const { rateLimit } = stats.data;
  assert.ok(
    typeof rateLimit === "object" && rateLimit !== null && "enforced" in rateLimit &&
      "limited" in rateLimit,
    JSON.stringify(stats.data),
  );
  assert.equal(rateLimit.enforced, true);
  assert.ok(typeof rateLimit.limited === "number" && rateLimit.limited >= 1);
});

const bridge = () => ({
  url: env("UPSTASH_REDIS_REST_URL"),
  token: env("UPSTASH_REDIS_REST_TOKEN"),
  timeoutMs: 2000,
  prefix: `test-${crypto.randomUUID().slice(0, 8)}:`,
});
const rules = {
  enabled: true,
  write: { limit: 3, windowS: 10 },
  expensive: { limit: 2, windowS: 10 },
  ip: { limit: 5, windowS: 10 },
};

Deno.test("per user and per IP windows, on the real client through the bridge", async () => {
  const limiter = new RateLimiter(rules, bridge());
  const a = [];
  for (let i = 0; i < 4; i++) a.push(await limiter.check("write", "user-a", "10.0.0.1"));
  assert.deepEqual(a.map((d) => d?.allowed), [true, true, true, false], "user a: 3 writes");
  assert.equal(a[3]!.limit, 3);
  assert.ok(a[3]!.resetS >= 1 && a[3]!.resetS <= 10);
  // User b on the same IP: every request of the IP counts, a's refused fourth one too.
  assert.equal((await limiter.check("write", "user-b", "10.0.0.1"))?.allowed, true, "fifth");
  const b2 = await limiter.check("write", "user-b", "10.0.0.1");
  assert.equal(b2?.allowed, false, "the IP window is full");
  assert.equal(b2?.limit, 5);
  // Elsewhere, user b is fine.
  assert.equal((await limiter.check("write", "user-b", "10.0.0.2"))?.allowed, true);
  assert.deepEqual(limiter.stats, { enforced: true, checked: 7, limited: 2, failedOpen: 0 });
});

Deno.test("fail-open: Redis down, erroring or known unreachable lets requests through, counted", async () => {
  const redis = await new DisposableRedis().start();
  try {
    const limiter = new RateLimiter(rules, { ...bridge(), url: redis.url, token: redis.token });
    assert.equal((await limiter.check("write", "u", "ip"))?.allowed, true);
    await redis.stopRedis();
    assert.equal(await limiter.check("write", "u", "ip"), null, "Redis down: passes");
    const dead = new RateLimiter(rules, { ...bridge(), url: "http://127.0.0.1:1" });
    assert.equal(await dead.check("expensive", "u", "ip"), null, "nothing listening: passes");
    let reachable = false;
    const gated = new RateLimiter(rules, bridge(), () => reachable);
    assert.equal(await gated.check("write", "u", "ip"), null, "breaker open: not even asked");
    reachable = true;
    assert.equal((await gated.check("write", "u", "ip"))?.allowed, true);
    assert.equal(limiter.stats.failedOpen, 1);
    assert.equal(dead.stats.failedOpen, 1);
    assert.equal(gated.stats.failedOpen, 1);
    const off = new RateLimiter(rules, null);
    assert.equal(await off.check("write", "u", "ip"), null);
    assert.equal(off.stats.enforced, false, "without Redis nothing is enforced, and it says so");
  } finally {
    await redis.close();
  }
});

Deno.test("the per-IP limit keys on the address the proxy vouches for, not on X-Forwarded-For", async () => {
  // Enough users that none reaches its own limit, each request claiming another address in
  // every header a client can write: all of them still come from one socket (the gateway's).
  const ipLimit = config.rateLimit.ip.limit;
  const perUser = config.rateLimit.expensive.limit - 1;
  const users = await Promise.all(
    Array.from(
      { length: Math.ceil((ipLimit + 1) / perUser) },
      () => tokenAs(crypto.randomUUID(), "admin"),
    ),
  );
  const calls = users.flatMap((token, u) =>
    Array.from({ length: perUser }, (_, i) => ({ token, spoof: `10.${u}.${i}.7` }))
  );
  let refusal: Headers | undefined;
  // Raw: headers the typed routes do not send (the spoofed addresses), and the 429's headers.
  for (let i = 0; i < calls.length && !refusal; i += 10) {
    const answers = await Promise.all(
      calls.slice(i, i + 10).map(({ token, spoof }) =>
        invoke({ token }, "candidates?q=ali&limit=1", {
          headers: { "x-forwarded-for": spoof, "cf-connecting-ip": spoof, "x-real-ip": spoof },
        })
      ),
    );
    refusal = answers.find((a) => a.status === 429)?.headers;
  }
  assert.ok(refusal, `${calls.length} requests from one socket with spoofed headers: no 429`);
  assert.equal(refusal.get("ratelimit-limit"), String(ipLimit), "refused by the per-IP rule");
  // Let the window pass, so the tests after this one are not refused for this socket.
  await new Promise((r) => setTimeout(r, (Number(refusal!.get("retry-after")) + 1) * 1000));
});
