/**
 * End-to-end: the projects function's reads through the typed client (supabase-js
 * `functions.invoke`) → gateway →
 * function process, for every app role: get (and what crew may see), list filters and keyset
 * pagination, bad query parameters, health, openapi, stats and the dashboard.
 */
import assert from "node:assert/strict";
import type { ProjectFilters } from "../../../client/index.ts";
import {
  closeDb,
  crewAs,
  db,
  DEMO,
  errorText,
  failsWith,
  invoke,
  routesAs,
} from "../../helpers/client.ts";
import {
  assertError,
  candidateOf,
  createProject,
  type Json,
  rejects,
  RUN,
  testsNamed,
} from "./fixtures.ts";

const t = testsNamed("projects");

t("get: full detail for admin, finance, owning manager; 404 for others", async () => {
  const p = await createProject("manager");
  for (const who of ["admin", "finance", "manager"] as const) {
    const res = await routesAs(who).projects("get", "/projects/{id}")({ path: { id: p.id } });
    assert.equal(res.status, 200, who);
    const detail = res.data;
    assert.ok(detail.staff_summary, who);
    assert.equal(detail.project.id, p.id);
    assert.equal(detail.project.budget, "25000.00");
    assert.deepEqual(detail.financials, {
      payments_paid: "0.00",
      payments_pending: "0.00",
      payments_count: 0,
      claims_approved: "0.00",
      claims_paid: "0.00",
    });
    assert.equal(detail.staff_summary.total_daily_rate, "0.00");
    assert.equal(res.headers.get("etag"), `"${p.updated_at}"`);
  }
  for (const who of ["manager2", "crew"] as const) {
    const error = await failsWith(crewAs(who).projects.getById(p.id), 404, "not_found");
    assert.equal(typeof error.requestId, "string");
    assert.ok(!errorText(error).includes("25000"));
  }
  const admin = crewAs("admin");
  await rejects(admin.projects.getById("not-a-uuid"), 400, "validation_failed");
  await rejects(admin.projects.getById(crypto.randomUUID()), 404, "not_found");
});

t("crew see projects they are assigned to, without budget or financials", async () => {
  const p = await createProject("admin", { manager_id: DEMO.manager });
  const candidate = await candidateOf("crew");
  await db()`
    insert into public.project_staff (project_id, candidate_id, daily_rate)
    values (${p.id}, ${candidate}, 180)`;
  const crew = crewAs("crew");
  const res = await routesAs("crew").projects("get", "/projects/{id}")({ path: { id: p.id } });
  assert.equal(res.status, 200, JSON.stringify(res.data));
  assert.equal(res.data.project.id, p.id);
  assert.equal("budget" in res.data.project, false);
  assert.equal(res.data.staff_summary, null);
  assert.equal(res.data.financials, null);
  const list = await crew.projects.list({ q: p.title });
  assert.deepEqual(list.data.map((x) => x.id), [p.id]);
  assert.equal("budget" in list.data[0], false);
  // crew2 is not assigned: neither get nor list reveals it.
  await rejects(crewAs("crew2").projects.getById(p.id), 404, "not_found");
  const other = await crewAs("crew2").projects.list({ q: p.title });
  assert.deepEqual(other.data, []);
});

t("list: filters, scope and keyset pagination without gaps or repeats", async () => {
  const tag = `${RUN}-list`;
  const made = [];
  for (
    const [i, start] of ["2026-05-01", "2026-05-10", "2026-06-01", "2026-07-01", "2026-08-01"]
      .entries()
  ) {
    made.push(
      await createProject(i % 2 ? "manager" : "manager2", {
        title: `${tag} ${String.fromCharCode(69 - i)} item`,
        start_date: start,
        end_date: start.replace(/-01$|-10$/, "-20"),
        status: i === 0 ? "active" : "planning",
        venue: i === 4 ? `Stadium ${tag}` : "Hall",
      }),
    );
  }
  const ids = (page: { data: { id: string }[] }) => page.data.map((x) => x.id);
  const listed = async (who: "admin" | "finance" | "manager", filters: ProjectFilters) =>
    ids(await crewAs(who).projects.list({ q: tag, ...filters }));
  const admin = crewAs("admin");

  // Title ascending, two per page.
  const seen: unknown[] = [];
  for await (
    const page of admin.projects.pages({ q: tag, sort: "title", order: "asc", limit: 2 })
  ) {
    seen.push(...page.data.map((x) => x.title));
  }
  assert.deepEqual(seen, made.map((p) => p.title).sort());

  // created_at descending across pages (microsecond timestamps survive the cursor).
  const created: unknown[] = [];
  for await (
    const page of admin.projects.pages({ q: tag, sort: "created_at", order: "desc", limit: 2 })
  ) {
    created.push(...ids(page));
  }
  assert.deepEqual(created, made.map((p) => p.id).reverse());

  // start_date desc is the default order.
  assert.deepEqual(await listed("finance", {}), made.map((p) => p.id).reverse());
  assert.deepEqual(await listed("admin", { status: "active" }), [made[0].id]);
  assert.deepEqual(
    await listed("admin", { from: "2026-05-21", to: "2026-07-01" }),
    [made[3].id, made[2].id],
  );
  assert.deepEqual(await listed("admin", { manager_id: DEMO.manager }), [
    made[3].id,
    made[1].id,
  ]);
  assert.deepEqual(ids(await admin.projects.list({ q: `Stadium ${tag}` })), [made[4].id]);
  // Managers list only their own, whatever filter they pass.
  assert.deepEqual(await listed("manager", {}), [made[3].id, made[1].id]);
  assert.deepEqual(await listed("manager", { manager_id: DEMO.manager2 }), []);
  // A LIKE wildcard in q is a literal character.
  assert.deepEqual(ids(await admin.projects.list({ q: `${RUN}%list` })), []);
});

