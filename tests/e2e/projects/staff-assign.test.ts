/**
 * End-to-end: assigning staff to a project (POST /projects/{id}/staff, many at once) through the
 * typed client and the gateway, for each role: defaults, conflicts, rules and bad input answer in the error shape and
 * leave the database unchanged.
 */
import assert from "node:assert/strict";
import type { StaffAssign } from "../../../client/index.ts";
import { closeDb, crewAs, invoke, routesAs } from "../../helpers/client.ts";
import {
  activeCandidates,
  assertError,
  blacklistedCandidate,
  createProject,
  rejects,
  staffCount,
  testsNamed,
} from "./fixtures.ts";

// `on_conflict` is typed as required (the schema's default makes it so): "error" is that default.
const manager = crewAs("manager");

const t = testsNamed("projects staff");

// staff-lifecycle.test.ts has the "close db" test; this file closes its own connection here.
Deno.test.afterAll(closeDb);

t("manager assigns many; dates default to the project's; detail summary follows", async () => {
  const p = await createProject("manager");
  const [a, b, c] = await activeCandidates(3);
  const res = await routesAs("manager").projects("post", "/projects/{id}/staff")({
    path: { id: p.id },
    body: {
      candidates: [
        { candidate_id: a, daily_rate: "150.00", designation: "usher" },
        { candidate_id: b, daily_rate: "200.50", status: "confirmed" },
        { candidate_id: c, start_date: "2026-03-10", end_date: "2026-03-12" },
      ],
      on_conflict: "error",
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.data));
  assert.equal(res.data.created.length, 3);
  assert.deepEqual(res.data.skipped, []);
  const byCandidate = new Map(res.data.created.map((s) => [s.candidate_id, s]));
  assert.equal(byCandidate.get(a)?.start_date, "2026-03-01");
  assert.equal(byCandidate.get(a)?.end_date, "2026-03-31");
  assert.equal(byCandidate.get(a)?.designation, "usher");
  assert.equal(byCandidate.get(c)?.daily_rate, "0.00");
  assert.equal(await staffCount(p.id), 3);

  const detail = await manager.projects.getById(p.id);
  assert.deepEqual(detail.staff_summary, {
    invited: 2,
    confirmed: 1,
    cancelled: 0,
    completed: 0,
    total_daily_rate: "350.50",
  });
});

t("conflicts: default 409 writes nothing; on_conflict=skip reports them", async () => {
  const p = await createProject("manager");
  const [a, b, c] = await activeCandidates(3);
  await manager.projects.staff.assign(p.id, {
    candidates: [{ candidate_id: a }],
    on_conflict: "error",
  });
  const details = await rejects(
    manager.projects.staff.assign(p.id, {
      candidates: [{ candidate_id: b }, { candidate_id: a }],
      on_conflict: "error",
    }),
    409,
    "conflict",
  );
  assert.deepEqual(Object.keys(details), ["candidates.1.candidate_id"]);
  assert.equal(await staffCount(p.id), 1, "b must not have been kept");

  const skip = await routesAs("manager").projects("post", "/projects/{id}/staff")({
    path: { id: p.id },
    body: { candidates: [{ candidate_id: a }, { candidate_id: c }], on_conflict: "skip" },
  });
  assert.equal(skip.status, 201);
  assert.deepEqual(skip.data.skipped, [a]);
  assert.deepEqual(skip.data.created.map((s) => s.candidate_id), [c]);
  assert.equal(await staffCount(p.id), 2);
});

t("rules: unknown or blacklisted candidate, dates outside, closed project → 422", async () => {
  const p = await createProject("manager");
  const [a] = await activeCandidates(1);
  const banned = await blacklistedCandidate();
  const details = await rejects(
    manager.projects.staff.assign(p.id, {
      candidates: [
        { candidate_id: a, start_date: "2026-02-25" },
        { candidate_id: banned },
        { candidate_id: crypto.randomUUID() },
      ],
      on_conflict: "error",
    }),
    422,
    "unprocessable",
  );
  assert.ok(details["candidates.0.start_date"]);
  assert.equal(details["candidates.1.candidate_id"], "Candidate is blacklisted");
  assert.equal(details["candidates.2.candidate_id"], "Candidate not found");
  assert.equal(await staffCount(p.id), 0);

  const closed = await createProject("manager");
  await manager.projects.update(closed.id, { status: "cancelled" });
  await rejects(
    manager.projects.staff.assign(closed.id, {
      candidates: [{ candidate_id: a }],
      on_conflict: "error",
    }),
    422,
    "unprocessable",
  );
  assert.equal(await staffCount(closed.id), 0);
});

t("bad input: 400 with per-item details, nothing written", async () => {
  const p = await createProject("manager");
  const [a] = await activeCandidates(1);
  const typed: [StaffAssign, string][] = [
    [{ candidates: [], on_conflict: "error" }, "candidates"],
    [
      { candidates: [{ candidate_id: a }, { candidate_id: a }], on_conflict: "error" },
      "candidates",
    ],
    [
      {
        candidates: Array.from({ length: 501 }, () => ({ candidate_id: a })),
        on_conflict: "error",
      },
      "candidates",
    ],
  ];
  for (const [body, field] of typed) {
    const details = await rejects(
      manager.projects.staff.assign(p.id, body),
      400,
      "validation_failed",
    );
    assert.ok(field in details, `${field} not in ${JSON.stringify(details)}`);
  }
  // Raw: bodies the types forbid (a number for money, a status or field or on_conflict the
  // schema does not have).
  const bodies: [unknown, string][] = [
    [{ candidates: [{ candidate_id: a, daily_rate: 100 }] }, "candidates.0.daily_rate"],
    [{ candidates: [{ candidate_id: a, status: "completed" }] }, "candidates.0.status"],
    [{ candidates: [{ candidate_id: a, extra: 1 }] }, "candidates.0.extra"],
    [{ candidates: [{ candidate_id: a }], on_conflict: "replace" }, "on_conflict"],
  ];
  for (const [body, field] of bodies) {
    const details = assertError(
      await invoke("manager", `projects/${p.id}/staff`, { method: "POST", body }),
      400,
      "validation_failed",
    );
    assert.ok(field in details, `${field} not in ${JSON.stringify(details)}`);
  }
  assert.equal(await staffCount(p.id), 0);
});

t("who: other manager 404, finance and crew 403 on writes", async () => {
  const p = await createProject("manager");
  const [a] = await activeCandidates(1);
  const body: StaffAssign = { candidates: [{ candidate_id: a }], on_conflict: "error" };
  await rejects(crewAs("manager2").projects.staff.assign(p.id, body), 404, "not_found");
  for (const who of ["finance", "crew"] as const) {
    await rejects(crewAs(who).projects.staff.assign(p.id, body), 403, "forbidden");
  }
  assert.equal(await staffCount(p.id), 0);
  await rejects(crewAs("manager2").projects.staff.list(p.id), 404, "not_found");
  await rejects(crewAs("crew").projects.staff.list(p.id), 403, "forbidden");
});
