/**
 * End-to-end: the projects function's reads through supabase-js `functions.invoke` → gateway →
 * function process, for every app role: get (and what crew may see), list filters and keyset
 * pagination, bad query parameters, health, openapi, stats and the dashboard.
 */
import assert from "node:assert/strict";
import { closeDb, db, DEMO, invoke } from "../../helpers/client.ts";
import { assertError, candidateOf, createProject, type Json, RUN, testsNamed } from "./fixtures.ts";

const t = testsNamed("projects");

t("get: full detail for admin, finance, owning manager; 404 for others", async () => {
  const p = await createProject("manager");
  for (const who of ["admin", "finance", "manager"] as const) {
    const res = await invoke<Json>(who, `projects/${p.id}`);
    assert.equal(res.status, 200, who);
    const detail = res.data as {
      project: Json;
      staff_summary: Json;
      financials: Json;
    };
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
    const res = await invoke(who, `projects/${p.id}`);
    assertError(res, 404, "not_found");
    assert.ok(!JSON.stringify(res.data).includes("25000"));
  }
  assertError(await invoke("admin", "projects/not-a-uuid"), 400, "validation_failed");
  assertError(await invoke("admin", `projects/${crypto.randomUUID()}`), 404, "not_found");
});

t("crew see projects they are assigned to, without budget or financials", async () => {
  const p = await createProject("admin", { manager_id: DEMO.manager });
  const candidate = await candidateOf("crew");
  await db()`
    insert into public.project_staff (project_id, candidate_id, daily_rate)
    values (${p.id}, ${candidate}, 180)`;
  const res = await invoke<{ project: Json; staff_summary: unknown; financials: unknown }>(
    "crew",
    `projects/${p.id}`,
  );
  assert.equal(res.status, 200, JSON.stringify(res.data));
  assert.equal(res.data.project.id, p.id);
  assert.equal("budget" in res.data.project, false);
  assert.equal(res.data.staff_summary, null);
  assert.equal(res.data.financials, null);
  const list = await invoke<{ data: Json[] }>(
    "crew",
    `projects?q=${encodeURIComponent(p.title as string)}`,
  );
  assert.equal(list.status, 200);
  assert.deepEqual(list.data.data.map((x) => x.id), [p.id]);
  assert.equal("budget" in list.data.data[0], false);
  // crew2 is not assigned: neither get nor list reveals it.
  assertError(await invoke("crew2", `projects/${p.id}`), 404, "not_found");
  const other = await invoke<{ data: Json[] }>(
    "crew2",
    `projects?q=${encodeURIComponent(p.title as string)}`,
  );
  assert.deepEqual(other.data.data, []);
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
  const ids = (r: { data: { data: Json[] } }) => r.data.data.map((x) => x.id);
  const base = `projects?q=${encodeURIComponent(tag)}`;

  // Title ascending, two per page.
  const seen: unknown[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; data: { data: Json[]; next_cursor: string | null } } =
      await invoke(
        "admin",
        `${base}&sort=title&order=asc&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
    assert.equal(page.status, 200, JSON.stringify(page.data));
    seen.push(...page.data.data.map((x) => x.title));
    cursor = page.data.next_cursor;
  } while (cursor);
  assert.deepEqual(seen, made.map((p) => p.title).sort());

  // created_at descending across pages (microsecond timestamps survive the cursor).
  const created: unknown[] = [];
  cursor = null;
  do {
    const page: { data: { data: Json[]; next_cursor: string | null } } = await invoke(
      "admin",
      `${base}&sort=created_at&order=desc&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
    );
    created.push(...ids(page));
    cursor = page.data.next_cursor;
  } while (cursor);
  assert.deepEqual(created, made.map((p) => p.id).reverse());

  // start_date desc is the default order.
  assert.deepEqual(ids(await invoke("finance", base)), made.map((p) => p.id).reverse());
  assert.deepEqual(ids(await invoke("admin", `${base}&status=active`)), [made[0].id]);
  assert.deepEqual(
    ids(await invoke("admin", `${base}&from=2026-05-21&to=2026-07-01`)),
    [made[3].id, made[2].id],
  );
  assert.deepEqual(ids(await invoke("admin", `${base}&manager_id=${DEMO.manager}`)), [
    made[3].id,
    made[1].id,
  ]);
  assert.deepEqual(
    ids(await invoke("admin", `projects?q=${encodeURIComponent(`Stadium ${tag}`)}`)),
    [
      made[4].id,
    ],
  );
  // Managers list only their own, whatever filter they pass.
  assert.deepEqual(ids(await invoke("manager", base)), [made[3].id, made[1].id]);
  assert.deepEqual(ids(await invoke("manager", `${base}&manager_id=${DEMO.manager2}`)), []);
  // A LIKE wildcard in q is a literal character.
  assert.deepEqual(
    ids(await invoke("admin", `projects?q=${encodeURIComponent(`${RUN}%list`)}`)),
    [],
  );
});

t("list: bad query parameters are 400 in the error shape", async () => {
  for (
    const query of [
      "sort=budget",
      "order=up",
      "limit=0",
      "limit=201",
      "status=open",
      "from=2026-13-01",
      "from=2026-02-01&to=2026-01-01",
      "cursor=not-a-cursor",
      "colour=red",
    ]
  ) {
    const res = await invoke("admin", `projects?${query}`);
    assert.equal(res.status, 400, query);
    assert.ok(
      ["validation_failed", "bad_request"].includes(
        (res.data as { error: { code: string } }).error.code,
      ),
    );
  }
});

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
  const all = await invoke<{ scope: string; totals: Json; monthly: unknown[] | null }>(
    "finance",
    `projects/dashboard?from=2025-01-01&to=${to}`,
  );
  assert.equal(all.headers.get("x-cache"), "loader");
  assert.equal(all.status, 200, JSON.stringify(all.data));
  assert.equal(all.data.scope, "all");
  assert.ok(Array.isArray(all.data.monthly));
  assert.match(all.data.totals.payments_paid as string, /^\d+\.\d{2}$/);
  const [mv] = await db()`
    select count(*)::int as n from public.mv_project_financials`;
  assert.equal(all.data.totals.projects, mv.n);
  const own = await invoke<{ scope: string; totals: Json; monthly: unknown }>(
    "manager",
    `projects/dashboard?from=2025-01-01&to=${to}`,
  );
  assert.equal(own.status, 200);
  assert.equal(own.data.scope, "own");
  assert.equal(own.data.monthly, null);
  const [mine] = await db()`
    select count(*)::int as n from public.mv_project_financials f
      join public.projects p on p.id = f.project_id where p.manager_id = ${DEMO.manager}`;
  assert.equal(own.data.totals.projects, mine.n);
  assertError(await invoke("crew", "projects/dashboard"), 403, "forbidden");
  assertError(await invoke("admin", "projects/dashboard?from=nope"), 400, "validation_failed");
});

t("close db", async () => {
  await closeDb();
});
