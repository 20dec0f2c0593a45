/**
 * The request envelope (shared/http/envelope.ts) on a bare Hono app: past its in-flight limit
 * an isolate refuses at once with 503 `overloaded` + `Retry-After` instead of queueing, counts
 * every request out again (answered, failed or timed out), and ends a stuck request at its
 * deadline with 504.
 */
import "./env-setup.ts";
import assert from "node:assert/strict";
import { Hono } from "hono";
import type { AppEnv } from "../../shared/http/env.ts";
import { envelope, loadStats } from "../../shared/http/envelope.ts";
import { errorResponse } from "../../shared/http/respond.ts";

function appWith(timeoutMs: number, maxInFlight: number) {
  let release!: () => void;
  const gate = new Promise<void>((done) => release = done);
  const app = new Hono<AppEnv>();
  app.use("*", envelope("unit", timeoutMs, maxInFlight));
  app.onError((err, c) => errorResponse(err, c.get("requestId")));
  app.get("/wait", async (c) => {
    await gate;
    return c.text("done");
  });
  app.get("/fail", () => {
    throw new Error("boom");
  });
  app.get("/never", () => new Promise<Response>(() => {}));
  app.get("/now", (c) => c.text("now"));
  return { app, release };
}

Deno.test("envelope: past the in-flight limit requests are refused at once, then taken again", async () => {
  const { app, release } = appWith(10_000, 2);
  const before = loadStats().shed;
  const waiting = [app.request("/wait"), app.request("/wait")];
  const started = performance.now();
  const refused = await Promise.all([app.request("/now"), app.request("/wait")]);
  assert.ok(performance.now() - started < 1000);
  for (const res of refused) {
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("retry-after"), "1");
    assert.ok(res.headers.get("x-request-id"));
    assert.equal((await res.json()).error.code, "overloaded");
  }
  assert.equal(loadStats().shed - before, 2);
  release();
  for (const res of await Promise.all(waiting)) assert.equal(await res.text(), "done");
  assert.equal((await app.request("/now")).status, 200);
});

Deno.test("envelope: failed requests leave the in-flight count too", async () => {
  const { app } = appWith(10_000, 1);
  for (let i = 0; i < 3; i++) assert.equal((await app.request("/fail")).status, 500);
  assert.equal((await app.request("/now")).status, 200);
  assert.equal(loadStats().inFlight, 0);
});

Deno.test("envelope: a stuck request ends at its deadline with 504 and frees its slot", async () => {
  const { app } = appWith(150, 1);
  const started = performance.now();
  const res = await app.request("/never");
  const took = performance.now() - started;
  assert.equal(res.status, 504);
  assert.equal((await res.json()).error.code, "timeout");
  assert.ok(took >= 140 && took < 2000, `took ${took} ms`);
  assert.equal((await app.request("/now")).status, 200);
});
