/** Unit tests of the project and staff rules (pure functions, no network). */
import assert from "node:assert/strict";
import {
  canMoveProject,
  mergeProjectPatch,
  newProjectRow,
  type ProjectView,
} from "../../shared/services/projects_rules.ts";
import { canMoveStaff } from "../../shared/services/staff.ts";
import { problemsError } from "../../shared/services/projects.ts";
import { DEMO_USERS } from "../../scripts/seed/demo_users.ts";

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

Deno.test("projects rules: status moves forward only", () => {
  assert.ok(canMoveProject("planning", "active"));
  assert.ok(canMoveProject("active", "completed"));
  assert.ok(canMoveProject("active", "cancelled"));
  assert.ok(canMoveProject("completed", "completed"));
  assert.ok(!canMoveProject("active", "planning"));
  assert.ok(!canMoveProject("completed", "active"));
  assert.ok(!canMoveProject("cancelled", "planning"));
  assert.ok(!canMoveProject("planning", "completed"));
  assert.ok(canMoveStaff("invited", "confirmed"));
  assert.ok(!canMoveStaff("confirmed", "invited"));
  assert.ok(!canMoveStaff("completed", "cancelled"));
});

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
  const handover = mergeProjectPatch(manager, stored, {
    manager_id: admin.id,
    status: "completed",
  });
  const err = problemsError(handover.problems);
  assert.equal(err.status, 403);
  assert.deepEqual(Object.keys(err.details ?? {}).sort(), ["manager_id", "status"]);
  assert.equal(
    problemsError(mergeProjectPatch(admin, stored, { status: "completed" }).problems).code,
    "invalid_transition",
  );
});
