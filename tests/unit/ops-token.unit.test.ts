/**
 * `route({ token: "metrics" })` (shared/auth.ts): the scrape token opens the one route that takes
 * it and no other — not the ops function's admin routes, not another function's — and a wrong
 * token is a 401 like any bad JWT. In-process, no stack (the token's positive path, a scrape that
 * reads the totals and the database, is tests/integration/observe/ops.test.ts).
 */
import "./env-setup.ts";
import assert from "node:assert/strict";
import { mintUserJwt } from "../../scripts/stack/keys.ts";
import { DEMO_USERS } from "../../scripts/seed/demo-users.ts";

const TOKEN = "unit-metrics-token-0123456789abcdef";
// Before the apps load: the config is read once, at import.
Deno.env.set("METRICS_TOKEN", TOKEN);
const { app: ops } = await import("../../functions/ops/app.ts");
const { app: projects } = await import("../../functions/projects/app.ts");

async function status(app: typeof ops, path: string, token?: string): Promise<number> {
  const res = await app.request(path, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  await res.body?.cancel();
  return res.status;
}

Deno.test("ops token: opens /ops/metrics only; wrong tokens and other routes are refused", async () => {
  const finance = await mintUserJwt(DEMO_USERS.finance.id, DEMO_USERS.finance.role);
  assert.equal(await status(ops, "/ops/metrics"), 401);
  assert.equal(await status(ops, "/ops/metrics", `${TOKEN}x`), 401);
  assert.equal(await status(ops, "/ops/metrics", TOKEN.slice(0, -1)), 401);
  assert.equal(await status(ops, "/ops/metrics", finance), 403);
  for (const path of ["/ops/overview", "/ops/history", "/ops/slow-queries", "/ops/stats"]) {
    assert.equal(await status(ops, path, TOKEN), 401, path);
  }
  assert.equal(await status(projects, "/projects", TOKEN), 401);
  assert.equal(await status(projects, "/projects/stats", TOKEN), 401);
});

Deno.test("ops token: /ops/metrics is not in the OpenAPI document (a scraper's, not the client's)", async () => {
  const doc = await (await ops.request("/ops/openapi.json")).json();
  assert.deepEqual(Object.keys(doc.paths).sort(), [
    "/ops/history",
    "/ops/overview",
    "/ops/slow-queries",
    "/ops/stats",
  ]);
});
