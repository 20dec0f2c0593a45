/**
 * The four apps in-process through `app.request()`: what they answer before any service runs —
 * health, the OpenAPI documents, 401 / 403 / 404, and 400 validation in the error shape. No
 * stack: the database URL points at a closed port, so a request that reached a service would
 * fail with 503, not pass.
 */
import "./env-setup.ts";
import assert from "node:assert/strict";
import { mintUserJwt } from "../../scripts/stack/keys.ts";
import { DEMO_USERS } from "../../scripts/seed/demo-users.ts";
import { app as candidates } from "../../functions/candidates/app.ts";
import { app as claims } from "../../functions/claims/app.ts";
import { app as payments } from "../../functions/payments/app.ts";
import { app as projects } from "../../functions/projects/app.ts";

const apps = { projects, candidates, payments, claims };
type Role = keyof typeof DEMO_USERS;

async function call(
  name: keyof typeof apps,
  path: string,
  init: RequestInit & { as?: Role } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers = new Headers(init.headers);
  if (init.as) {
    const user = DEMO_USERS[init.as];
    headers.set("authorization", `Bearer ${await mintUserJwt(user.id, user.role)}`);
  }
  if (init.body) headers.set("content-type", "application/json");
  // The function is mounted at `/<name>` (the gateway strips `/functions/v1`): its list is
  // `/<name>`, not `/<name>/`.
  const url = `/${name}${path.startsWith("/?") ? path.slice(1) : path === "/" ? "" : path}`;
  const res = await apps[name].request(url, { ...init, headers });
  return { status: res.status, body: await res.json() };
}

const errorOf = (body: Record<string, unknown>) =>
  body.error as { code: string; message: string; details?: Record<string, string> };

Deno.test("apps: health and the OpenAPI document answer without a token", async () => {
  for (const name of Object.keys(apps) as (keyof typeof apps)[]) {
    assert.equal((await call(name, "/health")).status, 200, name);
    const doc = await call(name, "/openapi.json");
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, "3.1.0");
    assert.ok(Object.keys(doc.body.paths as object).length >= 3, `${name} documents its routes`);
  }
});

Deno.test("apps: no token or a bad one is 401 in the error shape, with a request id", async () => {
  for (const name of Object.keys(apps) as (keyof typeof apps)[]) {
    const none = await call(name, "/");
    assert.equal(none.status, 401, name);
    assert.equal(errorOf(none.body).code, "unauthorized");
    assert.equal(typeof none.body.request_id, "string");
    const forged = await call(name, "/", { headers: { authorization: "Bearer a.b.c" } });
    assert.equal(forged.status, 401);
  }
});

Deno.test("apps: a role the route does not list is 403 before anything runs", async () => {
  const cases: [keyof typeof apps, string, string, Role][] = [
    ["projects", "/", "POST", "crew"],
    ["payments", "/", "POST", "manager"],
    ["payments", "/summary", "GET", "crew"],
    ["candidates", "/import", "POST", "finance"],
    ["claims", "/00000000-0000-4000-a000-000000000000/approve", "POST", "manager"],
  ];
  for (const [name, path, method, as] of cases) {
    const res = await call(name, path, { method, as, body: method === "GET" ? undefined : "{}" });
    assert.equal(res.status, 403, `${as} ${method} ${name}${path}`);
    assert.equal(errorOf(res.body).code, "forbidden");
  }
});

Deno.test("apps: invalid input is 400 naming each field, before the database is asked", async () => {
  const project = await call("projects", "/", {
    method: "POST",
    as: "admin",
    body: JSON.stringify({ title: "", start_date: "2026-02-30", budget: 12.5, extra: 1 }),
  });
  assert.equal(project.status, 400);
  const details = errorOf(project.body).details!;
  for (const field of ["title", "start_date", "end_date", "budget", "extra"]) {
    assert.ok(details[field], `${field}: ${JSON.stringify(details)}`);
  }
  const badId = await call("payments", "/not-a-uuid", { as: "finance" });
  assert.equal(badId.status, 400);
  const badCursor = await call("claims", "/?cursor=%E2%80%A6", { as: "admin" });
  assert.equal(badCursor.status, 400);
  const malformed = await call("claims", "/", { method: "POST", as: "crew", body: "{not json" });
  assert.equal(malformed.status, 400);
  const noKey = await call("payments", "/", { method: "POST", as: "finance", body: "{}" });
  assert.equal(noKey.status, 400, "Idempotency-Key is required");
});

Deno.test("apps: an unknown route is a JSON 404; a route that needs the database is 503", async () => {
  const unknown = await call("projects", "/nope/deeper", { as: "admin" });
  assert.equal(unknown.status, 404);
  assert.equal(errorOf(unknown.body).code, "route_not_found");
  const needsDb = await call("projects", "/", { as: "admin" });
  assert.equal(needsDb.status, 503, JSON.stringify(needsDb.body));
  assert.equal(errorOf(needsDb.body).code, "db_unavailable");
});
