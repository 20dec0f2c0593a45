/**
 * End-to-end: the projects function's writes through supabase-js `functions.invoke` → gateway →
 * function process, for every app role: create, update (If-Match, the update rules) and soft
 * delete; bad input answers in the error shape and leaves the database unchanged.
 */
import assert from "node:assert/strict";
import { closeDb, DEMO, invoke } from "../../helpers/client.ts";
import {
  assertError,
  countTitled,
  createProject,
  type Json,
  storedProject,
  testsNamed,
  title,
} from "./fixtures.ts";

const t = testsNamed("projects");

// projects-read.test.ts ends with the "close db" test; this file closes its own connection here.
Deno.test.afterAll(closeDb);

t("admin creates a project for a manager; money stays a decimal string", async () => {
  const p = await createProject("admin", { manager_id: DEMO.manager, budget: "1250.50" });
  assert.equal(p.manager_id, DEMO.manager);
  assert.equal(p.budget, "1250.50");
  assert.equal(p.status, "planning");
  const row = await storedProject(p.id);
  assert.equal(row?.budget, "1250.50");
  assert.equal(row?.created_by, DEMO.admin);
});

t("a manager becomes the manager of what they create; naming another is 403", async () => {
  const own = await createProject("manager");
  assert.equal(own.manager_id, DEMO.manager);
  const name = title("not-mine");
  const res = await invoke("manager", "projects", {
    method: "POST",
    body: {
      title: name,
      start_date: "2026-01-01",
      end_date: "2026-01-02",
      manager_id: DEMO.manager2,
    },
  });
  const details = assertError(res, 403, "forbidden");
  assert.ok(details.manager_id);
  assert.equal(await countTitled(name), 0);
});

t("finance and crew cannot create; anon is 401", async () => {
  for (const who of ["finance", "crew"] as const) {
    const name = title(`by-${who}`);
    const res = await invoke(who, "projects", {
      method: "POST",
      body: { title: name, start_date: "2026-01-01", end_date: "2026-01-02" },
    });
    assertError(res, 403, "forbidden");
    assert.equal(await countTitled(name), 0);
  }
  const res = await invoke("anon", "projects", {
    method: "POST",
    body: { title: title("anon"), start_date: "2026-01-01", end_date: "2026-01-02" },
  });
  assert.equal(res.status, 401);
});

t("bad input: 400 validation_failed naming each field, nothing written", async () => {
  const cases: [Json, string][] = [
    [{ start_date: "2026-01-01", end_date: "2026-01-02" }, "title"],
    [{ title: "x", start_date: "2026-01-05", end_date: "2026-01-02" }, "end_date"],
    [{ title: "x", start_date: "2026-02-30", end_date: "2026-03-02" }, "start_date"],
    [{ title: "x", start_date: "2026-01-01", end_date: "2026-01-02", budget: 12.5 }, "budget"],
    [{ title: "x", start_date: "2026-01-01", end_date: "2026-01-02", budget: "1.005" }, "budget"],
    [{ title: "x", start_date: "2026-01-01", end_date: "2026-01-02", budget: "-5.00" }, "budget"],
    [
      { title: "x", start_date: "2026-01-01", end_date: "2026-01-02", crew_needed: -1 },
      "crew_needed",
    ],
    [
      { title: "x", start_date: "2026-01-01", end_date: "2026-01-02", status: "completed" },
      "status",
    ],
    [{ title: "x", start_date: "2026-01-01", end_date: "2026-01-02", owner: "me" }, "owner"],
    [
      { title: "x", start_date: "2026-01-01", end_date: "2026-01-02", manager_id: "nope" },
      "manager_id",
    ],
  ];
  for (const [body, field] of cases) {
    const name = title("bad");
    const res = await invoke("admin", "projects", {
      method: "POST",
      body: { ...body, ...(body.title ? { title: name } : {}) },
    });
    const details = assertError(res, 400, "validation_failed");
    assert.ok(field in details, `${field} missing from ${JSON.stringify(details)}`);
    assert.equal(await countTitled(name), 0);
  }
});

