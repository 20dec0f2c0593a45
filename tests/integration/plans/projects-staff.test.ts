/**
 * Query plans of every statement the project staff service runs, EXPLAINed as the roles that run
 * them on the seeded database. See projects-fixtures.ts for how a plan is judged.
 */
import { closeDb } from "../../helpers/client.ts";
import {
  candidatesByIdQuery,
  deleteStaffQuery,
  insertStaffQuery,
  listStaffQuery,
  lockStaffQuery,
  projectForStaffQuery,
  updateStaffQuery,
} from "../../../shared/services/staff/queries.ts";
import {
  cursorAfter,
  loadSeedIds,
  type PlanCase,
  planTests,
  type SeedIds,
} from "./projects-fixtures.ts";

let fixture: SeedIds;

// projects-rows.test.ts loads these ids in its "load representative ids from the seed" test, and
// projects-list.test.ts has the "close db" test; this file loads and closes its own.
Deno.test.beforeAll(async () => {
  fixture = await loadSeedIds();
});
Deno.test.afterAll(closeDb);

const cases: PlanCase[] = [
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

planTests(cases);
