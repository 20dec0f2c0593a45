/**
 * End-to-end: project staff after assignment — list (masked IC numbers, keyset pages), change
 * one, remove — through the gateway for each role, and the candidates function's cached
 * assignments following staffing changes made through the projects function.
 */
import assert from "node:assert/strict";
import { closeDb, crewAs, db, readUntil, routesAs } from "../../helpers/client.ts";
import { activeCandidates, createProject, rejects, staffCount, testsNamed } from "./fixtures.ts";

const t = testsNamed("projects staff");
const manager = crewAs("manager");

t("list: masked IC numbers, keyset pages, status filter", async () => {
  const p = await createProject("manager");
  const ids = await activeCandidates(5);
  await manager.projects.staff.assign(p.id, {
    candidates: ids.map((candidate_id, i) => ({
      candidate_id,
      status: i ? "invited" : "confirmed",
    })),
    on_conflict: "error",
  });
  // The candidates' real IC numbers: none may appear anywhere in a page. (A bare /\d{12}/ would
  // also match a uuid whose last group happens to be all decimal digits.)
  const ics = (await db()`select ic_number from public.candidates where id = any(${ids})`)
    .map((r) => r.ic_number as string);
  assert.equal(ics.length, ids.length);
  const seen: string[] = [];
  for await (const page of crewAs("finance").projects.staff.pages(p.id, { limit: 2 })) {
    for (const s of page.data) {
      assert.match(s.ic_number_masked ?? "", /^\*{6}-\*{2}-\d{4}$/);
      assert.equal(typeof s.candidate_name, "string");
    }
    const body = JSON.stringify(page);
    assert.ok(!ics.some((ic) => body.includes(ic)), "a full IC number leaked");
    seen.push(...page.data.map((s) => s.candidate_id));
  }
  assert.deepEqual(seen, [...ids].sort());
  const confirmed = await crewAs("admin").projects.staff.list(p.id, { status: "confirmed" });
  assert.deepEqual(confirmed.data.map((s) => s.candidate_id), [ids[0]]);
});

t("change one: status forward only, dates inside the project, rate", async () => {
  const p = await createProject("manager");
  const [a] = await activeCandidates(1);
  const made = await manager.projects.staff.assign(p.id, {
    candidates: [{ candidate_id: a }],
    on_conflict: "error",
  });
  const staffId = made.created[0].id;
  const ok = await routesAs("manager").projects("patch", "/projects/{id}/staff/{staffId}")({
    path: { id: p.id, staffId },
    body: { status: "confirmed", daily_rate: "175.25", end_date: "2026-03-15" },
  });
  assert.equal(ok.status, 200, JSON.stringify(ok.data));
  assert.equal(ok.data.status, "confirmed");
  assert.equal(ok.data.daily_rate, "175.25");
  const update = manager.projects.staff.update;
  await rejects(update(p.id, staffId, { status: "invited" }), 409, "invalid_transition");
  const details = await rejects(
    update(p.id, staffId, { end_date: "2026-04-02" }),
    422,
    "unprocessable",
  );
  assert.ok(details.end_date);
  await rejects(update(p.id, staffId, { daily_rate: "1.005" }), 400, "validation_failed");
  await rejects(
    crewAs("manager2").projects.staff.update(p.id, staffId, { designation: "lead" }),
    404,
    "not_found",
  );
  await rejects(
    update(crypto.randomUUID(), staffId, { designation: "lead" }),
    404,
    "not_found",
  );
  const [row] =
    await db()`select status, daily_rate, end_date::text as end_date from public.project_staff where id = ${staffId}`;
  assert.deepEqual({ ...row }, {
    status: "confirmed",
    daily_rate: "175.25",
    end_date: "2026-03-15",
  });
  const detail = await crewAs("admin").projects.getById(p.id);
  assert.equal(detail.staff_summary?.confirmed, 1);
  assert.equal(detail.staff_summary?.total_daily_rate, "175.25");
});

t("remove: completed assignments stay; others go", async () => {
  const p = await createProject("manager");
  const [a, b] = await activeCandidates(2);
  const made = await manager.projects.staff.assign(p.id, {
    candidates: [{ candidate_id: a, status: "confirmed" }, { candidate_id: b }],
    on_conflict: "error",
  });
  const [sa, sb] = [a, b].map((c) => made.created.find((s) => s.candidate_id === c)!.id);
  await manager.projects.staff.update(p.id, sa, { status: "completed" });
  await rejects(manager.projects.staff.remove(p.id, sa), 409, "conflict");
  await rejects(crewAs("finance").projects.staff.remove(p.id, sb), 403, "forbidden");
  assert.equal(await staffCount(p.id), 2);
  const gone = await routesAs("manager").projects("delete", "/projects/{id}/staff/{staffId}")({
    path: { id: p.id, staffId: sb },
  });
  assert.equal(gone.status, 204);
  assert.equal(await staffCount(p.id), 1);
  await rejects(manager.projects.staff.remove(p.id, sb), 404, "not_found");
});

t("close db", async () => {
  await closeDb();
});

t("assigning and removing staff refreshes the candidate's cached assignments", async () => {
  const p = await createProject("admin");
  const [candidate] = await activeCandidates(1);
  const admin = crewAs("admin");
  const read = () => admin.candidates.assignments.list(candidate);
  const has = (page: { data: { project_id: string }[] }) =>
    page.data.some((a) => a.project_id === p.id);
  // Warm the candidates function's cache (its own isolate), then change staffing through the
  // projects function: the candidates isolate must drop its copy within the documented bound
  // (its L1 TTL), not serve it for the entry's 60 s TTL.
  assert.ok(!has(await read()));
  assert.ok(!has(await read()));
  const routes = routesAs("admin");
  const res = await routes.projects("post", "/projects/{id}/staff")({
    path: { id: p.id },
    body: { candidates: [{ candidate_id: candidate, daily_rate: "100.00" }], on_conflict: "error" },
  });
  assert.equal(res.status, 201, JSON.stringify(res.data));
  assert.ok(has(await readUntil(read, has)), "the new assignment shows");
  const removed = await routes.projects("delete", "/projects/{id}/staff/{staffId}")({
    path: { id: p.id, staffId: res.data.created[0].id },
  });
  assert.equal(removed.status, 204);
  const gone = await readUntil(read, (r) => !has(r));
  assert.ok(!has(gone), "the removed assignment is gone");
});