t("update: manager edits own; If-Match guards against lost updates", async () => {
  const p = await createProject("manager");
  const res = await invoke<Json>("manager", `projects/${p.id}`, {
    method: "PATCH",
    body: { title: `${p.title} v2`, budget: "30000.00" },
    headers: { "if-match": `"${p.updated_at}"` },
  });
  assert.equal(res.status, 200, JSON.stringify(res.data));
  assert.equal(res.data.title, `${p.title} v2`);
  assert.equal(res.data.budget, "30000.00");
  // The old ETag is now stale.
  const stale = await invoke("manager", `projects/${p.id}`, {
    method: "PATCH",
    body: { title: "lost update" },
    headers: { "if-match": `"${p.updated_at}"` },
  });
  assertError(stale, 409, "version_conflict");
  assert.equal((await storedProject(p.id))?.title, `${p.title} v2`);
  assertError(
    await invoke("manager", `projects/${p.id}`, {
      method: "PATCH",
      body: { title: "x" },
      headers: { "if-match": "yesterday" },
    }),
    400,
    "validation_failed",
  );
  // Read your write: the next GET shows it.
  const read = await invoke<{ project: Json }>("manager", `projects/${p.id}`);
  assert.equal(read.data.project.title, `${p.title} v2`);
  assert.equal(read.data.project.budget, "30000.00");
});

t("update rules: status forward only, manager hand-over admin only, dates", async () => {
  const p = await createProject("manager", { status: "active" });
  const done = await invoke<Json>("manager", `projects/${p.id}`, {
    method: "PATCH",
    body: { status: "completed" },
  });
  assert.equal(done.status, 200);
  assertError(
    await invoke("manager", `projects/${p.id}`, { method: "PATCH", body: { status: "active" } }),
    409,
    "invalid_transition",
  );
  assertError(
    await invoke("manager", `projects/${p.id}`, {
      method: "PATCH",
      body: { manager_id: DEMO.manager2 },
    }),
    403,
    "forbidden",
  );
  const details = assertError(
    await invoke("manager", `projects/${p.id}`, {
      method: "PATCH",
      body: { end_date: "2026-02-01" },
    }),
    422,
    "unprocessable",
  );
  assert.ok(details.end_date);
  assertError(
    await invoke("manager", `projects/${p.id}`, { method: "PATCH", body: {} }),
    400,
    "validation_failed",
  );
  const row = await storedProject(p.id);
  assert.equal(row?.status, "completed");
  assert.equal(row?.manager_id, DEMO.manager);
  assert.equal((row?.end_date as Date).toISOString().slice(0, 10), "2026-03-31");
  // Another manager cannot even see it; finance and crew may not write.
  assertError(
    await invoke("manager2", `projects/${p.id}`, { method: "PATCH", body: { title: "mine" } }),
    404,
    "not_found",
  );
  assertError(
    await invoke("finance", `projects/${p.id}`, { method: "PATCH", body: { title: "mine" } }),
    403,
    "forbidden",
  );
  // Admin hands it over.
  const moved = await invoke<Json>("admin", `projects/${p.id}`, {
    method: "PATCH",
    body: { manager_id: DEMO.manager2 },
  });
  assert.equal(moved.data.manager_id, DEMO.manager2);
  assertError(await invoke("manager", `projects/${p.id}`), 404, "not_found");
  assert.equal((await invoke("manager2", `projects/${p.id}`)).status, 200);
});

t("soft delete: gone from get and list, row kept with deleted_at", async () => {
  const p = await createProject("manager");
  const q = `projects?q=${encodeURIComponent(p.title as string)}`;
  assert.equal((await invoke<{ data: Json[] }>("admin", q)).data.data.length, 1);
  assertError(await invoke("manager2", `projects/${p.id}`, { method: "DELETE" }), 404, "not_found");
  assertError(await invoke("finance", `projects/${p.id}`, { method: "DELETE" }), 403, "forbidden");
  assert.equal((await storedProject(p.id))?.deleted_at, null);
  const res = await invoke("manager", `projects/${p.id}`, { method: "DELETE" });
  assert.equal(res.status, 204);
  assert.ok((await storedProject(p.id))?.deleted_at instanceof Date);
  for (const who of ["admin", "manager", "finance"] as const) {
    assertError(await invoke(who, `projects/${p.id}`), 404, "not_found");
  }
  assert.deepEqual((await invoke<{ data: Json[] }>("admin", q)).data.data, []);
  assertError(await invoke("manager", `projects/${p.id}`, { method: "DELETE" }), 404, "not_found");
  assertError(
    await invoke("manager", `projects/${p.id}`, { method: "PATCH", body: { title: "back" } }),
    404,
    "not_found",
  );
});
