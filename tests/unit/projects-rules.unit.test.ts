/** Unit tests of the project and staff rules (pure functions, no network). */
import assert from "node:assert/strict";
import {
  mergeProjectPatch,
  newProjectRow,
  problemsError,
} from "../../shared/services/projects/rules.ts";
import type { ProjectView } from "../../shared/services/projects/views.ts";
import { DEMO_USERS } from "../../scripts/seed/demo-users.ts";

const manager = { id: DEMO_USERS.manager.id, appRole: "manager" as const };
const admin = { id: DEMO_USERS.admin.id, appRole: "admin" as const };
const stored: ProjectView = {
  id: "00000000-0000-4000-a000-0000000000aa",
  title: "Gala",
  client_name: null,
  venue: null,
  status: "planning",
  start_date: "2026-03-01",
  end_date: "2026-03-31",
  crew_needed: 5,
  budget: "100.00",
  manager_id: manager.id,
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-02T03:04:05.678Z",
};

Deno.test("projects rules: a manager's new project is theirs; naming another is refused", () => {
  const input = { title: "x", start_date: "2026-01-01", end_date: "2026-01-02" };
  assert.equal(newProjectRow(manager, input).row.manager_id, manager.id);
  assert.deepEqual(newProjectRow(manager, input).problems, []);
  const other = newProjectRow(manager, { ...input, manager_id: admin.id });
  assert.equal(other.problems[0].status, 403);
  assert.equal(
    newProjectRow(admin, { ...input, manager_id: manager.id }).row.manager_id,
    manager.id,
  );
});

Deno.test("projects rules: patch merge keeps unspecified fields and checks the result", () => {
  const { row, problems } = mergeProjectPatch(
    manager,
    stored,
    { venue: "Hall" },
    stored.updated_at,
  );
  assert.deepEqual(problems, []);
  assert.equal(row.venue, "Hall");
  assert.equal(row.title, "Gala");
  assert.equal(row.budget, "100.00");
  // explicit null clears a nullable field
  assert.equal(mergeProjectPatch(admin, stored, { budget: null }).row.budget, null);

  const stale = mergeProjectPatch(manager, stored, { venue: "x" }, "2026-01-02T03:04:05.000Z");
  assert.deepEqual(stale.problems.map((p) => [p.status, p.field]), [[409, "updated_at"]]);
  const dates = mergeProjectPatch(manager, stored, { end_date: "2026-02-01" });
  assert.deepEqual(dates.problems.map((p) => [p.status, p.field]), [[422, "end_date"]]);
  // The moves allowed from "planning", as the row lock reads them from public.status_moves.
  const fromPlanning = ["active", "cancelled"];
  const handover = mergeProjectPatch(
    manager,
    stored,
    {
      manager_id: admin.id,
      status: "completed",
    },
    undefined,
    fromPlanning,
  );
  const err = problemsError(handover.problems);
  assert.equal(err.status, 403);
  assert.deepEqual(Object.keys(err.details ?? {}).sort(), ["manager_id", "status"]);
  const skip = mergeProjectPatch(admin, stored, { status: "completed" }, undefined, fromPlanning);
  assert.deepEqual(skip.problems.map((p) => [p.status, p.field]), [[409, "status"]]);
  assert.equal(problemsError(skip.problems).code, "conflict");
  const allowed = mergeProjectPatch(admin, stored, { status: "active" }, undefined, fromPlanning);
  assert.deepEqual(allowed.problems, []);
  // Without the allowed moves the check is the database's (its trigger refuses on write).
  assert.deepEqual(mergeProjectPatch(admin, stored, { status: "completed" }).problems, []);
});
