/**
 * Query plans of every statement the projects and staff services run, EXPLAINed as the roles
 * that run them (RLS included) on the seeded database.
 *
 * The small seed is small enough that the planner may rightly prefer a sequential scan or a
 * bitmap scan plus sort, so each EXPLAIN runs with `enable_seqscan = off` and `enable_sort = off`.
 * Those settings only penalise a plan: the planner still picks a Seq Scan or a Sort when NO index
 * can serve the query. So the test fails exactly when an index is missing — and, so it can fail on
 * more than that, every statement also names the index it must use, or demands "no Sort node"
 * (the keyset order must come from an index).
 */
import assert from "node:assert/strict";
import type { Sql } from "postgres";
import { closeDb, db, DEMO } from "../_helpers/client.ts";
import {
  candidatesByIdQuery,
  deleteStaffQuery,
  insertStaffQuery,
  listStaffQuery,
  lockStaffQuery,
  projectForStaffQuery,
  updateStaffQuery,
} from "../../shared/services/staff_sql.ts";
import {
  dashboardMonthlyQuery,
  dashboardTotalsQuery,
  insertProjectsQuery,
  type ListFilters,
  listProjectsQuery,
  lockProjectsQuery,
  projectDetailQuery,
  projectSummaryQuery,
  softDeleteProjectQuery,
  updateProjectsQuery,
} from "../../shared/services/projects_sql.ts";

const BIG = /^(projects|candidates|project_staff|payments.*|expense_claims|activity_logs.*)$/;

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

type Role = "admin" | "manager" | "finance" | "crew";
const USER: Record<Role, string> = {
  admin: DEMO.admin,
  manager: DEMO.manager,
  finance: DEMO.finance,
  crew: DEMO.crew,
};

