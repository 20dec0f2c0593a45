/**
 * Query plans of the statements about one project — detail, summary, lock, insert, update, soft
 * delete — and the dashboard's, EXPLAINed as the roles that run them on the seeded database.
 * See projects-fixtures.ts for how a plan is judged.
 */
import { closeDb, DEMO } from "../../helpers/client.ts";
import {
  dashboardMonthlyQuery,
  dashboardTotalsQuery,
  insertProjectsQuery,
  lockProjectsQuery,
  projectDetailQuery,
  projectSummaryQuery,
  softDeleteProjectQuery,
  updateProjectsQuery,
} from "../../../shared/services/projects/queries.ts";
import { loadSeedIds, type PlanCase, planTests, type SeedIds } from "./projects-fixtures.ts";

let fixture: SeedIds;

// projects-list.test.ts has the "close db" test; this file closes its own connection here.
Deno.test.afterAll(closeDb);

Deno.test({
  name: "projects plans: load representative ids from the seed",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    fixture = await loadSeedIds();
  },
});

const cases: PlanCase[] = [
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
];

planTests(cases);
