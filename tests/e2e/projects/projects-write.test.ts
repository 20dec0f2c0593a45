/**
 * End-to-end: the projects function's writes through the typed client (supabase-js
 * `functions.invoke` → gateway → function process), for every app role: create, update
 * (If-Match, the update rules) and soft delete; bad input answers in the error shape and leaves
 * the database unchanged.
 */
import assert from "node:assert/strict";
import { closeDb, crewAs, DEMO, failsWith, invoke, routesAs } from "../../helpers/client.ts";
import type { ProjectCreate } from "../../../client/index.ts";
import {
  assertError,
  countTitled,
  createProject,
  type Json,
  rejects,
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
  const details = await rejects(
    crewAs("manager").projects.create({
      title: name,
      start_date: "2026-01-01",
      end_date: "2026-01-02",
      manager_id: DEMO.manager2,
    }),
    403,
    "forbidden",
  );
  assert.ok(details.manager_id);
  assert.equal(await countTitled(name), 0);
});

t("finance and crew cannot create; anon is 401", async () => {
  for (const who of ["finance", "crew"] as const) {
    const name = title(`by-${who}`);
    await rejects(
      crewAs(who).projects.create({
        title: name,
        start_date: "2026-01-01",
        end_date: "2026-01-02",
      }),
      403,
      "forbidden",
    );
    assert.equal(await countTitled(name), 0);
  }
  await failsWith(
    crewAs("anon").projects.create({
      title: title("anon"),
      start_date: "2026-01-01",
      end_date: "2026-01-02",
    }),
    401,
  );
});

t("bad input: 400 validation_failed naming each field, nothing written", async () => {
  const cases: [ProjectCreate, string][] = [
    [{ title: "x", start_date: "2026-01-05", end_date: "2026-01-02" }, "end_date"],
    [{ title: "x", start_date: "2026-02-30", end_date: "2026-03-02" }, "start_date"],
    [{ title: "x", start_date: "2026-01-01", end_date: "2026-01-02", budget: "1.005" }, "budget"],
    [{ title: "x", start_date: "2026-01-01", end_date: "2026-01-02", budget: "-5.00" }, "budget"],
    [
      { title: "x", start_date: "2026-01-01", end_date: "2026-01-02", crew_needed: -1 },
      "crew_needed",
    ],
    [
      { title: "x", start_date: "2026-01-01", end_date: "2026-01-02", manager_id: "nope" },
      "manager_id",
    ],
  ];
  for (const [body, field] of cases) {
    const name = title("bad");
    const details = await rejects(
      crewAs("admin").projects.create({ ...body, title: name }),
      400,
      "validation_failed",
    );
    assert.ok(field in details, `${field} missing from ${JSON.stringify(details)}`);
    assert.equal(await countTitled(name), 0);
  }
  // Raw: bodies the typed client does not allow — no title, money as a number, a status a
  // create cannot take, a field the schema does not have.
  const malformed: [Json, string][] = [
    [{ start_date: "2026-01-01", end_date: "2026-01-02" }, "title"],
    [{ title: "x", start_date: "2026-01-01", end_date: "2026-01-02", budget: 12.5 }, "budget"],
    [
      { title: "x", start_date: "2026-01-01", end_date: "2026-01-02", status: "completed" },
      "status",
    ],
    [{ title: "x", start_date: "2026-01-01", end_date: "2026-01-02", owner: "me" }, "owner"],
  ];
  for (const [body, field] of malformed) {
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
  const manager = crewAs("manager");
  const res = await routesAs("manager").projects("patch", "/projects/{id}")({
    path: { id: p.id },
    body: { title: `${p.title} v2`, budget: "30000.00" },
    header: { "if-match": `"${p.updated_at}"` },
  });
  assert.equal(res.status, 200, JSON.stringify(res.data));
  assert.equal(res.data.title, `${p.title} v2`);
  assert.equal(res.data.budget, "30000.00");
  // The old ETag is now stale.
  await rejects(
    manager.projects.update(p.id, { title: "lost update" }, { ifMatch: `"${p.updated_at}"` }),
    409,
    "version_conflict",
  );
  assert.equal((await storedProject(p.id))?.title, `${p.title} v2`);
  await rejects(
    manager.projects.update(p.id, { title: "x" }, { ifMatch: "yesterday" }),
    400,
    "validation_failed",
  );
  // Read your write: the next GET shows it.
  const read = await manager.projects.getById(p.id);
  assert.equal(read.project.title, `${p.title} v2`);
  assert.equal(read.project.budget, "30000.00");
});

t("update rules: status forward only, manager hand-over admin only, dates", async () => {
  const p = await createProject("manager", { status: "active" });
  const manager = crewAs("manager");
  const done = await routesAs("manager").projects("patch", "/projects/{id}")({
    path: { id: p.id },
    body: { status: "completed" },
  });
  assert.equal(done.status, 200);
  await rejects(manager.projects.update(p.id, { status: "active" }), 409, "invalid_transition");
  await rejects(manager.projects.update(p.id, { manager_id: DEMO.manager2 }), 403, "forbidden");
  const details = await rejects(
    manager.projects.update(p.id, { end_date: "2026-02-01" }),
    422,
    "unprocessable",
  );
  assert.ok(details.end_date);
  await rejects(manager.projects.update(p.id, {}), 400, "validation_failed");
  const row = await storedProject(p.id);
  assert.equal(row?.status, "completed");
  assert.equal(row?.manager_id, DEMO.manager);
  assert.equal((row?.end_date as Date).toISOString().slice(0, 10), "2026-03-31");
  // Another manager cannot even see it; finance and crew may not write.
  await rejects(crewAs("manager2").projects.update(p.id, { title: "mine" }), 404, "not_found");
  await rejects(crewAs("finance").projects.update(p.id, { title: "mine" }), 403, "forbidden");
  // Admin hands it over.
  const moved = await crewAs("admin").projects.update(p.id, { manager_id: DEMO.manager2 });
  assert.equal(moved.manager_id, DEMO.manager2);
  await rejects(manager.projects.getById(p.id), 404, "not_found");
  await crewAs("manager2").projects.getById(p.id);
});

t("soft delete: gone from get and list, row kept with deleted_at", async () => {
  const p = await createProject("manager");
  const byTitle = { q: p.title };
  assert.equal((await crewAs("admin").projects.list(byTitle)).data.length, 1);
  await rejects(crewAs("manager2").projects.delete(p.id), 404, "not_found");
  await rejects(crewAs("finance").projects.delete(p.id), 403, "forbidden");
  assert.equal((await storedProject(p.id))?.deleted_at, null);
  const res = await routesAs("manager").projects("delete", "/projects/{id}")({
    path: { id: p.id },
  });
  assert.equal(res.status, 204);
  assert.ok((await storedProject(p.id))?.deleted_at instanceof Date);
  for (const who of ["admin", "manager", "finance"] as const) {
    await rejects(crewAs(who).projects.getById(p.id), 404, "not_found");
  }
  assert.deepEqual((await crewAs("admin").projects.list(byTitle)).data, []);
  const manager = crewAs("manager");
  await rejects(manager.projects.delete(p.id), 404, "not_found");
  await rejects(manager.projects.update(p.id, { title: "back" }), 404, "not_found");
});