/** EXPLAINs `build(tx)` as `role` and returns the plan's nodes. */
async function explain(
  role: Role,
  build: (sql: Sql) => unknown,
  sortOk = false,
): Promise<PlanNode[]> {
  let out: PlanNode[] = [];
  await db().begin(async (tx) => {
    const claims = { sub: USER[role], role: "authenticated", app_metadata: { role } };
    await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
                    set_config('role', 'authenticated', true),
                    set_config('enable_seqscan', 'off', true),
                    set_config('enable_sort', ${sortOk ? "on" : "off"}, true)`;
    const [row] = await tx`explain (format json) ${build(tx as unknown as Sql) as never}`;
    out = nodes((row["QUERY PLAN"] as { Plan: PlanNode }[])[0].Plan);
    throw new RollbackSignal();
  }).catch((err) => {
    if (!(err instanceof RollbackSignal)) throw err;
  });
  return out;
}
class RollbackSignal extends Error {}

interface Expect {
  /** Index names that must appear in the plan. */
  indexes?: (string | RegExp)[];
  /** The order must come from an index (no Sort node). */
  noSort?: boolean;
  /** Sorting a few matched rows is the intended plan: leave `enable_sort` on. */
  sortOk?: boolean;
}

function check(name: string, plan: PlanNode[], expect: Expect) {
  const seq = plan.filter((n) =>
    n["Node Type"] === "Seq Scan" && BIG.test(n["Relation Name"] ?? "")
  );
  assert.deepEqual(
    seq.map((n) => n["Relation Name"]),
    [],
    `${name}: sequential scan of a big table`,
  );
  const used = plan.map((n) => n["Index Name"]).filter(Boolean) as string[];
  for (const want of expect.indexes ?? []) {
    assert.ok(
      used.some((u) => typeof want === "string" ? u === want : want.test(u)),
      `${name}: expected index ${want}, plan used ${JSON.stringify(used)}`,
    );
  }
  if (expect.noSort) {
    assert.ok(
      !plan.some((n) => n["Node Type"] === "Sort"),
      `${name}: sorts instead of reading an index in order`,
    );
  }
}

const base: ListFilters = { sort: "start_date", order: "desc", limit: 50 };
const cursorAfter = { v: "2026-01-01", id: "00000000-0000-4000-a000-000000000000" };

let fixture: { project: string; staff: string; candidate: string; managerProject: string };

Deno.test({
  name: "projects plans: load representative ids from the seed",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const [row] = await db()`
      select s.project_id as project, s.id as staff, s.candidate_id as candidate,
             (select id from public.projects where manager_id = ${DEMO.manager}
               and deleted_at is null limit 1) as "managerProject"
        from public.project_staff s
        join public.projects p on p.id = s.project_id and p.deleted_at is null
       order by s.project_id limit 1`;
    assert.ok(row?.managerProject, "the seed has no project for the demo manager");
    fixture = row as typeof fixture;
  },
});

const cases: [string, Role, (sql: Sql) => unknown, Expect][] = [
  [
    "list: default order",
    "admin",
    (s) => listProjectsQuery(s, { appRole: "admin", id: DEMO.admin }, base, null),
    {
      indexes: ["idx_projects_live_start"],
      noSort: true,
    },
  ],
  [
    "list: next page",
    "finance",
    (s) => listProjectsQuery(s, { appRole: "finance", id: DEMO.finance }, base, cursorAfter),
    {
      indexes: ["idx_projects_live_start"],
      noSort: true,
    },
  ],
  [
    "list: status + dates",
    "admin",
    (s) =>
      listProjectsQuery(s, { appRole: "admin", id: DEMO.admin }, {
        ...base,
        status: "active",
        from: "2025-06-01",
        to: "2025-09-30",
      }, null),
    {},
  ],
  [
    "list: by title",
    "admin",
    (s) =>
      listProjectsQuery(s, { appRole: "admin", id: DEMO.admin }, {
        ...base,
        sort: "title",
        order: "asc",
      }, {
        v: "M",
        id: cursorAfter.id,
      }),
    { noSort: true },
  ],
  [
    "list: by created_at",
    "admin",
    (s) =>
      listProjectsQuery(
        s,
        { appRole: "admin", id: DEMO.admin },
        { ...base, sort: "created_at" },
        null,
      ),
    {
      noSort: true,
    },
  ],
  [
    "list: text search",
    "admin",
    (s) =>
      listProjectsQuery(
        s,
        { appRole: "admin", id: DEMO.admin },
        { ...base, q: "Convention" },
        null,
      ),
    {
      // On the small seed a full read of a partial btree index beats three trigram bitmaps, so
      // the plan only has to use SOME projects index; the trigram indexes the large seed needs
      // are asserted to exist by the test below.
      sortOk: true,
      indexes: [/^idx_projects_/],
    },
  ],
  [
    "list: manager scope",
    "manager",
    (s) => listProjectsQuery(s, { appRole: "manager", id: DEMO.manager }, base, null),
    {
      indexes: ["idx_projects_manager_live_start"],
      noSort: true,
    },
  ],
  [
    "list: crew scope",
    "crew",
    (s) => listProjectsQuery(s, { appRole: "crew", id: DEMO.crew }, base, null),
    // A crew member's few projects: probe them by id, then sort the handful.
    { indexes: ["projects_pkey"], sortOk: true },
  ],
  // Two primary-key probes: the figures come from the trigger-maintained project_totals.
  ["detail", "admin", (s) => projectDetailQuery(s, fixture.project), {
    indexes: ["projects_pkey", "project_totals_pkey"],
  }],
  ["detail: manager", "manager", (s) => projectDetailQuery(s, fixture.managerProject), {
    indexes: ["projects_pkey"],
  }],
  ["summary: crew", "crew", (s) => projectSummaryQuery(s, fixture.project), {
    indexes: ["projects_pkey"],
  }],
  ["lock for update", "admin", (s) => lockProjectsQuery(s, [fixture.project]), {
    indexes: ["projects_pkey"],
  }],
  ["insert", "admin", (s) =>
    insertProjectsQuery(s, [{
      id: crypto.randomUUID(),
      title: "plan",
      client_name: null,
      venue: null,
      status: "planning",
      start_date: "2026-01-01",
      end_date: "2026-01-02",
      crew_needed: 0,
      budget: null,
      manager_id: DEMO.manager,
    }]), {}],
  ["update", "manager", (s) =>
    updateProjectsQuery(s, [{
      id: fixture.managerProject,
      title: "plan",
      client_name: null,
      venue: null,
      status: "planning",
      start_date: "2026-01-01",
      end_date: "2026-01-02",
      crew_needed: 0,
      budget: null,
      manager_id: DEMO.manager,
    }]), { indexes: ["projects_pkey"] }],
  ["soft delete", "manager", (s) => softDeleteProjectQuery(s, fixture.managerProject), {
    indexes: ["projects_pkey"],
  }],
  ["dashboard totals", "finance", (s) => dashboardTotalsQuery(s), {}],
  ["dashboard monthly", "finance", (s) => dashboardMonthlyQuery(s, "2025-01-01", "2025-12-31"), {}],
  ["staff: project", "manager", (s) => projectForStaffQuery(s, fixture.managerProject), {
    indexes: ["projects_pkey"],
  }],
  ["staff: candidates", "manager", (s) => candidatesByIdQuery(s, [fixture.candidate]), {
    indexes: ["candidates_pkey"],
  }],
  [
    "staff: list page",
    "finance",
    (s) => listStaffQuery(s, fixture.project, undefined, { v: null, id: cursorAfter.id }, 50),
    {
      indexes: [
        /^(project_staff_project_candidate_key|idx_project_staff_composite)$/,
        "candidates_pkey",
      ],
      noSort: true,
    },
  ],
  ["staff: insert", "admin", (s) =>
    insertStaffQuery(s, fixture.project, [{
      candidate_id: fixture.candidate,
      designation: "crew",
      status: "invited",
      start_date: "2026-01-01",
      end_date: "2026-01-02",
      daily_rate: "0.00",
    }]), {}],
  ["staff: lock one", "admin", (s) => lockStaffQuery(s, fixture.project, fixture.staff), {
    indexes: ["project_staff_pkey", "projects_pkey"],
  }],
  ["staff: update one", "admin", (s) =>
    updateStaffQuery(s, fixture.staff, {
      designation: "crew",
      status: "invited",
      start_date: "2026-01-01",
      end_date: "2026-01-02",
      daily_rate: "0.00",
    }), { indexes: ["project_staff_pkey"] }],
  ["staff: delete one", "admin", (s) => deleteStaffQuery(s, fixture.staff), {
    indexes: ["project_staff_pkey"],
  }],
];

for (const [name, role, build, expect] of cases) {
  Deno.test({
    name: `projects plans: ${name} (${role})`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => check(name, await explain(role, build, expect.sortOk), expect),
  });
}

Deno.test({
  name: "projects plans: text search has trigram indexes on title, client_name and venue",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const rows = await db()`
      select indexdef from pg_indexes
       where schemaname = 'public' and tablename = 'projects' and indexdef ilike '%gin_trgm_ops%'`;
    for (const column of ["title", "client_name", "venue"]) {
      assert.ok(
        rows.some((r) => new RegExp(`\\(${column} `).test(r.indexdef as string)),
        `no trigram index on projects.${column}: q would scan every live project`,
      );
    }
  },
});

Deno.test({
  name: "projects plans: close db",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => await closeDb(),
});