t("list: bad query parameters are 400 in the error shape", async () => {
  const codes = ["validation_failed", "bad_request"];
  const typed: ProjectFilters[] = [
    { limit: 0 },
    { limit: 201 },
    { from: "2026-13-01" },
    { from: "2026-02-01", to: "2026-01-01" },
    { cursor: "not-a-cursor" },
  ];
  for (const filters of typed) {
    const error = await failsWith(crewAs("admin").projects.list(filters), 400);
    assert.ok(codes.includes(error.code), `${JSON.stringify(filters)}: ${error.code}`);
  }
  // Raw: values and parameters outside the typed filters (their enums, unknown names).
  for (const query of ["sort=budget", "order=up", "status=open", "colour=red"]) {
    const res = await invoke("admin", `projects?${query}`);
    assert.equal(res.status, 400, query);
    assert.ok(
      ["validation_failed", "bad_request"].includes(
        (res.data as { error: { code: string } }).error.code,
      ),
    );
  }
});

// Raw: health, openapi.json and stats are left out of the typed client (not app routes).
t("health and openapi answer without a token", async () => {
  const health = await invoke<Json>("anon", "projects/health");
  assert.equal(health.status, 200);
  assert.equal(health.data.status, "ok");
  const doc = await invoke<{ paths: Json }>("anon", "projects/openapi.json");
  assert.equal(doc.status, 200);
  assert.ok(Object.keys(doc.data.paths).some((p) => p.includes("/projects/{id}/staff")));
});

t("stats is admin only", async () => {
  const res = await invoke<{ cache: unknown; pool: Json }>("admin", "projects/stats");
  assert.equal(res.status, 200);
  assert.equal(typeof res.data.pool.max, "number");
  assert.ok(res.data.cache);
  for (const who of ["manager", "finance", "crew"] as const) {
    assertError(await invoke(who, "projects/stats"), 403, "forbidden");
  }
});

t("dashboard: admin/finance all with monthly totals, manager own only, crew 403", async () => {
  // A range no earlier run used (it is part of the key), so this read loads from the views.
  const to = `${2030 + Math.floor(Math.random() * 900)}-12-31`;
  const all = await routesAs("finance").projects("get", "/projects/dashboard")({
    query: { from: "2025-01-01", to },
  });
  assert.equal(all.headers.get("x-cache"), "loader");
  assert.equal(all.status, 200, JSON.stringify(all.data));
  assert.equal(all.data.scope, "all");
  assert.ok(Array.isArray(all.data.monthly));
  // The document leaves `totals` untyped (unknown): read it as the JSON object it is.
  const totals = all.data.totals as Json;
  assert.match(totals.payments_paid as string, /^\d+\.\d{2}$/);
  const [mv] = await db()`
    select count(*)::int as n from public.mv_project_financials`;
  assert.equal(totals.projects, mv.n);
  const own = await routesAs("manager").projects("get", "/projects/dashboard")({
    query: { from: "2025-01-01", to },
  });
  assert.equal(own.status, 200);
  assert.equal(own.data.scope, "own");
  assert.equal(own.data.monthly, null);
  const [mine] = await db()`
    select count(*)::int as n from public.mv_project_financials f
      join public.projects p on p.id = f.project_id where p.manager_id = ${DEMO.manager}`;
  assert.equal((own.data.totals as Json).projects, mine.n);
  await rejects(crewAs("crew").projects.dashboard(), 403, "forbidden");
  await rejects(crewAs("admin").projects.dashboard({ from: "nope" }), 400, "validation_failed");
});

t("close db", async () => {
  await closeDb();
});
